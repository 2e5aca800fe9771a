"""termindex.py, and that the answer stage keeps nothing per span of the whole corpus (issue 21):
what scoring reads of a span is worked out for the candidates a question meets, in bounded
caches that request threads share."""

from __future__ import annotations

import random
import threading

import pytest

import bot.answering.answer
import bot.answering.assemble
import bot.index.termindex
from bot.index.embed import HashingEmbedder
from bot.engine import Engine
from bot.answering.explain import Trace
from bot.text.terms import terms
from bot.index.termindex import AllBut, ChunkTerms, Lazy
from threads import run_in_threads

QUESTIONS = ["Who founded the service?", "How do I make a complaint about a police officer?",
             "How many police officers were there?", "Where do I send a complaint by post?",
             "What was the main duty of the Example Police Authority?"]


def _texts(engine: Engine) -> list[str]:
    return [f"{engine.index.documents[c.doc_id].title} {c.heading} {c.text}" for c in engine.index.chunks]


def test_chunk_terms_finds_a_run_of_terms_exactly_where_the_joined_terms_hold_it(tiny_engine):
    texts = _texts(tiny_engine) + ["", "Founded founded. The the"]  # a chunk with no terms, one repeating a term
    index = ChunkTerms(texts)
    joined = [f" {' '.join(terms(t))} " for t in texts]
    rng = random.Random(0)
    runs = [[], ["zzzunheard"], terms("founded founded")]
    for _ in range(400):
        toks = terms(rng.choice(texts)) or ["x"]
        start = rng.randrange(len(toks))
        runs.append(toks[start:start + rng.randint(1, 4)] + (["zzzunheard"] if rng.random() < 0.1 else []))
    # A run ending one chunk and starting the next is in neither.
    runs.append([terms(texts[0])[-1], terms(texts[1])[0]])
    for run in runs:
        seq = f" {' '.join(run)} "
        assert index.holding(run) == {i for i, j in enumerate(joined) if seq in j}, run
    assert any(index.holding(run) for run in runs) and index.holding([]) == {len(texts) - 2}
    for i, text in enumerate(texts):
        assert index.set_of(i) == frozenset(terms(text))


def test_all_but_is_the_complement_as_a_set():
    s = AllBut({1, 3}, 5)
    assert 0 in s and 1 not in s and 4 in s and 5 not in s and -1 not in s and "0" not in s
    assert len(s) == 3 and set(s) == {0, 2, 4} and s == {0, 2, 4}
    assert set() | s == {0, 2, 4}


def test_lazy_computes_a_key_once_while_kept_and_keeps_at_most_maxsize():
    calls = []
    lazy = Lazy(lambda k: calls.append(k) or k * 2, maxsize=3)
    assert [lazy[1], lazy[2], lazy[1]] == [2, 4, 2] and calls == [1, 2]
    for k in range(10):
        lazy[k]
    assert lazy.cache_info().currsize == 3
    with pytest.raises(ValueError, match="maxsize must be positive, got 0"):
        Lazy(str, 0)


