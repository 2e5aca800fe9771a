"""Check a request at the boundary (CLI line, HTTP body) and name what is wrong with it.

``parse_request`` accepts the contract's shapes only: a JSON object
``{"question": str, "history": [{"role": "user"|"assistant", "content": str}, ...]}``
(history optional) or, from the CLI, a bare line of text. Anything else raises
``RequestError`` with a message fit to show a user. The shape is the pydantic model
``AskRequest`` (``ApiAskRequest`` for the web API, which adds ``explain``): the CLI and the API
check with it, and FastAPI documents it (``ApiAskRequest``) at /openapi.json. It does not answer anything.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

# The largest request read whole: an HTTP body, or a line of `ask --json` input.
MAX_REQUEST_BYTES = 64 * 1024


class RequestError(ValueError):
    """A request that cannot be answered as sent; the message says why."""


@dataclass(frozen=True)
class Turn:
    role: str
    content: str


@dataclass(frozen=True)
class Request:
    question: str
    history: tuple[Turn, ...] = ()


def clean_question(text: str) -> str:
    """Drop control characters (NUL included) and collapse whitespace; keeps emoji, RTL, etc."""
    kept = "".join(" " if ch in "\t\n\r" else ch for ch in text if ch in "\t\n\r" or unicodedata.category(ch) not in ("Cc", "Cs"))
    kept = " ".join(kept.split())
    # Only invisible characters (zero-width spaces and joiners, BOMs, lone combining marks) is no question.
    if all(unicodedata.category(ch) in _INVISIBLE for ch in kept if ch != " "):
        return ""
    return kept


_INVISIBLE = ("Cf", "Mn", "Me", "Zs", "Zl", "Zp")


class HistoryTurn(BaseModel):
    """One earlier turn of the conversation. Other keys of a turn are ignored."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["user", "assistant"]
    content: StrictStr = Field(description="the turn's text; only steers retrieval, so a long one is cut, never refused")


class AskRequest(BaseModel):
    """A question, with the conversation so far (``ask --json`` lines; the API adds ``explain``)."""

    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(description="the question; control characters are dropped and whitespace collapsed, "
                                            "and it must keep some visible text (limit: BOT_MAX_QUESTION_CHARS)")
    history: list[HistoryTurn] = Field(
        default_factory=list, strict=True,  # strict: a list, not any sequence
        description="earlier turns, oldest first; only the last BOT_MAX_HISTORY_TURNS are read; null means none")

    @field_validator("question", mode="after")
    @classmethod
    def _question(cls, question: str, info: ValidationInfo) -> str:
        limit = (info.context or {}).get("max_chars")
        if limit is not None and len(question) > limit:
            raise PydanticCustomError("too_long", "question is too long: {n} characters, the limit is {limit}",
                                      {"n": len(question), "limit": limit})
        question = clean_question(question)
        if not question:
            raise PydanticCustomError("empty", "question is empty")
        return question

    @field_validator("history", mode="before")
    @classmethod
    def _recent(cls, history: Any, info: ValidationInfo) -> Any:
        # Turns before the last max_turns are never read, so never refused either.
        if history is None:
            return []
        turns = (info.context or {}).get("max_turns")
        return history[-turns:] if isinstance(history, list) and turns is not None else history


# The web app takes ``explain`` out (and checks it) before the rest goes through parse_request.
class ApiAskRequest(AskRequest):
    """The body of ``POST /api/ask``: a question, the conversation so far, and ``explain``."""

    explain: StrictBool = Field(default=False, description="add an 'explain' trace (retrieval ranks, score parts, "
                                                           "confidence, threshold); refused with 403 unless the server "
                                                           "sets BOT_API_EXPLAIN=1")


ROLES: tuple[str, ...] = get_args(HistoryTurn.model_fields["role"].annotation)


def parse_request(obj: Any, *, max_chars: int, max_turns: int) -> Request:
    """``obj`` (a parsed JSON value, or the CLI's bare text) checked with ``AskRequest`` -> Request.

    The first problem, in the order a reader would fix them (unknown fields, the question,
    then the history turn by turn), becomes a RequestError naming the bad value."""
    if isinstance(obj, str):
        obj = {"question": obj}
    if not isinstance(obj, dict):
        raise RequestError(f"expected a JSON object with a 'question', got {type(obj).__name__}")
    # Unknown fields first, and by hand: a key pydantic cannot read (a lone surrogate, which JSON
    # can spell) would otherwise be an error without a name. The model still forbids them.
    fields = list(AskRequest.model_fields)
    unknown = set(obj) - set(fields)
    if unknown:
        expected = " and ".join([f"'{fields[0]}'", *(f"optional '{f}'" for f in fields[1:])])
        raise RequestError(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}; expected {expected}")
    try:
        req = AskRequest.model_validate(obj, context={"max_chars": max_chars, "max_turns": max_turns})
    except ValidationError as exc:
        raise RequestError(_message(exc.errors())) from None
    # Old turns only steer retrieval: cap them rather than reject a long conversation.
    turns = tuple(Turn(t.role, clean_question(t.content[: max_chars * 4])) for t in req.history)
    return Request(question=req.question, history=turns)


def _message(errors: list[Any]) -> str:
    """pydantic's errors -> one line for a user, naming the value as the contract's words do."""
    e = errors[0]  # pydantic reports in field order, and a history's turns in order
    loc, kind = e["loc"], e["type"]
    got = None if kind == "missing" else e["input"]
    if loc == ("question",):
        if kind == "missing":
            return "missing 'question'"
        if kind == "string_type":
            return f"'question' must be a string, got {type(got).__name__}"
        return e["msg"]  # too long, empty: raised by AskRequest's own check, already in words
    if loc == ("history",):
        return f"'history' must be a list of {{'role', 'content'}} objects, got {type(got).__name__}"
    if loc[0] == "history" and len(loc) == 2:
        return f"history[{loc[1]}] must be an object with 'role' and 'content', got {type(got).__name__}"
    if loc[0] == "history" and loc[2] == "role":
        return f"history[{loc[1]}].role must be {' or '.join(map(repr, ROLES))}, got {got!r}"
    if loc[0] == "history" and loc[2] == "content":
        return f"history[{loc[1]}].content must be a string, got {type(got).__name__}"
    return f"{'.'.join(map(str, loc))}: {e['msg']}"  # a field added to the model without words here yet


def loads(text: str | bytes) -> Any:
    """``json.loads`` whose every failure is a RequestError (broken, nested too deep, huge numbers)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"column {exc.colno}" if exc.lineno == 1 else f"line {exc.lineno}, column {exc.colno}"
        # (Some of json's messages end in "at": "Unterminated string starting at".)
        raise RequestError(f"broken JSON: {exc.msg.removesuffix(' at')} at {where}") from None
    except RecursionError:
        raise RequestError("broken JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer over Python's 4300-digit limit
        raise RequestError(f"broken JSON: {exc}") from None


def parse_line(line: str, *, max_chars: int, max_turns: int) -> Request:
    """One line of `ask --json` input: a JSON object, or bare text taken as the question."""
    stripped = line.strip()
    if stripped.startswith("{") or stripped.startswith("["):
        return parse_request(loads(stripped), max_chars=max_chars, max_turns=max_turns)
    if stripped.startswith('"'):
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError:
            obj = stripped
        return parse_request(obj if isinstance(obj, str) else {"question": obj}, max_chars=max_chars, max_turns=max_turns)
    return parse_request(stripped, max_chars=max_chars, max_turns=max_turns)
