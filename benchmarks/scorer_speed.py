"""Warm ``Engine.ask`` latency with each answer scorer (``BOT_SCORER``: rules, hybrid, fitted).

Loads one engine per scorer on the shipped corpus and index, warms each, then asks the
development questions round-robin (one question to every engine in turn, so a noisy shared
machine slows them alike) and prints p50/p95 per scorer and their ratio to the rules'. Issue 21
asks for warm p50 <= 40 ms and p95 <= 80 ms including any reranker.

    python benchmarks/scorer_speed.py [--questions 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bot.engine import Engine  # noqa: E402
from bot.settings import SCORERS, Settings  # noqa: E402
from bot.tools.evaluate import read_rows, read_sets  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=300, help="development questions to ask each engine")
    args = parser.parse_args(argv)
    rows = [r for qs in read_sets() if not qs.measure_only for r in read_rows(qs.path)][: args.questions]
    engines = {name: Engine.load(Settings.from_env().replace(scorer=name), progress=lambda _: None) for name in SCORERS}
    for engine in engines.values():
        for row in rows[:20]:
            engine.ask(row.question, row.history)
    times: dict[str, list[float]] = {name: [] for name in engines}
    for row in rows:
        for name, engine in engines.items():
            started = time.perf_counter()
            engine.ask(row.question, row.history)
            times[name].append((time.perf_counter() - started) * 1e3)
    base = np.percentile(times["rules"], 50)
    for name, ms in times.items():
        p50, p95 = np.percentile(ms, 50), np.percentile(ms, 95)
        print(f"{name:7s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p50 / rules' {p50 / base:.2f}  ({len(ms)} questions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
