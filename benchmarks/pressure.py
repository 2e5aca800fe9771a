"""What the worst request costs, and what everyone else waits while many are in flight (loopback only).

    python benchmarks/pressure.py                  # starts `python app.py` itself; 40 worst requests
    python benchmarks/pressure.py --in-flight 10 --json-out pressure.json

1. CPU: loads the engine in this process and answers ``--cpu-requests`` worst requests (see
   ``worst_request``), then the dev-set questions, timing each with ``time.process_time`` (CPU
   seconds of every thread of this process: what a request costs, whatever else the machine does).
2. Pressure: starts ``python app.py`` on a free 127.0.0.1 port in its own process, sends
   ``--in-flight`` worst requests to ``POST /api/ask`` at once and, while they are in flight,
   times ``GET /api/health`` and an ordinary question (a dev-set question without history), one
   after another, ``--samples`` times each. Then it waits for every worst request to finish.

The number of requests is fixed (no open-ended load) and nothing leaves 127.0.0.1. Prints JSON
(or writes ``--json-out``) and a summary on stderr; exit status 1 when a target is missed:
worst request <= 0.5 CPU s, health < 100 ms and an ordinary question < 1 s under pressure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import string
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: bot/ is importable
from bot.validate import MAX_REQUEST_BYTES  # noqa: E402

DEV_SET = ROOT / "tests" / "data" / "eval.jsonl"
TARGETS = {"worst_cpu_s": 0.5, "health_ms": 100.0, "ordinary_ms": 1000.0}


def _word(rng: random.Random) -> str:
    # Long made-up words: each one unknown to the corpus and the dictionary, and long enough
    # (10+ letters) to get the speller's widest search.
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(10, 14)))


def _text(rng: random.Random, chars: int) -> str:
    words, size = [], 0
    while size < chars:
        words.append(_word(rng))
        size += len(words[-1]) + 1
    return " ".join(words)[:chars].rstrip()


def worst_request(rng: random.Random, limit: int = MAX_REQUEST_BYTES, max_turns: int = 50,
                  question_chars: int = 1000, turn_chars: int = 4000) -> dict:
    """The costliest body the API accepts: the longest question, then as many of the longest
    history turns (user and assistant alternating) as fit under ``limit`` bytes, all made of
    words no dictionary has. Every turn is kept whole by the API (turns are cut at 4x the question
    limit, 4,000 characters)."""
    body: dict = {"question": _text(rng, question_chars), "history": []}
    while len(body["history"]) < max_turns:
        role = "user" if len(body["history"]) % 2 == 0 else "assistant"
        turn = {"role": role, "content": _text(rng, turn_chars)}
        body["history"].append(turn)
        size = len(json.dumps(body).encode())
        if size > limit:
            body["history"].pop()
            room = limit - len(json.dumps(body).encode()) - len('{"role": "assistant", "content": ""}, ') - 8
            if room > 100:
                body["history"].append({"role": role, "content": _text(rng, room)})
            break
    return body


def ordinary_questions(path: Path = DEV_SET) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if not r.get("history")]


def measure_cpu(requests: int = 5, seed: int = 0) -> dict:
    """CPU seconds per worst request and per ordinary question, in this process."""
    from bot.engine import Engine
    from bot.settings import Settings
    from bot.validate import parse_request

    engine = Engine.load(Settings.from_env(), progress=lambda _: None)
    engine.ask("warm up")
    rng = random.Random(seed)
    worst = []
    for _ in range(requests):
        raw = json.dumps(worst_request(rng)).encode()
        started = time.process_time()  # from the body's bytes to the answer, as /api/ask spends them
        req = parse_request(json.loads(raw), max_chars=engine.settings.max_question_chars,
                            max_turns=engine.settings.max_history_turns)
        engine.ask(req.question, req.history)
        worst.append(time.process_time() - started)
    ordinary = []
    for question in ordinary_questions():
        started = time.process_time()
        engine.ask(question)
        ordinary.append(time.process_time() - started)
    ordinary.sort()
    return {"worst_cpu_s": max(worst), "worst_cpu_s_all": [round(w, 3) for w in worst],
            "ordinary_cpu_ms_p50": 1e3 * ordinary[len(ordinary) // 2], "ordinary_cpu_ms_max": 1e3 * ordinary[-1]}


async def _pressure(url: str, in_flight: int, samples: int, seed: int) -> dict:
    import httpx

    rng = random.Random(seed)
    bodies = [worst_request(rng) for _ in range(in_flight)]
    questions = ordinary_questions()
    limits = httpx.Limits(max_connections=in_flight + 4, max_keepalive_connections=in_flight + 4)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300, trust_env=False) as client:
        started = time.perf_counter()
        flood = [asyncio.create_task(client.post("/api/ask", json=b)) for b in bodies]
        await asyncio.sleep(0.5)  # every worst request sent and being answered
        health, ordinary = [], []
        for i in range(samples):
            t0 = time.perf_counter()
            res = await client.get("/api/health")
            health.append((time.perf_counter() - t0) * 1e3)
            res.raise_for_status()
            t0 = time.perf_counter()
            res = await client.post("/api/ask", json={"question": questions[i % len(questions)]})
            ordinary.append((time.perf_counter() - t0) * 1e3)
            res.raise_for_status()
        still_in_flight = sum(not t.done() for t in flood)
        statuses = [r.status_code for r in await asyncio.gather(*flood)]
        return {"in_flight": in_flight, "still_in_flight_after_samples": still_in_flight,
                "health_ms_max": max(health), "health_ms": [round(h, 1) for h in health],
                "ordinary_ms_max": max(ordinary), "ordinary_ms": [round(o, 1) for o in ordinary],
                "flood_seconds": time.perf_counter() - started,
                "flood_statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))}}


def measure_pressure(url: str, in_flight: int = 40, samples: int = 5, seed: int = 1) -> dict:
    return asyncio.run(_pressure(url.rstrip("/"), in_flight, samples, seed))


def start_app(env: dict[str, str] | None = None, timeout_s: float = 300.0):
    """``python app.py`` on a free loopback port; returns (process, url, log) once /api/health answers."""
    import httpx

    from bot.launch import free_port, launch_app, stop_app

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


def missed(result: dict) -> list[str]:
    """The targets a result misses, each as "measure value > target"."""
    checks = (("worst_cpu_s", TARGETS["worst_cpu_s"]), ("health_ms_max", TARGETS["health_ms"]),
              ("ordinary_ms_max", TARGETS["ordinary_ms"]))
    return [f"{key} {result[key]:.3g} > {limit}" for key, limit in checks if key in result and result[key] > limit]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-flight", type=int, default=40, help="worst requests sent at once (default 40)")
    parser.add_argument("--samples", type=int, default=5, help="health and ordinary timings under pressure (default 5)")
    parser.add_argument("--cpu-requests", type=int, default=5, help="worst requests timed for CPU (default 5)")
    parser.add_argument("--json-out", type=Path, help="write the results here instead of stdout")
    args = parser.parse_args(argv)
    if not 1 <= args.in_flight <= 200 or not 1 <= args.samples <= 50:
        parser.error("--in-flight must be within 1..200 and --samples within 1..50")
    from bot.launch import stop_app

    result: dict = {"machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cpus",
                    "date": time.strftime("%Y-%m-%d %H:%M")}
    result |= measure_cpu(args.cpu_requests)
    proc, url, _log = start_app()
    try:
        result |= measure_pressure(url, args.in_flight, args.samples)
    finally:
        stop_app(proc)
    problems = missed(result)
    print(f"worst request {result['worst_cpu_s']:.3f} CPU s; with {args.in_flight} in flight: health max "
          f"{result['health_ms_max']:.1f} ms, ordinary question max {result['ordinary_ms_max']:.0f} ms"
          + (f"; MISSED: {', '.join(problems)}" if problems else "; targets met"), file=sys.stderr)
    text = json.dumps(result, indent=2)
    if args.json_out:
        args.json_out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
