"""Every question asked in the app leaves an outcome row: answered or why not, and no text by default."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot.web.outcomes import LoggedEngine, OutcomeLog, reason_for
from bot.schema import Answer, Citation
from bot.settings import Settings
from bot.web.app import create_app
from web_fixtures import FakeEngine

CITE = Citation("a.md", "A", 0, 5, "About")


def test_reason_by_confidence_against_the_threshold():
    assert reason_for(Answer(True, "About", (CITE,), 0.9), 0.5) == "answered"
    assert reason_for(Answer(False, "not covered", confidence=0.3), 0.5) == "near_miss"
    assert reason_for(Answer(False, "not covered", confidence=0.1), 0.5) == "nothing_close"
    assert reason_for(Answer.failure("too long"), 0.5) == "error"


class Fixed:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.settings = "passed through"

    def ask(self, question, history=()):
        return self.answer


def test_logged_engine_records_each_ask_and_passes_the_rest_through(tmp_path):
    log = OutcomeLog(tmp_path / "outcomes.sqlite3")
    engine = LoggedEngine(Fixed(Answer(False, "not covered", confidence=0.05)), log, 0.5)
    assert engine.ask("mail me at jo@example.com").confidence == 0.05
    assert engine.settings == "passed through"
    [row] = log.outcomes()
    assert (row.answered, row.reason, row.question) == (False, "nothing_close", None)
    assert row.question_hash == log.policy.digest("mail me at jo@example.com")
    assert b"jo@example.com" not in (tmp_path / "outcomes.sqlite3").read_bytes()


def test_kept_refused_questions_are_redacted(tmp_path):
    log = OutcomeLog(tmp_path / "outcomes.sqlite3", keep_question_text=True)
    LoggedEngine(Fixed(Answer(False, "not covered", confidence=0.3)), log, 0.5).ask("I'm at E1 6AN, who polices it?")
    assert [(o.reason, o.question) for o in log.outcomes()] == [("near_miss", "I'm at [postcode], who polices it?")]


def test_the_app_logs_api_questions(tmp_path):
    settings = Settings(data_dir=tmp_path / "var")
    client = TestClient(create_app(FakeEngine(), settings))
    assert client.post("/api/ask", json={"question": "What is MOPAC?"}).status_code == 200
    rows = OutcomeLog(tmp_path / "var" / "outcomes.sqlite3").outcomes()
    assert len(rows) == 1 and rows[0].question is None


def test_settings_read_the_privacy_switches():
    s = Settings.from_env({"BOT_KEEP_QUESTION_TEXT": "true", "BOT_RETENTION_DAYS": "30"})
    assert (s.keep_question_text, s.retention_days) == (True, 30)
    assert Settings.from_env({}).keep_question_text is False
    import pytest

    with pytest.raises(ValueError, match="BOT_KEEP_QUESTION_TEXT must be true or false, got 'maybe'"):
        Settings.from_env({"BOT_KEEP_QUESTION_TEXT": "maybe"})
