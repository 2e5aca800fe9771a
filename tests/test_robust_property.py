"""Property tests: whatever arrives (any unicode, any JSON shape, any bytes), ``Engine.handle`` and
the CLI's ``ask_stream`` never raise, and every answer is verbatim from the corpus: each
quote is ``body[start:end]`` and the answer is the quotes joined with " … "."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answering.answer import JOINER, NOT_COVERED
from bot.cli import ask_stream
from bot.index.embed import HashingEmbedder
from bot.engine import Engine
from bot.schema import Answer
from bot.settings import Settings
from bot.query.validate import clean_question
from conftest import TINY_CORPUS

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REAL = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Words from the tiny corpus mixed into the text, so many questions get real answers.
WORDS = st.sampled_from(["complaint", "police", "founded", "Peel", "EPA", "address", "authority", "who", "when",
                         "1829", "Example", "Service", "what", "their", "?", "MOPAC", "the"])
TEXT = st.one_of(st.text(), st.lists(st.one_of(WORDS, st.text(max_size=4)), max_size=12).map(" ".join))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
ROLE = st.one_of(st.sampled_from(["user", "assistant"]), JSON)
TURN = st.one_of(
    st.fixed_dictionaries({"role": ROLE, "content": st.one_of(TEXT, JSON)}),
    st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]), "content": TEXT}),
    JSON,
)
HISTORY = st.one_of(st.none(), st.lists(TURN, max_size=5), JSON)
REQUEST = st.one_of(
    TEXT,
    st.fixed_dictionaries({"question": st.one_of(TEXT, JSON)}, optional={"history": HISTORY}),
    st.fixed_dictionaries({"question": TEXT, "history": st.lists(
        st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]), "content": TEXT}), max_size=4)}),
    JSON,
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    tmp = tmp_path_factory.mktemp("property")
    settings_ = Settings(corpus_dir=TINY_CORPUS, index_dir=tmp / "embeddings", data_dir=tmp / "var")
    return Engine.load(settings_, embedder=HashingEmbedder(), progress=lambda _: None)


def assert_verbatim(engine, answer: Answer) -> None:
    for c in answer.citations + answer.suggestions:
        assert engine.document(c.doc_id).body[c.start:c.end] == c.quote
    if answer.answered:
        assert answer.lead and answer.answer == JOINER.join(c.quote for c in answer.lead)
        assert answer.citations == answer.lead + tuple(s.citation for s in answer.supporting)
        assert answer.error is None
    json.dumps(answer.to_dict())  # serialisable


def expected_error(obj) -> bool | None:
    """True/False when the request is clearly invalid/valid; None when it is not worth predicting."""
    question = obj if isinstance(obj, str) else obj.get("question") if isinstance(obj, dict) else None
    if not isinstance(obj, (str, dict)) or not isinstance(question, str):
        return True
    if len(question) > 1000 or not clean_question(question):
        return True
    if isinstance(obj, dict) and set(obj) <= {"question", "history"} and obj.get("history") in (None, []):
        return False
    return None


@FAST
@given(obj=REQUEST)
def test_handle_never_raises_and_quotes_verbatim(engine, obj):
    answer = engine.handle(obj)
    assert isinstance(answer, Answer)
    assert_verbatim(engine, answer)
    want_error = expected_error(obj)
    if want_error is not None:
        assert (answer.error is not None) == want_error, (obj, answer.error)


@FAST
@given(lines=st.lists(st.one_of(REQUEST.map(lambda o: json.dumps(o).encode()),
                                TEXT.map(lambda t: t.encode("utf-8")),
                                st.binary(max_size=40)), min_size=1, max_size=6))
def test_ask_stream_one_json_line_per_input_line(engine, lines):
    lines = [line.replace(b"\n", b" ") for line in lines]
    out = io.StringIO()
    ask_stream(engine, io.BytesIO(b"\n".join(lines) + b"\n"), out, as_json=True)
    text = out.getvalue()
    text.encode("utf-8")  # strict: valid UTF-8 whatever came in
    results = [json.loads(line) for line in text.splitlines()]
    assert len(results) == len(lines)
    for r in results:
        assert {"answered", "answer", "citations", "confidence"} <= set(r)
        for c in r["citations"] + r.get("suggestions", []):
            assert engine.document(c["doc_id"]).body[c["start"]:c["end"]] == c["quote"]
        if r["answered"]:
            lead = r["citations"][:len(r["citations"]) - len(r["supporting"])]
            assert r["answer"] == JOINER.join(c["quote"] for c in lead)
        else:
            assert r["answer"] == ("" if "error" in r else NOT_COVERED)


@pytest.mark.integration
@REAL
@given(obj=REQUEST)
def test_real_engine_handle_never_raises_and_quotes_verbatim(real_engine, obj):
    answer = real_engine.handle(obj)
    assert isinstance(answer, Answer)
    assert_verbatim(real_engine, answer)
    want_error = expected_error(obj)
    if want_error is not None:
        assert (answer.error is not None) == want_error, (obj, answer.error)
