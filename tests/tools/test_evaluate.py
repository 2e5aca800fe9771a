"""Question-set scoring (evaluate.py), baselines, ablation, explain traces and the SQuAD reader,
on tiny data: no model."""

import json
import math
from pathlib import Path

import pytest

from bot import cli
from bot.tools.ablation import configure, parse_overrides, rules
from bot.answering.answer import NOT_COVERED
from bot.cli import build_parser
from bot.tools.evaluate import (QuestionSet, Report, Row, RowResult, baseline_record, best_threshold, calibration,
                          diff_baseline, evaluate, is_correct, lead_lengths, read_baseline, read_sets, with_typos)
from bot.answering.explain import Trace, abstain_reason, trace_dict, trace_text
from bot.schema import Answer, Citation
from bot.tools.squad import is_right, read_squad, select_articles, split_articles, squad_metrics, SquadResult, write_corpus

DATA = Path(__file__).parents[1] / "data"


def _rows():
    return [Row("a", "Where do I complain about an officer?", (), True, "fact", "x.md", "complaint"),
            Row("b", "Who?", (), False, "unanswerable")]


def _answer(text: str, confidence: float) -> Answer:
    return Answer(True, text, (Citation("x.md", "X", 0, len(text), text),), confidence)


def _result(row: Row, answered: bool, correct: bool, confidence: float, would_be: bool | None = None,
            threshold: float = 0.5) -> RowResult:
    answer = _answer("a complaint" if correct == row.answerable else "nothing", confidence) if answered \
        else Answer(False, NOT_COVERED, confidence=confidence)
    return RowResult(row, answer, correct, True, None, 0.01,
                     would_be_correct=correct if would_be is None else would_be, threshold=threshold)


def test_with_typos_changes_one_long_word_per_question_by_one_slip():
    rows = _rows()
    typed = with_typos(rows, seed=1)
    assert typed == with_typos(rows, seed=1)  # seeded: runs compare
    changed = [(a, b) for a, b in zip(rows[0].question.split(), typed[0].question.split()) if a != b]
    assert len(changed) == 1 and len(changed[0][0]) >= 5 and abs(len(changed[0][0]) - len(changed[0][1])) <= 1
    assert typed[1] == rows[1]  # no word long enough: left alone
    assert typed[0].expected_text == rows[0].expected_text and typed[0].id == "a"


def test_eval_takes_its_flags():
    args = build_parser().parse_args(["eval", "--all", "--set", "coverage=0.5", "--ablate", "echo",
                                      "--baseline", "b.json", "--save-baseline", "c.json"])
    assert args.all and args.set == ["coverage=0.5"] and args.ablate == ["echo"] and args.file is None
    assert build_parser().parse_args(["eval", "set.jsonl", "--typos"]).typos


def test_lead_lengths_median_and_share_over_500():
    m = lead_lengths(["x" * 100, "x" * 200, "x" * 600, "x" * 300])
    assert m["lead_chars_p50"] == 250 and m["lead_over_500_share"] == 0.25
    assert math.isnan(lead_lengths([])["lead_chars_p50"])


def test_calibration_table_and_error():
    row = _rows()[0]
    results = [_result(row, True, True, 0.95), _result(row, True, False, 0.95),
               _result(row, True, True, 0.55), _result(row, False, False, 0.2)]
    table, ece = calibration(results)
    assert [b["n"] for b in table] == [1, 2]  # the abstention is not in the table
    top = table[-1]
    assert top["right"] == 0.5 and top["confidence"] == pytest.approx(0.95)
    # 2/3 * |0.95 - 0.5| + 1/3 * |0.55 - 1.0|
    assert ece == pytest.approx(2 / 3 * 0.45 + 1 / 3 * 0.45)


