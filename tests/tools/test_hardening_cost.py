"""Bounded cost per request (issue 17, item 1): the speller's search is indexed and capped, only
the turns retrieval uses are read, and the worst request the API accepts costs little CPU.

CPU time (time.process_time, every thread of this process), not wall time: the machine is shared."""

from __future__ import annotations

import importlib.util
import json
import math
import random
import sys
import time
from collections import Counter

import pytest
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from bot.settings import PROJECT_ROOT
from bot.text.spelling import LONG, MAX_LOOKUPS, Speller, read_dictionary
from bot.query.validate import MAX_REQUEST_BYTES, parse_request

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))  # load.py imports pressure.py from there
_spec = importlib.util.spec_from_file_location("load", PROJECT_ROOT / "benchmarks" / "load.py")
load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load)
pressure = load.pressure

CPU_BUDGET_S = 0.5


def _brute_force(speller: Speller, word: str) -> str | None:
    """The search as it was: every target, then the first letter."""
    limit = 2 if len(word) >= LONG else 1
    found = process.extract(word, speller.targets, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=None)
    found = [f for f in found if f[0][0] == word[0]]
    if not found:
        return None
    return min(found, key=lambda f: (f[1], f[0] not in speller.counts, -speller.counts[f[0]],
                                     speller.rank.get(f[0], math.inf)))[0]


@pytest.fixture(scope="module")
def speller(tmp_path_factory) -> Speller:
    from bot.settings import Settings

    vocab = Settings().model_path / "vocab.txt"
    counts = Counter({"complaint": 9, "complain": 4, "commissioner": 6, "metropolitan": 8, "officers": 12})
    return Speller(counts, read_dictionary(vocab))


def test_the_indexed_search_finds_what_the_full_search_found(speller):
    rng = random.Random(17)
    words = []
    for target in rng.sample(speller.targets, 300):  # typos of real words: one or two slips
        chars = list(target)
        for _ in range(rng.choice((1, 2))):
            i = rng.randrange(1, len(chars))
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
        words.append("".join(chars))
    words += ["".join(rng.choice("etaoinshrdlu") for _ in range(rng.randint(5, 12))) for _ in range(200)]
    for word in words:
        assert speller._nearest(word) == _brute_force(speller, word), word


def test_a_text_gets_a_bounded_number_of_searches(speller):
    rng = random.Random(3)
    text = " ".join("".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(8)) for _ in range(500))
    searched = []
    original = speller._decide
    speller._decided = lambda w: searched.append(w) or original(w)
    try:
        speller.correct(text)
    finally:
        from functools import lru_cache

        speller._decided = lru_cache(maxsize=10_000)(original)
    assert len(searched) == MAX_LOOKUPS


def test_only_the_turns_a_follow_up_can_lean_on_are_spelled(tiny_engine):
    seen = []
    original = tiny_engine.speller.correct
    tiny_engine.speller.correct = lambda text, **kw: seen.append(text) or original(text, **kw)
    history = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i} question"} for i in range(50)]
    req = parse_request({"question": "And then?", "history": history}, max_chars=1000, max_turns=50)
    tiny_engine.ask(req.question, req.history)
    # the question, and the last three user turns (of both the answer and the related questions' asks)
    assert {t for t in seen if t.startswith("turn")} == {"turn 44 question", "turn 46 question", "turn 48 question"}


def _cpu_of(engine, body: dict) -> float:
    """CPU seconds from the body's bytes to the answer, as /api/ask spends them."""
    raw = json.dumps(body).encode()
    started = time.process_time()
    req = parse_request(json.loads(raw), max_chars=engine.settings.max_question_chars,
                        max_turns=engine.settings.max_history_turns)
    engine.ask(req.question, req.history)
    return time.process_time() - started


def test_the_worst_request_fits_the_body_limit():
    for seed in range(3):
        body = pressure.worst_request(random.Random(seed))
        assert MAX_REQUEST_BYTES - 4096 < len(json.dumps(body).encode()) <= MAX_REQUEST_BYTES


def test_the_worst_accepted_request_is_cheap_on_the_tiny_engine(tiny_engine):
    tiny_engine.ask("warm up")
    worst = max(_cpu_of(tiny_engine, pressure.worst_request(random.Random(seed))) for seed in range(3))
    assert worst <= CPU_BUDGET_S, f"{worst:.2f} s of CPU"


@pytest.mark.integration
def test_the_worst_accepted_request_costs_at_most_half_a_cpu_second(real_engine):
    real_engine.ask("Who runs the Met?")  # the model session is open, as in a served app
    costs = [_cpu_of(real_engine, pressure.worst_request(random.Random(seed))) for seed in range(5)]
    assert max(costs) <= CPU_BUDGET_S, [f"{c:.2f}" for c in costs]


@pytest.mark.integration
def test_health_and_an_ordinary_question_stay_fast_with_40_worst_requests_in_flight(real_engine, real_settings):
    import os

    from bot.tools.launch import stop_app

    env = dict(os.environ, BOT_INDEX_DIR=str(real_settings.index_dir), BOT_DATA_DIR=str(real_settings.data_dir),
               BOT_CORPUS_DIR=str(real_settings.corpus_dir))
    proc, url, log = load.start_app(env)  # its own process, and locust in another: no shared GIL
    try:
        result = load.under_pressure(url, in_flight=40, seconds=6, probe_rounds=5)
    finally:
        stop_app(proc)
        log.close()
    assert result["worst_requests"] >= 40 and result["worst_failures"] == 0, result
    assert result["health_samples"] == 5 and result["ordinary_samples"] == 5, result
    # The app, 40 clients and the probe share two cores here: on a slow shared machine one probe
    # in five may wait over 100 ms for a core (session 16, at a commit that had passed: p50 3-12 ms,
    # max 80-168 ms). A loop held up by the requests (parsing on it held health up 250 ms a burst,
    # and bodies arrive all the time) delays most probes: the median is held to the target, the
    # worst to the ordinary question's. benchmarks/pressure.py reports the worst against the target.
    assert result["health_ms_p50"] < pressure.TARGETS["health_ms"], result
    assert result["health_ms_max"] < pressure.TARGETS["ordinary_ms"], result
    assert result["ordinary_ms_max"] < pressure.TARGETS["ordinary_ms"], result
