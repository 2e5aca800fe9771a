"""Log what happened to each question asked in the app: answered, or abstained and why.

One row per question: the time, whether it was answered, the reason (``answered``,
``nothing_close``: the sources hold nothing near it, ``near_miss``: a passage came close but
fell short of the abstention threshold, ``error``: the request was refused as invalid), the
confidence, the cited passages (doc ids and offsets; for an abstention the closest passage) and a
keyed hash of the question. The
question's text only when the operator turned on ``keep_question_text`` (then redacted), which
is what lets ``python -m bot report`` group refused questions by topic. Same file machinery
and retention as the votes (``feedback.py``). ``LoggedEngine`` wraps an engine so that every
``ask`` is logged, whichever page or API called it. This module does not answer anything.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from bot.answering.explain import abstain_reason
from bot.web.feedback import SQLiteStore, StoreUnavailable, citation_refs
from bot.web.privacy import now_iso
from bot.schema import Answer

log = logging.getLogger(__name__)

REASONS = ("answered", "nothing_close", "near_miss", "error")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outcomes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    answered INTEGER NOT NULL,
    reason TEXT NOT NULL,
    confidence REAL NOT NULL,
    question_hash TEXT NOT NULL,
    question TEXT,
    citations TEXT NOT NULL
)
"""


def reason_for(answer: Answer, threshold: float) -> str:
    """Why an answer was given or withheld, by its confidence against the threshold."""
    if answer.error is not None:
        return "error"
    if answer.answered:
        return "answered"
    return abstain_reason(answer.confidence, threshold)


@dataclass(frozen=True)
class Outcome:
    id: int
    created_at: str
    answered: bool
    reason: str
    confidence: float
    question_hash: str
    question: str | None
    citations: list[dict[str, Any]]

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"reason must be one of {REASONS}, got {self.reason!r}")


class OutcomeLog(SQLiteStore):
    """Ask outcomes in ``path`` (an SQLite file; its folder is created)."""

    TABLES = (_SCHEMA,)
    PURGED = ("outcomes",)

    def record(self, question: str, answer: Answer, threshold: float) -> int:
        self._check_available()
        self._purge_if_due()
        refs = citation_refs([c.to_dict() for c in answer.citations or answer.suggestions[:1]])
        row = (now_iso(), int(answer.answered), reason_for(answer, threshold), float(answer.confidence),
               self.policy.digest(question), self.policy.text(question), json.dumps(refs))
        with self._lock, self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO outcomes (created_at, answered, reason, confidence, question_hash, question, citations) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", row)
            return int(cursor.lastrowid or 0)

    def outcomes(self, since: str = "", until: str = "") -> list[Outcome]:
        """Stored outcomes, oldest first; ``since``/``until`` are ISO times (until excluded)."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, created_at, answered, reason, confidence, question_hash, question, citations "
                "FROM outcomes WHERE created_at >= ? AND (? = '' OR created_at < ?) ORDER BY id",
                (since, until, until)).fetchall()
        return [Outcome(r[0], r[1], bool(r[2]), r[3], r[4], r[5], r[6], json.loads(r[7])) for r in rows]


class LoggedEngine:
    """An engine whose every ``ask`` is logged to an ``OutcomeLog``; everything else is the engine's."""

    def __init__(self, engine: Any, outcomes: OutcomeLog, threshold: float) -> None:
        self._engine = engine
        self._outcomes = outcomes
        self._threshold = threshold

    def ask(self, question: str, *args: Any, **kwargs: Any) -> Answer:
        answer = self._engine.ask(question, *args, **kwargs)
        try:
            self._outcomes.record(question, answer, self._threshold)
        except StoreUnavailable:
            pass  # said once in the log, when the store could not be opened
        except Exception:  # a full disk must not cost the person their answer
            log.exception("could not log the outcome of a question")
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)
