"""Question-set scoring helpers (evaluate.py); no model."""

from bot.cli import build_parser
from bot.evaluate import Row, with_typos


def _rows():
    return [Row("a", "Where do I complain about an officer?", (), True, "fact", "x.md", "complaint"),
            Row("b", "Who?", (), False, "unanswerable")]


def test_with_typos_changes_one_long_word_per_question_by_one_slip():
    rows = _rows()
    typed = with_typos(rows, seed=1)
    assert typed == with_typos(rows, seed=1)  # seeded: runs compare
    changed = [(a, b) for a, b in zip(rows[0].question.split(), typed[0].question.split()) if a != b]
    assert len(changed) == 1 and len(changed[0][0]) >= 5 and abs(len(changed[0][0]) - len(changed[0][1])) <= 1
    assert typed[1] == rows[1]  # no word long enough: left alone
    assert typed[0].expected_text == rows[0].expected_text and typed[0].id == "a"


def test_eval_takes_a_typos_flag():
    assert build_parser().parse_args(["eval", "set.jsonl", "--typos"]).typos
    assert not build_parser().parse_args(["eval", "set.jsonl"]).typos
