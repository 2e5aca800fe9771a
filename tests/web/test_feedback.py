"""FeedbackStore: votes keep no question text by default, redact it when kept, expire, and none is lost."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest

from bot.web.feedback import FeedbackStore

CITATIONS = [{"doc_id": "mopac.md", "title": "MOPAC", "start": 0, "end": 5, "quote": "About", "date": "undated", "archived": False}]
PERSONAL = "My neighbour jo.bloggs@example.com (07700 900123) at SW1A 1AA was stopped: ref 12345678, who do I complain to?"


def raw_bytes(path) -> bytes:
    """Everything on disk for the store: the database and its write-ahead log."""
    return b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name))


def test_creates_its_folder_and_uses_wal(tmp_path):
    path = tmp_path / "nested" / "var" / "feedback.sqlite3"
    FeedbackStore(path)
    assert path.exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_by_default_a_vote_keeps_no_question_text(tmp_path):
    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path)
    row_id = store.record(question=PERSONAL, answer="Complain to the force first.", citations=CITATIONS, vote="up")
    [vote] = store.votes()
    assert (vote.id, vote.question, vote.vote) == (row_id, None, "up")
    assert vote.citations == [{"doc_id": "mopac.md", "start": 0, "end": 5}]  # ids and offsets only
    assert vote.question_hash == store.policy.digest(PERSONAL) and len(vote.question_hash) == 64
    assert vote.created_at.endswith("+00:00")
    on_disk = raw_bytes(path)
    for secret in (b"jo.bloggs", b"07700", b"SW1A", b"12345678", b"neighbour", b"Complain to the force"):
        assert secret not in on_disk


def test_kept_question_text_is_redacted(tmp_path):
    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path, keep_question_text=True)
    store.record(question=PERSONAL, answer="a", citations=[], vote="down")
    assert store.votes()[0].question == (
        "My neighbour [email] ([phone]) at [postcode] was stopped: ref [number], who do I complain to?")
    on_disk = raw_bytes(path)
    for secret in (b"jo.bloggs", b"07700", b"900123", b"SW1A", b"12345678"):
        assert secret not in on_disk


def test_the_hash_counts_repeats_of_one_question(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    assert store.policy.digest("Who  runs the Met?") == store.policy.digest("who runs the met?")
    assert store.policy.digest("Who runs the Met?") != store.policy.digest("Who runs the City police?")
    # The key lives in the store: reopened, it hashes the same; another store hashes differently.
    assert FeedbackStore(tmp_path / "fb.sqlite3").policy.digest("x") == store.policy.digest("x")
    assert FeedbackStore(tmp_path / "other.sqlite3").policy.digest("x") != store.policy.digest("x")


def _age(path, days: int) -> None:
    old = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE votes SET created_at = ?", (old,))


def test_rows_past_retention_are_gone_at_start(tmp_path):
    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path, retention_days=30)
    store.record(question="old", citations=[], vote="up")
    _age(path, 31)
    store.record(question="new", citations=[], vote="up")
    store = FeedbackStore(path, retention_days=30)  # the app starting again
    assert [v.question_hash for v in store.votes()] == [store.policy.digest("new")]


def test_rows_past_retention_are_gone_daily_while_running(tmp_path, monkeypatch):
    import bot.web.feedback as feedback

    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path, retention_days=90)
    store.record(question="old", citations=[], vote="up")
    _age(path, 91)
    store.record(question="soon", citations=[], vote="up")
    assert len(store.votes()) == 2  # not yet a day since the last purge
    monkeypatch.setattr(feedback.time, "monotonic", lambda: store._purged_at + feedback.PURGE_EVERY_SECONDS)
    store.record(question="next day", citations=[], vote="up")
    assert [v.question_hash for v in store.votes()] == [store.policy.digest(q) for q in ("soon", "next day")]


def test_an_old_store_with_whole_questions_is_converted_without_them(tmp_path):
    path = tmp_path / "fb.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, "
                     "question TEXT NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL, vote TEXT NOT NULL)")
        conn.execute("INSERT INTO feedback (created_at, question, answer, citations, vote) VALUES (?, ?, ?, ?, ?)",
                     (datetime.now(timezone.utc).isoformat(timespec="seconds"), PERSONAL, "an answer",
                      json.dumps(CITATIONS), "down"))
    store = FeedbackStore(path)
    [vote] = store.votes()
    assert (vote.question, vote.vote, vote.citations) == (None, "down", [{"doc_id": "mopac.md", "start": 0, "end": 5}])
    assert vote.question_hash == store.policy.digest(PERSONAL)
    with sqlite3.connect(path) as conn:
        conn.execute("VACUUM")
    assert b"jo.bloggs" not in raw_bytes(path)


def test_delete_all(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.record(question="q", citations=[], vote="up")
    assert store.delete_all() == 1 and store.votes() == []


@pytest.mark.parametrize("vote", ["", "UP", "like", None])
def test_rejects_unknown_votes(tmp_path, vote):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    with pytest.raises(ValueError, match="vote must be one of"):
        store.record(question="q", answer="a", citations=[], vote=vote)
    assert store.votes() == []


def test_rejects_a_bad_retention(tmp_path):
    with pytest.raises(ValueError, match="retention_days must be a positive integer, got 0"):
        FeedbackStore(tmp_path / "fb.sqlite3", retention_days=0)


def test_sixteen_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "fb.sqlite3"
    # Two stores on one file: the in-process lock covers one, the busy timeout the other.
    stores = [FeedbackStore(path), FeedbackStore(path)]
    writers, per_writer = 16, 20
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        start.wait()
        try:
            for i in range(per_writer):
                stores[n % 2].record(question=f"q{n}-{i}", answer="a", citations=CITATIONS, vote="up" if i % 2 else "down")
        except BaseException as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    hashes = [v.question_hash for v in stores[0].votes()]
    assert len(hashes) == writers * per_writer
    assert set(hashes) == {stores[0].policy.digest(f"q{n}-{i}") for n in range(writers) for i in range(per_writer)}


def test_the_purging_thread_removes_expired_rows_without_writes(tmp_path):
    import time

    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path, retention_days=30)
    store.record(question="old", citations=[], vote="up")
    _age(path, 31)
    thread = store.purge_daily(every_seconds=0.05)
    try:
        for _ in range(100):
            if not store.votes():
                break
            time.sleep(0.02)
        assert store.votes() == []
    finally:
        store.stop()
        thread.join(timeout=2)
    assert not thread.is_alive()
