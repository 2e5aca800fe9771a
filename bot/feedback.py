"""Store thumbs up/down votes on answers in a local SQLite file.

One row per vote: the question, the answer text, its citations as JSON, the vote and the
time (UTC, ISO 8601). The database runs in WAL mode with a busy timeout, and every write
opens its own short-lived connection under a process-wide lock, so concurrent voters
(web handlers run in a thread pool) never lose a write.

This module only records feedback; nothing here is ever shown to other users, and it
does not decide what a vote means.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

VOTES = ("up", "down")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down'))
)
"""


@dataclass(frozen=True)
class Vote:
    """One stored vote, as read back (for tests and offline review)."""

    id: int
    created_at: str
    question: str
    answer: str
    citations: list[dict[str, Any]]
    vote: str


class FeedbackStore:
    """Append-only vote log in ``path`` (an SQLite file; its folder is created)."""

    def __init__(self, path: Path, *, busy_timeout_ms: int = 10_000) -> None:
        if busy_timeout_ms <= 0:
            raise ValueError(f"busy_timeout_ms must be > 0, got {busy_timeout_ms}")
        self.path = Path(path)
        self._busy_timeout_ms = busy_timeout_ms
        # Serialises writers inside this process; the busy timeout covers other processes.
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)

    def record(self, *, question: str, answer: str, citations: Sequence[dict[str, Any]], vote: str) -> int:
        """Store one vote and return its row id. ``vote`` is "up" or "down"."""
        if vote not in VOTES:
            raise ValueError(f"vote must be one of {VOTES}, got {vote!r}")
        row = (
            datetime.now(timezone.utc).isoformat(timespec="seconds"),
            question,
            answer,
            json.dumps(list(citations), ensure_ascii=False),
            vote,
        )
        with self._lock, self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO feedback (created_at, question, answer, citations, vote) VALUES (?, ?, ?, ?, ?)", row
            )
            return int(cursor.lastrowid or 0)

    def votes(self) -> list[Vote]:
        """Every stored vote, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, created_at, question, answer, citations, vote FROM feedback ORDER BY id"
            ).fetchall()
        return [Vote(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection that commits on success and is always closed."""
        with closing(sqlite3.connect(self.path, timeout=self._busy_timeout_ms / 1000)) as conn:
            conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            # Safe with WAL (no corruption); only a power cut can drop the latest votes.
            conn.execute("PRAGMA synchronous=NORMAL")
            with conn:  # commits, or rolls back on error
                yield conn