def test_best_threshold_is_advice_from_the_would_be_answers():
    ans, unans = _rows()
    results = [_result(ans, True, True, 0.9), _result(ans, False, False, 0.45, would_be=True),
               _result(unans, False, True, 0.3), _result(unans, True, False, 0.6)]
    best, acc_best, acc_now = best_threshold(results, 0.5)
    # At 0.5: rows 1 and 3 right (0.5). At 0.61 and above... the answerable 0.45 is lost; between
    # 0.31 and 0.45 the would-be-right answer counts but the 0.6 unanswerable does not abstain.
    assert acc_now == 0.5 and acc_best == 0.75 and (0.31 <= best <= 0.45 or 0.61 <= best <= 0.9)
    followups = [_result(ans, True, True, 0.9, threshold=0.45)]
    assert math.isnan(best_threshold(followups, 0.5)[1])  # held against another threshold: not counted


def _report(outcomes: dict[str, bool]) -> Report:
    rows = {i: Row(i, "q", (), True, "fact", "x.md", "complaint") for i in outcomes}
    return Report([_result(rows[i], True, ok, 0.9) for i, ok in outcomes.items()])


def test_baseline_diff_names_rows_gained_and_lost_but_never_a_measure_only_set_s_rows(tmp_path):
    dev, blind = QuestionSet("dev", tmp_path / "d.jsonl", False), QuestionSet("blind", tmp_path / "b.jsonl", True)
    then = baseline_record({"dev": (dev, _report({"a": True, "b": False, "c": True})),
                            "blind": (blind, _report({"x": True, "y": False}))})
    assert "rows" not in then["sets"]["blind"] and then["sets"]["blind"]["figures"]["answerable_hit_rate"] == 0.5
    path = tmp_path / "base.json"
    path.write_text(json.dumps(then))
    now = baseline_record({"dev": (dev, _report({"a": False, "b": True, "c": True, "d": True})),
                           "blind": (blind, _report({"x": True, "y": True}))})
    diffs = {d.name: d for d in diff_baseline(read_baseline(path), now)}
    assert diffs["dev"].gained == ("b",) and diffs["dev"].lost == ("a",) and diffs["dev"].added == ("d",)
    assert diffs["blind"].gained == diffs["blind"].lost == () and diffs["blind"].figures["answerable_hit_rate"] == (0.5, 1.0)


def test_a_baseline_in_another_format_is_refused(tmp_path):
    path = tmp_path / "b.json"
    path.write_text('{"sets": {}}')
    with pytest.raises(ValueError, match="format"):
        read_baseline(path)


def test_the_shipped_set_list_marks_every_blind_set_measure_only():
    sets = read_sets()
    assert all(qs.path.is_file() for qs in sets)
    assert {qs.name for qs in sets if qs.measure_only} == {qs.path.stem.replace("eval_", "") for qs in sets
                                                          if qs.path.name.startswith("eval_blind")}
    assert {qs.path.name for qs in sets} == {p.name for p in DATA.glob("eval*.jsonl")}, "every set is listed"


def test_a_set_list_without_a_role_is_refused(tmp_path):
    path = tmp_path / "sets.toml"
    path.write_text('[sets.x]\nfile = "x.jsonl"\n')
    with pytest.raises(ValueError, match="role"):
        read_sets(path)


def test_evaluate_gives_the_engine_s_own_outcome(tiny_engine):
    """The run at threshold 0 plus the threshold decides exactly what ``ask`` answers."""
    rows = [Row("a", "Who founded the service?", (), True, "fact", "history.md", "Robert Peel"),
            Row("b", "What is the capital of France?", (), False, "unanswerable"),
            Row("c", "How do I complain?", (), True, "fact", "complaints.md", "complaint")]
    report = evaluate(tiny_engine, rows)
    for r in report.results:
        real = tiny_engine.ask(r.row.question)
        assert (r.answer.answered, r.answer.answer if real.answered else NOT_COVERED) == (real.answered, real.answer)
        assert r.answer.confidence == pytest.approx(real.confidence)


