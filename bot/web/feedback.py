"""Store thumbs up/down votes on answers in a local SQLite file, keeping no more than needed.

One row per voted answer message (voting again replaces it, undoing deletes it): the time (UTC, ISO 8601), the vote, the answer's citations (doc ids and
character offsets: they identify the quoted answer) and a keyed hash of the question (so
repeats can be counted). The question's text is kept only when the operator turns on
``keep_question_text``, and then with e-mail addresses, phone numbers, postcodes and long
digit runs redacted (``privacy.py``). Rows older than the retention period are deleted when
the store opens, by ``purge_daily``'s thread every day, and on a write a day after the last purge. A store written by an older
version (whole questions and answers) is converted on opening: its texts are dropped.

The database runs in WAL mode with a busy timeout, and every write opens its own short-lived
connection under a process-wide lock, so concurrent voters (web handlers run in a thread
pool) never lose a write. ``SQLiteStore`` is that machinery, shared with ``outcomes.py``.

A store is a side matter: it never stops the chatbot. A database that can't be opened
(read-only, no space, a folder in its place) leaves the store unavailable: ``record`` then raises
``StoreUnavailable`` with one clear message, and the log gets one line. A corrupt database is
moved aside (kept, renamed ``*.corrupt-<time>``) and a new one created.

This module only records feedback; nothing here is ever shown to other users, and it
does not decide what a vote means.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.web.privacy import QuestionPolicy, cutoff, now_iso

log = logging.getLogger(__name__)

VOTES = ("up", "down")


class StoreUnavailable(RuntimeError):
    """The store can't be written or read right now; the message is fit to show a user."""

    def __init__(self, detail: str) -> None:
        super().__init__("your vote could not be saved: feedback storage is unavailable")
        self.detail = detail


FeedbackUnavailable = StoreUnavailable
PURGE_EVERY_SECONDS = 24 * 3600

_META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS votes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question_hash TEXT NOT NULL,
    question TEXT,
    citations TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    message_id TEXT
)
"""
# One vote per answer message: voting again replaces it, undoing deletes it.
_MESSAGE_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS votes_message ON votes (message_id) WHERE message_id IS NOT NULL"


def citation_refs(citations: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only what identifies each cited passage: its document and offsets."""
    return [{key: c[key] for key in ("doc_id", "start", "end") if key in c} for c in citations]


@dataclass(frozen=True)
class Vote:
    """One stored vote, as read back (for tests, the report and export)."""

    id: int
    created_at: str
    question_hash: str
    question: str | None  # None unless keep_question_text was on; redacted when kept
    citations: list[dict[str, Any]]
    vote: str
    message_id: str | None = None  # the answer message voted on (None for votes stored before ids)


