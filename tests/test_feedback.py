"""FeedbackStore: votes are stored whole, in WAL mode, and none is lost under concurrency."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from bot.feedback import FeedbackStore

CITATIONS = [{"doc_id": "mopac.md", "title": "MOPAC", "start": 0, "end": 5, "quote": "About", "date": "undated", "archived": False}]


def test_creates_its_folder_and_uses_wal(tmp_path):
    path = tmp_path / "nested" / "var" / "feedback.sqlite3"
    FeedbackStore(path)
    assert path.exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_vote_reads_back_whole(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    row_id = store.record(question="What is MOPAC?", answer="MOPAC oversees the Met.", citations=CITATIONS, vote="up")
    [vote] = store.votes()
    assert (vote.id, vote.question, vote.answer, vote.citations, vote.vote) == (
        row_id, "What is MOPAC?", "MOPAC oversees the Met.", CITATIONS, "up",
    )
    assert vote.created_at.endswith("+00:00")


def test_text_is_stored_verbatim(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    odd = "'; DROP TABLE feedback; -- <img src=x onerror=alert(1)> \u202e emoji \U0001f46e"
    store.record(question=odd, answer=odd, citations=[], vote="down")
    assert store.votes()[0].question == odd


@pytest.mark.parametrize("vote", ["", "UP", "like", None])
def test_rejects_unknown_votes(tmp_path, vote):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    with pytest.raises(ValueError, match="vote must be one of"):
        store.record(question="q", answer="a", citations=[], vote=vote)
    assert store.votes() == []


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
    questions = [v.question for v in stores[0].votes()]
    assert len(questions) == writers * per_writer
    assert set(questions) == {f"q{n}-{i}" for n in range(writers) for i in range(per_writer)}