def test_every_score_part_is_named_and_they_add_up(tiny_engine):
    trace = Trace("Who founded the service?")
    answer = tiny_engine.ask(trace.question, (), trace)
    scored = trace.decision.scored
    assert scored and all(s.parts for s in scored)
    for s in scored:
        assert sum(v for _, v in s.parts) == pytest.approx(s.score)
        assert {name for name, _ in s.parts} <= set(rules()) | {"type_mismatch", "repeated", "continuation"}
    t = trace_dict(trace, answer, tiny_engine.index)
    assert t["candidates"][0]["parts"] and t["threshold"] == tiny_engine.threshold()
    assert all(c["retrieval"]["fused_rank"] is None or c["retrieval"]["dense_rank"] or c["retrieval"]["bm25_rank"]
               for c in t["candidates"])
    assert t["verdict"].startswith("answered" if answer.answered else "abstained")
    if len(t["candidates"]) > 1:
        assert "below the lead" in t["candidates"][1]["why_not"]
    text = trace_text(trace, answer, tiny_engine.index)
    assert "retrieval" in text and "confidence" in text


def test_an_abstention_says_whether_it_was_a_near_miss():
    assert abstain_reason(0.4, 0.5) == "near_miss" and abstain_reason(0.1, 0.5) == "nothing_close"


