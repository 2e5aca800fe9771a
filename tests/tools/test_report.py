"""``bot report``: counts, reasons, down-voted passages, refused topics only when text is kept, a plot."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from bot.cli import main
from bot.index.embed import HashingEmbedder
from bot.web.feedback import FeedbackStore
from bot.web.outcomes import LoggedEngine, OutcomeLog
from bot.tools.report import build_report, plot, refused_topics
from bot.schema import Answer, Citation, Document

DOC = Document("a.md", "A", "The board meets monthly. The chair is elected.")
CITE = Citation("a.md", "A", 0, 24, DOC.body[0:24])
REFUSED = ["Where can I park near the station?", "Is parking free near the station?",
           "What is the weather tomorrow?", "Will the weather be sunny tomorrow?", "Where can I park my car near the station?"]


class Scripted:
    def __init__(self, answers):
        self.answers = list(answers)

    def ask(self, question, history=()):
        return self.answers.pop(0)


def fill(tmp_path, keep: bool):
    log = OutcomeLog(tmp_path / "outcomes.sqlite3", keep_question_text=keep)
    votes = FeedbackStore(tmp_path / "feedback.sqlite3", keep_question_text=keep)
    answers = [Answer(True, CITE.quote, (CITE,), 0.9)] * 3 + [Answer(False, "not covered", confidence=0.3)] + \
              [Answer(False, "not covered", confidence=0.05)] * 4 + [Answer.failure("question is empty")]
    engine = LoggedEngine(Scripted(answers), log, 0.5)
    for q in ["When does the board meet?"] * 3 + REFUSED + [""]:
        engine.ask(q)
    for vote in ("down", "down", "up"):
        votes.record(question="When does the board meet?", citations=[CITE.to_dict()], vote=vote)
    return log, votes


def topic_vectors(texts):
    """Vectors by subject (a stand-in for the model): parking questions near each other, weather apart."""
    rng = np.random.default_rng(0)
    out = []
    for t in texts:
        v = np.zeros(8, dtype=np.float32)
        v[0 if "park" in t else 1] = 1.0
        out.append(v + 0.1 * rng.standard_normal(8).astype(np.float32))
    return np.stack(out)


def test_counts_reasons_and_down_voted_passages(tmp_path):
    log, votes = fill(tmp_path, keep=False)
    report = build_report(log.outcomes(), votes.votes(), {"a.md": DOC})
    assert (report.answered, report.abstained, report.errors) == (3, 5, 1)
    assert report.reasons == {"nothing_close": 4, "near_miss": 1}
    [p] = report.down_voted
    assert (p.doc_id, p.start, p.end, p.down, p.up, p.quote) == ("a.md", 0, 24, 2, 1, "The board meets monthly.")
    today = datetime.now(timezone.utc).date().isoformat()
    assert report.per_day == [{"day": today, "answered": 3, "abstained": 5}]
    assert report.topics is None  # no question text kept: nothing to group
    assert "not available (question text is not kept" in report.text()


def test_refused_questions_are_grouped_only_when_text_is_kept(tmp_path):
    log, votes = fill(tmp_path, keep=True)
    report = build_report(log.outcomes(), votes.votes(), {"a.md": DOC}, topic_vectors)
    sizes = sorted((t.size, t.question) for t in report.topics)
    assert [s for s, _ in sizes] == [2, 3]
    parking = next(t for t in report.topics if t.size == 3)
    assert all("park" in q for q in parking.questions) and parking.question in REFUSED
    text = report.text()
    assert f"3 × \"{parking.question}\"" in text
    json.dumps(report.to_dict())  # JSON-ready


def test_topics_of_one_question():
    [t] = refused_topics(["Only one?"], HashingEmbedder().encode(["Only one?"]))
    assert (t.size, t.question) == (1, "Only one?")


def test_plot_is_a_png(tmp_path):
    log, votes = fill(tmp_path, keep=False)
    path = plot(build_report(log.outcomes(), votes.votes(), {}), tmp_path / "out" / "days.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_report_and_privacy_commands(tmp_path, capsys, monkeypatch):
    log, votes = fill(tmp_path, keep=False)
    old = (datetime.now(timezone.utc) - timedelta(days=40)).isoformat(timespec="seconds")
    with sqlite3.connect(tmp_path / "outcomes.sqlite3") as conn:  # one outcome outside the 30 days
        conn.execute("UPDATE outcomes SET created_at = ? WHERE id = 1", (old,))
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text(DOC.body, encoding="utf-8")
    assert main(["--corpus", str(corpus), "report", "--json", "--plot", str(tmp_path / "p.png")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["answered"], data["abstained"]) == (2, 5)
    assert data["down_voted"][0]["quote"] == "The board meets monthly."
    assert (tmp_path / "p.png").is_file()
    assert main(["--corpus", str(corpus), "report", "--since", old[:10], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["answered"] == 3

    assert main(["privacy", "export", "--out", str(tmp_path / "export.jsonl")]) == 0
    rows = [json.loads(line) for line in (tmp_path / "export.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["store"] for r in rows} == {"votes", "outcomes"} and len(rows) == 3 + 9
    assert main(["privacy", "delete"]) == 0
    assert "deleted 3 votes and 9 question outcomes" in capsys.readouterr().out
    assert OutcomeLog(tmp_path / "outcomes.sqlite3").outcomes() == []


def test_bad_dates_are_named(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))
    assert main(["report", "--since", "last week"]) == 1
    assert "dates must be YYYY-MM-DD" in capsys.readouterr().err


OFF_TOPIC = ["Where can I park near the station?", "Is parking free near the station?", "What is the weather tomorrow?",
             "Will the weather be sunny tomorrow?", "Where can I park my car near the station?",
             "How do I get a parking permit?", "Who won the football last night?", "What's the score in the Arsenal match?",
             "How do I renew my passport?", "Where do I apply for a new passport?", "Can I report a noisy neighbour?",
             "My neighbour plays loud music at night, who do I tell?"]


@pytest.mark.integration
def test_real_model_groups_refused_questions_by_subject(real_engine):
    topics = refused_topics(OFF_TOPIC, real_engine.embedder.encode(OFF_TOPIC))
    assert sorted(t.size for t in topics) == [2, 2, 2, 2, 4]
    assert all("park" in q for q in topics[0].questions)


@pytest.mark.integration
def test_report_on_the_shipped_corpus(real_engine, tmp_path):
    log = OutcomeLog(tmp_path / "outcomes.sqlite3", keep_question_text=True)
    engine = LoggedEngine(real_engine, log, real_engine.settings.abstain_threshold)
    for q in ["Who oversees the Met?", "What does MOPAC do?", *OFF_TOPIC[:4]]:
        engine.ask(q)
    report = build_report(log.outcomes(), [], real_engine.index.documents, real_engine.embedder.encode)
    assert report.answered >= 2 and report.abstained >= 4
    assert sum(report.reasons.values()) == report.abstained
    assert sorted(t.size for t in report.topics)[-2:] == [2, 2]  # parking, weather