def test_lazy_shared_by_threads_gives_every_thread_the_right_value_and_stays_bounded():
    lazy = Lazy(lambda k: frozenset(range(k % 50)), maxsize=16)
    errors = []
    start = threading.Barrier(8)

    def work(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        for _ in range(3000):
            k = rng.randrange(200)
            if lazy[k] != frozenset(range(k % 50)):
                errors.append(k)

    run_in_threads(work, 8)
    assert errors == [] and lazy.cache_info().currsize <= 16


def _span_caches(engine: Engine) -> dict[str, Lazy]:
    ex = engine.extractor
    return {name: getattr(ex, name) for name in ("_span_terms", "_own_terms", "_lines", "_form", "_says_change")}


@pytest.fixture
def wider_settings(tiny_settings):
    """The tiny corpus four times over, under other names: more spans than one question meets."""
    originals = sorted(tiny_settings.corpus_dir.iterdir())
    for n in range(1, 4):
        for path in originals:
            (tiny_settings.corpus_dir / f"copy{n}-{path.name}").write_bytes(path.read_bytes())
    return tiny_settings


def test_the_answer_stage_computes_nothing_per_span_until_a_question_meets_it(wider_settings, monkeypatch):
    """Terms are worked out once per chunk at start-up (the chunks' term index), never per span;
    a question works out its candidates' values only. (Precomputing every span's values, as
    before, took gigabytes at 100k chunks.)"""
    calls = {"n": 0}
    real_terms = bot.answering.answer.terms

    def counting(text: str) -> list[str]:
        calls["n"] += 1
        return real_terms(text)

    monkeypatch.setattr(bot.answering.answer, "terms", counting)
    monkeypatch.setattr(bot.answering.assemble, "terms", counting)  # its lists' terms, too
    monkeypatch.setattr(bot.index.termindex, "terms", counting)
    engine = Engine.load(wider_settings, embedder=HashingEmbedder(), progress=lambda _: None)
    n_chunks, n_spans = len(engine.index.chunks), len(engine.index.spans)
    lists = sum(1 for _ in engine.extractor.lists)
    assert n_spans > n_chunks + lists
    # Building the extractor: one terms() call per chunk, none per span or list.
    calls["n"] = 0
    bot.answering.answer.Extractor(engine.index, engine.extractor.lexical, acronyms=engine.extractor.acronyms,
                         lists=engine.extractor.lists)
    assert calls["n"] == n_chunks
    assert all(c.cache_info().currsize == 0 for c in _span_caches(engine).values())
    trace = Trace(question=QUESTIONS[0])
    engine.ask(QUESTIONS[0], trace=trace)
    candidates = {s.span_id for s in trace.decision.scored}
    worked_out = engine.extractor._span_terms.cache_info().currsize
    assert 0 < worked_out < n_spans
    # Every span worked out was met by a question (the traced one, or one the related questions asked).
    assert candidates and len(candidates) <= worked_out


def test_small_caches_change_no_answer(tiny_settings, monkeypatch):
    """Values dropped from a full cache are worked out again, the same: answers don't depend on
    the cache's size, and it never holds more than its size."""
    big = Engine.load(tiny_settings, embedder=HashingEmbedder(), progress=lambda _: None)
    expected = [big.ask(q) for q in QUESTIONS]
    monkeypatch.setattr(bot.answering.answer, "SPAN_CACHE", 4)
    monkeypatch.setattr(bot.answering.answer, "CHUNK_CACHE", 2)
    monkeypatch.setattr(bot.answering.assemble, "LIST_CACHE", 1)
    small = Engine.load(tiny_settings, embedder=HashingEmbedder(), progress=lambda _: None)
    for question, want in zip(QUESTIONS * 2, expected * 2):
        got = small.ask(question)
        assert (got.answer, got.confidence, got.citations) == (want.answer, want.confidence, want.citations)
    assert all(c.cache_info().currsize <= 4 for c in _span_caches(small).values())
    assert small.extractor._chunk_terms.cache_info().currsize <= 2


def test_threads_sharing_the_extractor_get_the_answers_one_thread_gets(tiny_settings, monkeypatch):
    monkeypatch.setattr(bot.answering.answer, "SPAN_CACHE", 8)  # small: threads evict each other's values all the time
    engine = Engine.load(tiny_settings, embedder=HashingEmbedder(), progress=lambda _: None)
    expected = {q: engine.ask(q).answer for q in QUESTIONS}
    wrong, start = [], threading.Barrier(4)

    def work(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        for _ in range(10):
            q = rng.choice(QUESTIONS)
            if engine.ask(q).answer != expected[q]:
                wrong.append(q)

    run_in_threads(work, 4)
    assert wrong == []


def test_chunks_missing_a_name_are_those_a_scan_of_every_chunk_finds(wider_settings, tiny_corpus):
    """The positional postings and the complement set give what scanning every chunk's terms gave."""
    (tiny_corpus / "other.md").write_text("# Other Page\n\nThe Example Police Authority met twice. The Grumpkin Council "
                                          "sat once.\n", encoding="utf-8")
    engine = Engine.load(wider_settings, embedder=HashingEmbedder(), progress=lambda _: None)
    ex = engine.extractor
    joined = [f" {' '.join(terms(t))} " for t in _texts(engine)]

    def scanned(question: str) -> set[int]:
        missing: set[int] = set()
        for name in engine.queries.names(question):
            seq = f" {' '.join(terms(name))} "
            if len(seq.split()) >= 2 and len({engine.index.chunks[i].doc_id for i, j in enumerate(joined) if seq in j}) == 1:
                missing |= {i for i, j in enumerate(joined) if seq not in j}
        return missing

    for question in ["What did the Grumpkin Council do?", "What was the main duty of the Example Police Authority?",
                     "Did the Grumpkin Council meet the Example Police Authority?", "Who founded the service?"]:
        assert set(ex.chunks_missing_names(engine.queries.build(question))) == scanned(question), question
    assert set(ex.chunks_missing_names(engine.queries.build("What did the Grumpkin Council do?")))  # a name only one page uses
    assert set(ex._chunks_without("Grumpkin Council")) == {i for i, j in enumerate(joined) if " grumpkin council " not in j}
