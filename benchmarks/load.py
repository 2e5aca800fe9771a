"""The app's load tests, on locust (``benchmarks/locustfile.py``): headless, bounded in users and
time, loopback only.

    python benchmarks/load.py                  # both tests on a fresh `python app.py`, figures on stderr
    python benchmarks/load.py --write          # ... and into BENCHMARKS.md ("Load test", "Worst requests")
    python benchmarks/load.py steady --users 4 --seconds 3 --url http://127.0.0.1:7860
    python benchmarks/load.py pressure --in-flight 10 --seconds 8 --json-out pressure.json

``steady``: ``--users`` users (default 16) send the dev-set questions to ``POST /api/ask`` for
``--seconds`` (default 20); errors, requests/s and latency percentiles. Target: no errors, p95 <=
``--max-p95-ms`` (1 s).
``pressure``: first the CPU seconds of the worst request the API accepts, answered in this
process (``pressure.measure_cpu``); then ``--in-flight`` users (default 40) keep that many worst
requests in flight for ``--seconds`` (default 15) while one more times ``GET /api/health`` and an
ordinary question, one after another. Targets (issue 17): worst request <= 0.5 CPU s, health <
100 ms, an ordinary question < 1 s.

Without ``--url`` the app runs in its own process (``python app.py --host 127.0.0.1`` on a free
port, with this process's ``BOT_*`` environment), so the load generator (locust, in a process of
its own too) shares no GIL with it. A ``--url`` that is not loopback is refused. Locust's
``--stop-timeout`` lets requests in flight at the end finish and be counted. Latencies are
locust's: above 100 ms its percentiles are rounded to 10 ms, above 1 s to 100 ms; max is exact.
Exit status 1 when there were errors or a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: bot/ is importable
import pressure  # noqa: E402

LOCUSTFILE = HERE / "locustfile.py"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
DEV_SET = ROOT / "tests" / "data" / "eval.jsonl"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
STOP_TIMEOUT_S = 30


def check_loopback(url: str) -> str:
    """``url`` without a trailing slash; SystemExit unless it is http(s) on a loopback host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK:
        raise SystemExit(f"load tests run on loopback only, got {url!r}")
    return url.rstrip("/")


def run_locust(url: str, classes: list[str], users: int, seconds: float, questions: Path = DEV_SET,
               extra: tuple[str, ...] = ()) -> dict:
    """One headless locust run of ``classes`` with ``users`` users (all started within a second)
    for ``seconds``; its stats by request name, failures, outcomes and exit code."""
    if not 1 <= users <= 200 or not 0 < seconds <= 600:
        raise ValueError(f"users must be within 1..200 and seconds within (0, 600], got {users} and {seconds}")
    url = check_loopback(url)
    with tempfile.TemporaryDirectory(prefix="locust-") as tmp:
        out, log = Path(tmp) / "summary.json", Path(tmp) / "locust.log"
        cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
               "-u", str(users), "-r", str(users), "-t", f"{seconds:g}s", "--stop-timeout", str(STOP_TIMEOUT_S),
               "--host", url, "--loglevel", "WARNING", "--questions", str(questions),
               "--summary-out", str(out), *extra, *classes]
        started = time.perf_counter()
        with open(log, "w", encoding="utf-8") as log_file:
            done = subprocess.run(cmd, stdout=log_file, stderr=subprocess.STDOUT, cwd=str(ROOT),
                                  timeout=seconds + STOP_TIMEOUT_S + 120)
        wall = time.perf_counter() - started
        if not out.exists():
            raise RuntimeError(f"locust exited with {done.returncode} and wrote no figures: {log.read_text()[-2000:]}")
        figures = json.loads(out.read_text(encoding="utf-8"))
    return {"exit_code": done.returncode, "stats": figures["requests"], "failures": figures["errors"],
            "outcomes": figures["outcomes"], "wall_s": round(wall, 1)}


def steady(url: str, users: int = 16, seconds: float = 20.0, questions: Path = DEV_SET, max_p95_ms: float = 1000.0) -> dict:
    """``users`` users asking the dev-set questions for ``seconds``."""
    run = run_locust(url, ["AskUser"], users, seconds, questions)
    ask = run["stats"].get("POST /api/ask", {"requests": 0, "failures": 0, "requests_per_s": 0.0})
    result = {
        "users": users, "seconds": seconds, "requests": ask["requests"], "errors": ask["failures"],
        **run["outcomes"], "requests_per_s": ask["requests_per_s"],
        "latency_ms": {k: ask.get(k, 0.0) for k in ("p50", "p95", "p99", "max", "mean")},
        "error_samples": run["failures"][:5], "locust_exit_code": run["exit_code"], "url": url, "wall_s": run["wall_s"],
    }
    result["target_met"] = (result["errors"] == 0 and result["requests"] > 0 and run["exit_code"] == 0
                            and result["latency_ms"]["p95"] <= max_p95_ms)
    return result


