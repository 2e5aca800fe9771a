"""The question is read once (Engine.read): retrieval, scoring and assembly only read the Query.

Two holds on it, on the tiny corpus with the hashing embedder:
- the answer stage is given a query whose texts (the question, the encoder's text, the cleaned
  question) can't be read at all, and answers exactly as before: nothing after ``Engine.read``
  goes back to the question's words (a regex, ``terms()``, ``expected_type`` on them would raise);
- during one ``ask`` the tokenizer sees the question once, and the question is typed once.
"""

from __future__ import annotations

import copy
import sys
from typing import Any, Callable

import pytest

from bot.query import qtype
from bot.query.conversation import Query
from bot.query.validate import Turn
from bot.text import terms as terms_module

# Questions that reach each reading of a question the answer stage has: a figure, a person and
# a role, a yes/no question with alternatives, a list, a named source, a replaced body, a
# follow-up that leans on the thread, one asking to go on.
CASES: list[tuple[str, list[Turn]]] = [
    ("How many police officers were there?", []),
    ("How many officers were there, according to the Example Police Authority?", []),
    ("Who founded the Example Police Service?", []),
    ("Who is the head of the service?", []),
    ("When was it founded, then?", [Turn("user", "Who founded the Example Police Service?"),
                                    Turn("assistant", "The Example Police Service was founded by Sir Robert Peel in 1829.")]),
    ("Does the EPA still exist?", []),
    ("What came before MOPAC?", []),
    ("Is the service old, or new?", []),
    ("What are the service's values?", []),
    ("How do I make a complaint about a police officer?", []),
    ("What's their postal address?", [Turn("user", "How do I make a complaint to the Example Police Service?"),
                                      Turn("assistant", "You can make the complaint to the Example Police Service.")]),
    ("Tell me more", [Turn("user", "What did the Authority do?"),
                      Turn("assistant", "The Authority's main duty was to monitor and scrutinise the police service.")]),
    ("What is the capital of France?", []),
]


class Unreadable:
    """Stands for a text no stage may read: any use of it raises."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a stage after Engine.read read the question's text")

    __str__ = __repr__ = __len__ = __iter__ = __contains__ = __getitem__ = __hash__ = _refuse
    __eq__ = __add__ = __radd__ = __mod__ = _refuse  # type: ignore[assignment]

    def __getattr__(self, name: str) -> Any:
        self._refuse()


def _blind(query: Query) -> Query:
    """The query with its texts unreadable (a copy: __post_init__ would read them)."""
    blind = copy.copy(query)
    for name in ("question", "text", "cleaned"):
        object.__setattr__(blind, name, Unreadable())
    return blind


def _outcome(answer, trace) -> tuple:
    d = trace.decision
    return (answer.to_dict(), [(s.span_id, s.score, s.parts, s.fitted) for s in d.scored], d.adjustments,
            d.confidence, [(h.chunk_id, h.score) for h in trace.hits])


@pytest.mark.parametrize("scorer", ["rules", "hybrid", "fitted"])
def test_the_answer_stage_never_reads_the_question_s_text(tiny_settings, scorer):
    from bot.engine import Engine
    from bot.index.embed import HashingEmbedder

    engine = Engine.load(tiny_settings.replace(scorer=scorer), embedder=HashingEmbedder(), progress=lambda _: None)
    assert (engine.extractor.scorer is not None) == (scorer != "rules")
    seen = [_outcome(*engine.explain(q, h)) for q, h in CASES]
    answer_stage = engine._answer
    engine._answer = lambda query, *a, **kw: answer_stage(_blind(query), *a, **kw)  # type: ignore[method-assign]
    blind = [_outcome(*engine.explain(q, h)) for q, h in CASES]
    for (question, _), before, after in zip(CASES, seen, blind):
        assert after == before, question
    assert any(o[0]["answered"] for o in seen) and not all(o[0]["answered"] for o in seen)
    # The stage really got nothing to read: reading the text it was given raises.
    query = engine.read(*CASES[0])
    with pytest.raises(AssertionError, match="read the question"):
        qtype.expected_type(_blind(query).question)


def _counting(monkeypatch: pytest.MonkeyPatch, func: Callable) -> list[tuple]:
    """Calls of ``func`` from anywhere in bot (every module that imported it by name)."""
    calls: list[tuple] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return func(*args, **kwargs)
    for name, module in list(sys.modules.items()):
        if name == "bot" or name.startswith("bot."):
            for attr, value in list(vars(module).items()):
                if value is func:
                    monkeypatch.setattr(module, attr, counted)
    return calls


def test_one_ask_tokenises_and_types_the_question_once(tiny_engine, monkeypatch):
    tiny_engine.related = None  # related questions are questions of their own, each read once too
    tokenised = _counting(monkeypatch, terms_module.terms)
    typed = _counting(monkeypatch, qtype.expected_type)
    kinds = _counting(monkeypatch, qtype.wh_class)
    for question, history in CASES:
        tokenised.clear(), typed.clear(), kinds.clear()
        tiny_engine.ask(question, history)
        assert [args for args in tokenised if args[0] == question] == [(question,)], question
        assert typed == [(question,)] and kinds == [(question,)], question
