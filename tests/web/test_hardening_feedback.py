"""A corrupt or read-only feedback database never stops the chatbot (issue 17, item 5)."""

from __future__ import annotations

import logging
import os
import sqlite3
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from bot.web.feedback import FeedbackStore, FeedbackUnavailable
from bot.settings import Settings
from bot.web.app import ChatHandlers, create_app
from web_fixtures import FakeEngine

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _garbage(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not an SQLite database at all " * 200)


def test_a_corrupt_database_is_moved_aside_and_a_new_one_created(tmp_path, caplog):
    path = tmp_path / "var" / "feedback.sqlite3"
    _garbage(path)
    with caplog.at_level(logging.WARNING, logger="bot.web.feedback"):
        store = FeedbackStore(path)
    assert store.error == ""
    kept = list(path.parent.glob("feedback.sqlite3.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not an SQLite")
    store.record(question="q", answer="a", citations=[], vote="up")
    assert [v.vote for v in store.votes()] == ["up"]
    assert sum("corrupt" in r.getMessage() for r in caplog.records) == 1


def test_a_damaged_page_is_found_by_the_check_and_moved_aside(tmp_path):
    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path)
    for i in range(200):
        store.record(question=f"question {i} " * 20, answer="a" * 200, citations=[], vote="up")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[4096 * 2: 4096 * 2 + 512] = b"\xff" * 512  # scribble over a b-tree page
    path.write_bytes(bytes(data))
    reopened = FeedbackStore(path)
    assert reopened.error == "" and list(tmp_path.glob("fb.sqlite3.corrupt-*"))
    reopened.record(question="q", answer="a", citations=[], vote="down")


@pytest.mark.skipif(ROOT, reason="root writes to read-only files")
def test_a_read_only_database_leaves_votes_off_with_one_message(tmp_path, caplog):
    path = tmp_path / "fb.sqlite3"
    FeedbackStore(path).record(question="q", answer="a", citations=[], vote="up")
    for p in tmp_path.iterdir():
        p.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        with caplog.at_level(logging.ERROR, logger="bot.web.feedback"):
            store = FeedbackStore(path)  # must not raise
        assert store.error and sum(r.levelno >= logging.ERROR for r in caplog.records) == 1
        with pytest.raises(FeedbackUnavailable, match="feedback storage is unavailable"):
            store.record(question="q", answer="a", citations=[], vote="down")
        assert not list(tmp_path.glob("*.corrupt-*"))  # read-only is not corrupt: the file stays
    finally:
        tmp_path.chmod(0o755)


@pytest.mark.parametrize("name", ["feedback.sqlite3", "outcomes.sqlite3"])
def test_the_app_starts_and_answers_with_a_corrupt_database(tmp_path, name):
    settings = Settings(data_dir=tmp_path / "var")
    _garbage(settings.data_dir / name)
    with TestClient(create_app(FakeEngine(), settings)) as client:
        assert client.post("/api/ask", json={"question": "What is MOPAC?"}).json()["answered"]


@pytest.mark.parametrize("name", ["feedback.sqlite3", "outcomes.sqlite3"])
def test_the_app_starts_and_answers_when_the_store_cannot_be_opened(tmp_path, name, caplog):
    settings = Settings(data_dir=tmp_path / "var")
    (settings.data_dir / name).mkdir(parents=True)  # a folder where the file should be
    with TestClient(create_app(FakeEngine(), settings)) as client:
        assert client.get("/api/health").status_code == 200
        caplog.clear()
        for _ in range(3):
            assert client.post("/api/ask", json={"question": "What is MOPAC?"}).json()["answered"]
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # said once, at start


def test_a_vote_that_cannot_be_stored_is_one_message_to_the_user(tmp_path, monkeypatch, caplog):
    (tmp_path / "fb.sqlite3").mkdir()
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    handlers = ChatHandlers(FakeEngine(), Settings(data_dir=tmp_path), store)
    shown = []
    monkeypatch.setattr("bot.web.app.gr.Warning", lambda message, *a, **k: shown.append(message))
    _, exchanges, *_ = handlers.submit("What is MOPAC?", [])
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="bot.web.app"):
        handlers.vote(exchanges, SimpleNamespace(index=1, liked=True))
    assert shown == ["Sorry, your vote could not be saved: feedback storage is unavailable."]
    assert len([r for r in caplog.records if r.name == "bot.web.app"]) == 1


def test_a_database_sqlite_calls_read_only_is_kept_and_votes_are_off(tmp_path, monkeypatch):
    # As root, chmod can't make a file read-only: have SQLite say so, as it does for a read-only mount.
    path = tmp_path / "fb.sqlite3"
    FeedbackStore(path).record(question="q", answer="a", citations=[], vote="up")
    real_connect = sqlite3.connect

    class ReadOnly:
        def __init__(self, conn):
            self.conn = conn

        def execute(self, sql, *args):
            if sql.lstrip().upper().startswith(("INSERT", "CREATE", "PRAGMA JOURNAL_MODE")):
                raise sqlite3.OperationalError("attempt to write a readonly database")
            return self.conn.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.conn, name)

        def __enter__(self):
            self.conn.__enter__()
            return self

        def __exit__(self, *exc):
            return self.conn.__exit__(*exc)

    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: ReadOnly(real_connect(*a, **k)))
    store = FeedbackStore(path)
    assert "readonly" in store.error
    with pytest.raises(FeedbackUnavailable):
        store.record(question="q", answer="a", citations=[], vote="down")
    monkeypatch.setattr(sqlite3, "connect", real_connect)
    assert not list(tmp_path.glob("*.corrupt-*")) and [v.vote for v in FeedbackStore(path).votes()] == ["up"]