def under_pressure(url: str, in_flight: int = 40, seconds: float = 15.0, questions: Path = DEV_SET, seed: int = 1,
                   probe_rounds: int = 0) -> dict:
    """``in_flight`` worst requests kept in flight for ``seconds``; health and ordinary-question timings
    meanwhile, ``probe_rounds`` of each (0: as many as fit)."""
    run = run_locust(url, ["WorstUser", "ProbeUser"], in_flight + 1, seconds, questions,
                     ("--worst-seed", str(seed), "--probe-rounds", str(probe_rounds)))
    s = run["stats"]
    empty = {"requests": 0, "failures": 0, "p50": 0.0, "max": 0.0}
    worst, health, ordinary = (s.get(n, empty) for n in ("POST /api/ask worst", "GET /api/health", "POST /api/ask ordinary"))
    return {
        "in_flight": in_flight, "seconds": seconds,
        "worst_requests": worst["requests"], "worst_failures": worst["failures"],
        "worst_ms_p50": worst["p50"], "worst_ms_max": worst["max"],
        "health_samples": health["requests"], "health_failures": health["failures"],
        "health_ms_p50": health["p50"], "health_ms_max": health["max"],
        "ordinary_samples": ordinary["requests"], "ordinary_failures": ordinary["failures"],
        "ordinary_ms_p50": ordinary["p50"], "ordinary_ms_max": ordinary["max"],
        "error_samples": run["failures"][:5], "locust_exit_code": run["exit_code"],
    }


def pressure_missed(result: dict) -> list[str]:
    """Targets missed, and any request that failed or a probe that never ran."""
    problems = pressure.missed(result)
    for key in ("worst", "health", "ordinary"):
        if result.get(f"{key}_failures"):
            problems.append(f"{result[f'{key}_failures']} {key} requests failed")
    if not result.get("health_samples") or not result.get("ordinary_samples"):
        problems.append("no health or ordinary sample under pressure")
    return problems


