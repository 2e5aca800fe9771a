"""The worst request the API accepts, and what it costs in CPU (used by ``benchmarks/load.py``).

``worst_request`` builds the costliest body ``POST /api/ask`` accepts; ``measure_cpu`` loads the
engine in this process and answers ``requests`` of them, then the dev-set questions, timing each
with ``time.process_time`` (CPU seconds of every thread of this process: what a request costs,
whatever else the machine does). The pressure test over HTTP (40 of them in flight while
``/api/health`` and an ordinary question are timed) is ``python benchmarks/load.py pressure``, on
locust. Targets (issue 17): worst request <= 0.5 CPU s, health < 100 ms and an ordinary question
< 1 s under pressure.
"""

from __future__ import annotations

import json
import random
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: bot/ is importable
from bot.query.validate import MAX_REQUEST_BYTES  # noqa: E402

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
    from bot.query.validate import parse_request

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


def missed(result: dict) -> list[str]:
    """The targets a result misses, each as "measure value > target"."""
    checks = (("worst_cpu_s", TARGETS["worst_cpu_s"]), ("health_ms_max", TARGETS["health_ms"]),
              ("ordinary_ms_max", TARGETS["ordinary_ms"]))
    return [f"{key} {result[key]:.3g} > {limit}" for key, limit in checks if key in result and result[key] > limit]
