"""Check a request at the boundary (CLI line, HTTP body) and name what is wrong with it.

``parse_request`` accepts the contract's shapes only: a JSON object
``{"question": str, "history": [{"role": "user"|"assistant", "content": str}, ...]}``
(history optional) or, from the CLI, a bare line of text. Anything else raises
``RequestError`` with a message fit to show a user. It does not answer anything.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any

ROLES = ("user", "assistant")
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


def parse_request(obj: Any, *, max_chars: int, max_turns: int) -> Request:
    if isinstance(obj, str):
        obj = {"question": obj}
    if not isinstance(obj, dict):
        raise RequestError(f"expected a JSON object with a 'question', got {type(obj).__name__}")
    unknown = set(obj) - {"question", "history"}
    if unknown:
        raise RequestError(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}; expected 'question' and optional 'history'")
    if "question" not in obj:
        raise RequestError("missing 'question'")
    question = obj["question"]
    if not isinstance(question, str):
        raise RequestError(f"'question' must be a string, got {type(question).__name__}")
    if len(question) > max_chars:
        raise RequestError(f"question is too long: {len(question)} characters, the limit is {max_chars}")
    question = clean_question(question)
    if not question:
        raise RequestError("question is empty")
    history_raw = obj.get("history", [])
    if history_raw is None:
        history_raw = []
    if not isinstance(history_raw, list):
        raise RequestError(f"'history' must be a list of {{'role', 'content'}} objects, got {type(history_raw).__name__}")
    turns = []
    for i, item in enumerate(history_raw[-max_turns:]):
        if not isinstance(item, dict):
            raise RequestError(f"history[{i}] must be an object with 'role' and 'content', got {type(item).__name__}")
        role, content = item.get("role"), item.get("content")
        if role not in ROLES:
            raise RequestError(f"history[{i}].role must be 'user' or 'assistant', got {role!r}")
        if not isinstance(content, str):
            raise RequestError(f"history[{i}].content must be a string, got {type(content).__name__}")
        # Old turns only steer retrieval: cap them rather than reject a long conversation.
        turns.append(Turn(role, clean_question(content[: max_chars * 4])))
    return Request(question=question, history=tuple(turns))


def loads(text: str | bytes) -> Any:
    """``json.loads`` whose every failure is a RequestError (broken, nested too deep, huge numbers)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"column {exc.colno}" if exc.lineno == 1 else f"line {exc.lineno}, column {exc.colno}"
        raise RequestError(f"broken JSON: {exc.msg} at {where}") from None
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