def start_app(env: dict[str, str] | None = None, timeout_s: float = 300.0):
    """``python app.py`` on a free loopback port; returns (process, url, log) once /api/health answers."""
    import httpx

    from bot.tools.launch import free_port, launch_app, stop_app

    port = free_port()
    log = tempfile.TemporaryFile("w+")
    proc = launch_app(ROOT / "app.py", port, log, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the app exited with {proc.returncode}: {log.read()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2, trust_env=False).status_code == 200:
                return proc, url, log
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_app(proc)
    raise RuntimeError(f"the app did not answer /api/health within {timeout_s:.0f} s")


def _machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"1-minute load average at the start {load:.1f}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


def steady_block(r: dict, machine: str) -> str:
    lat = r["latency_ms"]
    return "\n".join([
        f"Written by `python benchmarks/load.py --write` ({machine}; locust in its own process on the same cores):",
        "",
        "| users | seconds | requests | errors | requests/s | p50 ms | p95 ms | p99 ms | max ms | answered / abstained | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {r['users']} | {r['seconds']:g} | {r['requests']:,} | {r['errors']} | {r['requests_per_s']:.1f} | {lat['p50']:.0f} | "
        f"{lat['p95']:.0f} | {lat['p99']:.0f} | {lat['max']:.0f} | {r['answered']:,} / {r['abstained']:,} | "
        f"{'met' if r['target_met'] else '**not met**'} |",
    ])


def pressure_block(r: dict, machine: str) -> str:
    problems = pressure_missed(r)
    return "\n".join([
        f"Written by `python benchmarks/load.py --write` ({machine}; locust in its own process on the same cores):",
        "",
        "| worst request, CPU s (max of 5) | ordinary question, CPU ms p50 / max | in flight, for | worst requests answered (p50 / max s) "
        "| `/api/health` p50 / max ms (samples) | ordinary question p50 / max ms, wall (samples) | targets |",
        "|---|---|---|---|---|---|---|",
        f"| {r['worst_cpu_s']:.3f} | {r['ordinary_cpu_ms_p50']:.1f} / {r['ordinary_cpu_ms_max']:.0f} | {r['in_flight']}, {r['seconds']:g} s | "
        f"{r['worst_requests']} ({r['worst_ms_p50'] / 1e3:.1f} / {r['worst_ms_max'] / 1e3:.1f}) | "
        f"{r['health_ms_p50']:.0f} / {r['health_ms_max']:.0f} ({r['health_samples']}) | "
        f"{r['ordinary_ms_p50']:.0f} / {r['ordinary_ms_max']:.0f} ({r['ordinary_samples']}) | "
        f"{'met' if not problems else '**missed**: ' + ', '.join(problems)} |",
    ])


def replace_block(text: str, name: str, block: str) -> str:
    """Put ``block`` between the ``<!-- load.py NAME -->`` and ``<!-- /load.py NAME -->`` markers."""
    start, end = f"<!-- load.py {name} -->", f"<!-- /load.py {name} -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{BENCHMARKS_MD.name} has no {start} ... {end} block")
    return pattern.sub(lambda _: f"{start}\n{block}\n{end}", text, count=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("test", nargs="?", choices=("steady", "pressure", "all"), default="all")
    parser.add_argument("--url", help="base URL of a running app on loopback (default: start python app.py)")
    parser.add_argument("--users", type=int, default=16, help="steady: concurrent users (default 16)")
    parser.add_argument("--seconds", type=float, help="how long each test sends requests (default 20 steady, 15 pressure)")
    parser.add_argument("--in-flight", type=int, default=40, help="pressure: worst requests in flight (default 40)")
    parser.add_argument("--cpu-requests", type=int, default=5, help="pressure: worst requests timed for CPU (default 5)")
    parser.add_argument("--questions", type=Path, default=DEV_SET, help="JSON Lines of {question, history}")
    parser.add_argument("--max-p95-ms", type=float, default=1000.0, help="steady: target p95 (default 1000)")
    parser.add_argument("--json-out", type=Path, help="write the results as JSON here (default stdout)")
    parser.add_argument("--write", action="store_true", help=f"write the figures into {BENCHMARKS_MD.name}")
    args = parser.parse_args(argv)
    if args.url:
        check_loopback(args.url)
    machine = _machine()
    results: dict = {}
    if args.test in ("pressure", "all"):
        print(f"timing {args.cpu_requests} worst requests in this process ...", file=sys.stderr, flush=True)
        results["pressure"] = pressure.measure_cpu(args.cpu_requests)
    proc = None
    url = args.url
    if url is None:
        from bot.tools.launch import stop_app

        print("starting python app.py ...", file=sys.stderr, flush=True)
        proc, url, _log = start_app()
    try:
        if args.test in ("steady", "all"):
            print(f"steady: {args.users} users for {args.seconds or 20:g} s ...", file=sys.stderr, flush=True)
            results["steady"] = steady(url, args.users, args.seconds or 20.0, args.questions, args.max_p95_ms)
        if args.test in ("pressure", "all"):
            print(f"pressure: {args.in_flight} worst requests in flight for {args.seconds or 15:g} s ...", file=sys.stderr, flush=True)
            results["pressure"] |= under_pressure(url, args.in_flight, args.seconds or 15.0, args.questions)
    finally:
        if proc is not None:
            stop_app(proc)
    ok = True
    if "steady" in results:
        r = results["steady"]
        ok &= r["target_met"]
        print(steady_block(r, machine), *(f"  error: {e}" for e in r["error_samples"]), sep="\n", file=sys.stderr)
    if "pressure" in results:
        r = results["pressure"]
        ok &= not pressure_missed(r)
        print(pressure_block(r, machine), *(f"  error: {e}" for e in r["error_samples"]), sep="\n", file=sys.stderr)
    if args.write:
        text = BENCHMARKS_MD.read_text(encoding="utf-8")
        if "steady" in results:
            text = replace_block(text, "steady", steady_block(results["steady"], machine))
        if "pressure" in results:
            text = replace_block(text, "pressure", pressure_block(results["pressure"], machine))
        BENCHMARKS_MD.write_text(text, encoding="utf-8")
    report = json.dumps(results | {"machine": machine, "targets_met": ok}, indent=2)
    if args.json_out:
        args.json_out.write_text(report + "\n", encoding="utf-8")
    else:
        print(report)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