def test_ask_explain_on_the_command_line(tiny_engine, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_load_engine", lambda args: tiny_engine)
    assert cli.main(["ask", "--json", "--explain", "Who founded the service?"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"answered", "answer", "citations", "confidence"} <= set(out) and out["explain"]["candidates"]
    assert cli.main(["ask", "--explain", "Who founded the service?"]) == 0
    assert "candidates (score = sum of parts)" in capsys.readouterr().out


def test_ablating_a_rule_changes_a_copy_only(tiny_engine):
    off = configure(tiny_engine, {"abstain_threshold": "0.9", "coverage": "0.1"}, ["recency", "spelling", "colloquial"])
    assert off.extractor.weights.recency == 0 and off.extractor.weights.coverage == 0.1
    assert off.settings.abstain_threshold == 0.9 and off.speller is None
    assert tiny_engine.extractor.weights.recency > 0 and tiny_engine.settings.abstain_threshold == 0.5
    trace = Trace("Who founded the service?")
    off.ask(trace.question, (), trace)
    assert all(name != "recency" for s in trace.decision.scored for name, _ in s.parts)
    with pytest.raises(ValueError, match="unknown rule"):
        configure(tiny_engine, ablate=["no_such_rule"])
    with pytest.raises(ValueError, match="fixed when the engine loads"):
        configure(tiny_engine, {"corpus_dir": "/tmp"})
    with pytest.raises(ValueError, match="must be a float"):
        configure(tiny_engine, {"coverage": "lots"})
    with pytest.raises(ValueError, match="name=value"):
        parse_overrides(["coverage"])


def test_eval_all_prints_measure_only_figures_but_never_their_rows(tiny_engine, monkeypatch, capsys, tmp_path):
    dev = [{"id": "t1", "question": "Who founded the service?", "answerable": True, "kind": "fact",
            "expected_doc": "history.md", "expected_text": "Robert Peel"}]
    blind = [{"id": "secret1", "question": "What is the capital of France?", "answerable": False, "kind": "unanswerable"},
             {"id": "secret2", "question": "How do I complain?", "answerable": True, "kind": "fact",
              "expected_doc": "complaints.md", "expected_text": "no such text"}]
    for name, rows in (("d.jsonl", dev), ("b.jsonl", blind)):
        (tmp_path / name).write_text("\n".join(json.dumps(r) for r in rows))
    (tmp_path / "sets.toml").write_text('[sets.d]\nfile = "d.jsonl"\nrole = "development"\n'
                                        '[sets.b]\nfile = "b.jsonl"\nrole = "measure-only"\n')
    monkeypatch.setattr(cli, "_load_engine", lambda args: tiny_engine)
    base = tmp_path / "base.json"
    assert cli.main(["eval", "--all", "--rows", "--sets", str(tmp_path / "sets.toml"), "--save-baseline", str(base)]) == 0
    out = capsys.readouterr().out
    assert "t1" in out and "secret" not in out and "capital of France" not in out
    assert "b        measure-only n=2" in out
    saved = json.loads(base.read_text())
    assert saved["sets"]["d"]["rows"] == {"t1": True} and "rows" not in saved["sets"]["b"]
    assert cli.main(["eval", "--all", "--sets", str(tmp_path / "sets.toml"), "--baseline", str(base),
                     "--set", "abstain_threshold=1.0"]) == 0
    out = capsys.readouterr().out
    assert "d: lost 1: t1" in out and "secret" not in out


def test_the_squad_reader_split_and_scoring(tmp_path):
    squad = {"version": "v2.0", "data": [
        {"title": f"Art_{i}", "paragraphs": [{"context": f"Article {i} was founded in 18{i}0 by Ann.", "qas": [
            {"id": f"q{i}a", "question": "When was it founded?", "is_impossible": False,
             "answers": [{"text": f"18{i}0", "answer_start": 0}, {"text": f"18{i}0", "answer_start": 0}]},
            {"id": f"q{i}b", "question": "Who closed it?", "is_impossible": True, "answers": [],
             "plausible_answers": [{"text": "Ann", "answer_start": 0}]}]}]} for i in range(5)]}
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(squad))
    articles = read_squad(path)
    assert len(articles) == 5 and articles[0].questions[0].answers == ("1800",)  # duplicates folded
    assert not articles[0].questions[1].answerable and articles[0].questions[1].answers == ()
    train, validation = split_articles([a.title for a in articles], n_validation=2)
    assert len(validation) == 2 and not set(train) & set(validation)
    assert split_articles([a.title for a in reversed(articles)], n_validation=2) == (train, validation)  # order-free
    assert [a.title for a in select_articles(articles, "Art_1,Art_3")] == ["Art_1", "Art_3"]
    with pytest.raises(ValueError, match="no article"):
        select_articles(articles, "Nope")
    write_corpus(articles[:1], tmp_path / "corpus")
    assert (tmp_path / "corpus" / "art-0.txt").read_text().startswith("Art 0\n\nArticle 0 was founded")
    assert is_right("It was founded in 1800.", ("1800",)) and not is_right("x" * 501 + "1800", ("1800",))
    q_ans, q_unans = articles[0].questions
    results = [SquadResult(q_ans, True, "founded in 1800", "founded in 1800", 0.9, "founded in 1800", "nothing"),
               SquadResult(q_unans, True, "Ann", "Ann", 0.7, "Ann", "Ann")]
    m = squad_metrics(results)
    assert m["lead_right"] == 1.0 and m["unanswerable_abstained"] == 0.0 and m["overall"] == 0.5
    assert m["bm25_top_sentence_right"] == 1.0 and m["dense_top_sentence_right"] == 0.0


def test_a_file_that_is_not_squad_is_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"data": [{"paragraphs": []}]}')
    with pytest.raises(ValueError, match="SQuAD"):
        read_squad(path)


@pytest.mark.integration
def test_eval_squad_reports_the_engine_beside_both_baselines(capsys):
    from bot.tools.squad import DEFAULT_SQUAD_FILE

    if not DEFAULT_SQUAD_FILE.is_file():
        pytest.skip(f"no SQuAD file at {DEFAULT_SQUAD_FILE}")
    assert cli.main(["eval", "--squad", str(DEFAULT_SQUAD_FILE), "--articles", "Normans", "--limit", "12"]) == 0
    out = capsys.readouterr().out
    assert "SQuAD: Normans" in out and "lead right" in out and "unanswerable abstained" in out
    assert "BM25 top sentence right" in out and "dense top sentence right" in out and "calibration" in out


def test_a_right_answer_is_judged_with_quotes_and_spaces_as_a_reader_sees_them():
    row = Row("q1", "What does the HT stand for?", (), True, "fact", "x.md", "Harbour's Trust office")
    assert is_correct(row, _answer("It is the Harbour’s Trust\noffice.", 0.9))  # curly apostrophe, a line break
    assert not is_correct(row, _answer("It is the Harbour Trust office.", 0.9))  # a different text stays wrong
