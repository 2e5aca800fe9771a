"""Answer quality on the dev set with the real model (integration).

The issue's targets are answerable >= 0.95, unanswerable abstained >= 0.90, follow-ups >= 0.90.
They are NOT met yet (see README "Quality"); the floors below are the figures reached so far,
held so that no change makes answers worse. Raise them as the engine improves.
"""

from pathlib import Path

import pytest

from bot.evaluate import evaluate, read_rows

pytestmark = pytest.mark.integration
DEV_SET = Path(__file__).parent / "data" / "eval.jsonl"
FLOORS = {"answerable_hit_rate": 0.70, "unanswerable_abstain_rate": 0.70, "followup_hit_rate": 0.72, "verbatim_rate": 1.0}


def test_dev_set_shape():
    rows = read_rows(DEV_SET)
    kinds = [r.kind for r in rows]
    assert len(rows) >= 80 and kinds.count("unanswerable") >= 15 and kinds.count("followup") >= 10
    assert all(r.history for r in rows if r.kind == "followup")


def test_dev_set_figures_hold(real_engine):
    report = evaluate(real_engine, read_rows(DEV_SET))
    metrics = report.metrics
    for name, floor in FLOORS.items():
        assert metrics[name] >= floor, f"{name} fell to {metrics[name]:.3f} (floor {floor})"


def test_where_do_i_complain(real_engine):
    answer = real_engine.ask("Where do I complain?")
    assert answer.answered and "complaint" in answer.answer.lower()
    assert any(c.doc_id == "london-police-accountability.md" for c in answer.citations)


@pytest.mark.parametrize("question", ["What is the capital of France?", "How do I renew my passport?",
                                      "What time does the Tower of London open?"])
def test_questions_the_sources_do_not_cover_abstain(real_engine, question):
    answer = real_engine.ask(question)
    assert not answer.answered and answer.suggestions and not answer.citations