class SQLiteStore:
    """A WAL-mode SQLite file with a retention period and a key for question hashes."""

    TABLES: tuple[str, ...] = ()  # CREATE statements
    PURGED: tuple[str, ...] = ()  # tables whose rows expire (each has created_at)

    def __init__(self, path: Path, *, busy_timeout_ms: int = 10_000, retention_days: int = 90,
                 keep_question_text: bool = False) -> None:
        if busy_timeout_ms <= 0:
            raise ValueError(f"busy_timeout_ms must be > 0, got {busy_timeout_ms}")
        cutoff(retention_days)  # validates it
        self.path = Path(path)
        self.retention_days = retention_days
        self._busy_timeout_ms = busy_timeout_ms
        # Serialises writers inside this process; the busy timeout covers other processes.
        self._lock = threading.Lock()
        self._purged_at = 0.0
        self._stopped = threading.Event()
        # Why the store can't be used ("" when it can): opening never raises.
        key, self.error = self._open()
        # Without a store nothing is hashed for keeps; a fresh key keeps the policy usable.
        self.policy = QuestionPolicy(bytes.fromhex(key) if key else QuestionPolicy.new_key(), keep_question_text)
        if not self.error:
            self.purge()

    def _open(self) -> tuple[str, str]:
        """(the question key, "") once the file is usable, or ("", why not)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                return self._create(), ""
            except StoreUnavailable as exc:
                if not isinstance(exc.__cause__, sqlite3.DatabaseError) or isinstance(
                        exc.__cause__, sqlite3.OperationalError):
                    raise  # read-only, locked, no space: the file itself may be fine; leave it be
                kept = self._move_aside()
                log.warning("%s is corrupt (%s); moved it to %s and started a new one",
                            self.path, exc.detail, kept.name)
                return self._create(), ""
        except (OSError, StoreUnavailable) as exc:
            detail = getattr(exc, "detail", None) or f"{type(exc).__name__}: {exc}"
            log.error("%s cannot be opened, nothing will be stored in it: %s", self.path, detail)
            return "", detail

    def _create(self) -> str:
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise StoreUnavailable("; ".join(map(str, problems[:3]))) from sqlite3.DatabaseError(problems[0])
            conn.execute(_META)
            for statement in self.TABLES:
                conn.execute(statement)
            self._migrate(conn)
            key = conn.execute("SELECT value FROM meta WHERE key = 'question_key'").fetchone()
            if key is None:
                key = (QuestionPolicy.new_key().hex(),)
                conn.execute("INSERT INTO meta (key, value) VALUES ('question_key', ?)", key)
        return key[0]

    def _move_aside(self) -> Path:
        """Rename the database (and its WAL files) out of the way, keeping them for inspection."""
        kept = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
        for suffix in ("", "-wal", "-shm"):
            source = self.path.with_name(self.path.name + suffix)
            if source.exists():
                source.replace(kept.with_name(kept.name + suffix))
        return kept

    def _check_available(self) -> None:
        if self.error:
            raise StoreUnavailable(self.error)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring an older file's tables to the current schema (none to do by default)."""

    def purge(self) -> int:
        """Delete rows past the retention period; returns how many went."""
        if self.error:
            return 0
        oldest = cutoff(self.retention_days)
        with self._lock, self._connect() as conn:
            gone = sum(conn.execute(f"DELETE FROM {table} WHERE created_at < ?", (oldest,)).rowcount
                       for table in self.PURGED)
        self._purged_at = time.monotonic()
        return gone

    def purge_daily(self, every_seconds: float = PURGE_EVERY_SECONDS) -> threading.Thread:
        """Purge every ``every_seconds`` in a daemon thread, so rows expire while no one writes."""
        if every_seconds <= 0:
            raise ValueError(f"every_seconds must be > 0, got {every_seconds}")

        def loop() -> None:
            while not self._stopped.wait(every_seconds):
                try:
                    self.purge()
                except StoreUnavailable as exc:  # retried next time; the app goes on
                    log.warning("could not purge %s: %s", self.path, exc)

        thread = threading.Thread(target=loop, name=f"purge {self.path.name}", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """End the purging thread (if any)."""
        self._stopped.set()

    def _purge_if_due(self) -> None:
        if time.monotonic() - self._purged_at >= PURGE_EVERY_SECONDS:
            self.purge()

    def delete_all(self) -> int:
        """Delete every stored row (the key stays); returns how many went."""
        with self._lock, self._connect() as conn:
            return sum(conn.execute(f"DELETE FROM {table}").rowcount for table in self.PURGED)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection that commits on success and is always closed; any SQLite error
        becomes StoreUnavailable (the SQLite error as its cause)."""
        try:
            with closing(sqlite3.connect(self.path, timeout=self._busy_timeout_ms / 1000)) as conn:
                conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
                # Safe with WAL (no corruption); only a power cut can drop the latest votes.
                conn.execute("PRAGMA synchronous=NORMAL")
                # Deleted rows are overwritten, not left readable in free pages of the file.
                conn.execute("PRAGMA secure_delete=ON")
                with conn:  # commits, or rolls back on error
                    yield conn
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc


class FeedbackStore(SQLiteStore):
    """Vote log in ``path`` (an SQLite file; its folder is created)."""

    TABLES = (_SCHEMA,)
    PURGED = ("votes",)

    def record(self, *, question: str, citations: Sequence[dict[str, Any]], vote: str, answer: str = "",
               message_id: str | None = None) -> int:
        """Store one vote and return its row id. ``vote`` is "up" or "down".

        With a ``message_id`` (the answer message voted on) there is at most one row per message:
        a second vote on it replaces the first (its time too). ``answer`` is accepted for callers
        that pass it, and not stored: the citations' offsets identify the quoted answer."""
        if vote not in VOTES:
            raise ValueError(f"vote must be one of {VOTES}, got {vote!r}")
        if message_id is not None and (not isinstance(message_id, str) or not 0 < len(message_id) <= 64):
            raise ValueError(f"message_id must be a string of 1 to 64 characters, got {message_id!r}")
        self._check_available()
        self._purge_if_due()
        row = (now_iso(), self.policy.digest(question), self.policy.text(question),
               json.dumps(citation_refs(citations), ensure_ascii=False), vote, message_id)
        with self._lock, self._connect() as conn:
            if message_id is not None:
                conn.execute("DELETE FROM votes WHERE message_id = ?", (message_id,))
            cursor = conn.execute(
                "INSERT INTO votes (created_at, question_hash, question, citations, vote, message_id) "
                "VALUES (?, ?, ?, ?, ?, ?)", row
            )
            return int(cursor.lastrowid or 0)

    def retract(self, message_id: str) -> int:
        """Delete the vote on ``message_id`` (the voter undid it); returns how many rows went (0 or 1)."""
        self._check_available()
        with self._lock, self._connect() as conn:
            return conn.execute("DELETE FROM votes WHERE message_id = ?", (message_id,)).rowcount

    def votes(self, since: str = "", until: str = "") -> list[Vote]:
        """Stored votes, oldest first; ``since``/``until`` are ISO times (until excluded)."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, created_at, question_hash, question, citations, vote, message_id FROM votes "
                "WHERE created_at >= ? AND (? = '' OR created_at < ?) ORDER BY id", (since, until, until)
            ).fetchall()
        return [Vote(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows]

    def _migrate(self, conn: sqlite3.Connection) -> None:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(votes)").fetchall()}
        if "message_id" not in columns:  # a store from before votes were tied to their message
            conn.execute("ALTER TABLE votes ADD COLUMN message_id TEXT")
        conn.execute(_MESSAGE_INDEX)
        # Version 1 kept every question and answer whole in a "feedback" table: keep the votes,
        # drop the texts (they were stored before the operator could choose).
        old = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'feedback'").fetchone()
        if old is None:
            return
        key = conn.execute("SELECT value FROM meta WHERE key = 'question_key'").fetchone()
        if key is None:
            key = (QuestionPolicy.new_key().hex(),)
            conn.execute("INSERT INTO meta (key, value) VALUES ('question_key', ?)", key)
        policy = QuestionPolicy(bytes.fromhex(key[0]))
        for created_at, question, citations, vote in conn.execute(
                "SELECT created_at, question, citations, vote FROM feedback ORDER BY id").fetchall():
            try:
                refs = json.dumps(citation_refs(json.loads(citations)))
            except (ValueError, KeyError, TypeError):
                refs = "[]"
            conn.execute("INSERT INTO votes (created_at, question_hash, question, citations, vote) "
                         "VALUES (?, ?, NULL, ?, ?)", (created_at, policy.digest(question), refs, vote))
        conn.execute("DROP TABLE feedback")
