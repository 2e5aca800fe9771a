"""A bounded load test of ``POST /api/ask`` on loopback: N concurrent users for S seconds.

    python benchmarks/loadtest.py                      # starts `python app.py` itself, 16 users, 20 s
    python benchmarks/loadtest.py --users 4 --seconds 3
    python benchmarks/loadtest.py --url http://127.0.0.1:7860 --json-out load.json

Each user sends the dev-set questions (``tests/data/eval.jsonl``, with their histories) one
after another, starting at a different place in the list, and waits for each answer before
sending the next (a closed loop: no think time). The run stops by itself after ``--seconds``;
requests still in flight then are waited for and counted. It reports errors (any status other
than 200, a timeout or a dropped connection), requests/s and latency percentiles, as text on
stderr and as JSON (stdout, or ``--json-out``). Exit status 1 when there were errors or the
p95 is over ``--max-p95-ms``.

Without ``--url`` the app runs in its own process (``python app.py`` on a free loopback port,
with this process's ``BOT_*`` environment), so the load generator does not share its GIL.
It only ever talks to 127.0.0.1 or the URL given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: bot/ is importable
from bot.launch import free_port, launch_app, stop_app  # noqa: E402

DEV_SET = ROOT / "tests" / "data" / "eval.jsonl"


@dataclass
class Result:
    users: int
    seconds: float
    requests: int = 0
    errors: int = 0
    answered: int = 0
    abstained: int = 0
    requests_per_s: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    status_counts: dict[str, int] = field(default_factory=dict)
    url: str = ""
    machine: str = ""

    def text(self) -> str:
        lat = self.latency_ms
        lines = [
            f"load test: {self.users} users for {self.seconds:.1f} s against {self.url}",
            f"  requests {self.requests}, errors {self.errors}, answered {self.answered}, abstained {self.abstained}",
            f"  throughput {self.requests_per_s:.1f} requests/s",
            f"  latency ms: p50 {lat.get('p50', 0):.0f}, p95 {lat.get('p95', 0):.0f}, p99 {lat.get('p99', 0):.0f}, "
            f"max {lat.get('max', 0):.0f}, mean {lat.get('mean', 0):.0f}",
        ]
        lines += [f"  error: {e}" for e in self.error_samples]
        return "\n".join(lines)


def read_questions(path: Path) -> list[dict]:
    """The request bodies: each dev-set row's question and history."""
    bodies = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            bodies.append({"question": row["question"], "history": row.get("history") or []})
    if not bodies:
        raise SystemExit(f"no questions in {path}")
    return bodies


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * q // 100))  # ceil
    return sorted_values[int(rank) - 1]


async def _user(client: httpx.AsyncClient, user: int, users: int, bodies: list[dict], deadline: float,
                latencies: list[float], outcomes: list[str], timeout_s: float) -> None:
    i = user * len(bodies) // users  # each user starts at its own place in the list
    while time.perf_counter() < deadline:
        body = bodies[i % len(bodies)]
        i += 1
        started = time.perf_counter()
        try:
            res = await client.post("/api/ask", json=body, timeout=timeout_s)
            elapsed = time.perf_counter() - started
            if res.status_code != 200:
                outcomes.append(f"HTTP {res.status_code}: {res.text[:200]}")
            else:
                outcomes.append("answered" if res.json().get("answered") else "abstained")
        except (httpx.HTTPError, ValueError) as exc:
            elapsed = time.perf_counter() - started
            outcomes.append(f"{type(exc).__name__}: {exc}"[:200])
        latencies.append(elapsed * 1e3)


async def _run(url: str, users: int, seconds: float, bodies: list[dict], timeout_s: float) -> Result:
    latencies: list[float] = []
    outcomes: list[str] = []
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=url, limits=limits, trust_env=False) as client:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(_user(client, u, users, bodies, deadline, latencies, outcomes, timeout_s) for u in range(users)))
        wall = time.perf_counter() - started
    errors = [o for o in outcomes if o not in ("answered", "abstained")]
    ordered = sorted(latencies)
    statuses: dict[str, int] = {}
    for o in outcomes:
        key = "200" if o in ("answered", "abstained") else o.split(":")[0]
        statuses[key] = statuses.get(key, 0) + 1
    return Result(
        users=users, seconds=round(wall, 2), requests=len(outcomes), errors=len(errors),
        answered=outcomes.count("answered"), abstained=outcomes.count("abstained"),
        requests_per_s=round(len(outcomes) / wall, 2) if wall else 0.0,
        latency_ms={
            "p50": round(percentile(ordered, 50), 1), "p95": round(percentile(ordered, 95), 1),
            "p99": round(percentile(ordered, 99), 1), "max": round(ordered[-1], 1) if ordered else 0.0,
            "mean": round(statistics.fmean(ordered), 1) if ordered else 0.0,
        },
        error_samples=sorted(set(errors))[:5], status_counts=statuses, url=url,
        machine=f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    )


def run(url: str, users: int = 16, seconds: float = 20.0, questions: Path = DEV_SET, timeout_s: float = 30.0) -> Result:
    """Load ``url`` (the app's base URL) with ``users`` concurrent users for ``seconds``."""
    if users <= 0 or seconds <= 0:
        raise ValueError(f"users and seconds must be positive, got {users} and {seconds}")
    return asyncio.run(_run(url.rstrip("/"), users, seconds, read_questions(questions), timeout_s))


def start_app(timeout_s: float = 300.0) -> tuple[subprocess.Popen, str]:
    """``python app.py`` on a free loopback port; returns once /api/health answers."""
    port = free_port()
    log = tempfile.TemporaryFile("w+")
    proc = launch_app(ROOT / "app.py", port, log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"the app exited with {proc.returncode}: {log.read()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2, trust_env=False).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_app(proc)
    raise SystemExit(f"the app did not answer /api/health within {timeout_s:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="base URL of a running app (default: start python app.py on loopback)")
    parser.add_argument("--users", type=int, default=16, help="concurrent users (default 16)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to send requests (default 20)")
    parser.add_argument("--questions", type=Path, default=DEV_SET, help="JSON Lines of {question, history}")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds (default 30)")
    parser.add_argument("--max-p95-ms", type=float, default=1000.0, help="exit 1 if p95 is over this (default 1000)")
    parser.add_argument("--json-out", type=Path, help="write the JSON report here instead of stdout")
    args = parser.parse_args(argv)

    proc = None
    url = args.url
    if url is None:
        print("starting python app.py ...", file=sys.stderr, flush=True)
        proc, url = start_app()
    try:
        result = run(url, args.users, args.seconds, args.questions, args.timeout)
    finally:
        if proc is not None:
            stop_app(proc)
    print(result.text(), file=sys.stderr)
    met = result.errors == 0 and result.latency_ms["p95"] <= args.max_p95_ms
    print(f"  target (no errors, p95 <= {args.max_p95_ms:.0f} ms): {'met' if met else 'NOT MET'}", file=sys.stderr)
    report = json.dumps(asdict(result) | {"target_met": met, "max_p95_ms": args.max_p95_ms}, indent=2)
    if args.json_out:
        args.json_out.write_text(report + "\n", encoding="utf-8")
    else:
        print(report)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
