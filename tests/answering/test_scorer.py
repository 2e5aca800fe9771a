"""The fitted scorer (scorer.py) and its training helpers (train.py), on tiny data: no model."""

import json

import numpy as np
import pytest

from bot.engine import Engine
from bot.index.embed import HashingEmbedder
from bot.answering.explain import Trace
from bot.schema import ScoredSpan, Span
from bot.query.validate import Turn
from bot.answering.scorer import (CANDIDATE_FEATURES, QUESTION_FEATURES, SCORER_FILE, FittedScorer, Linear, Placement,
                        candidate_features, question_features)
from bot.query.conversation import Query
from bot.query.qtype import read_asks, wh_class
from bot.text.terms import terms
from bot.tools.train import Example, best_threshold, ece, fit_ranker


def _linear(names, coef=None):
    n = len(names)
    return Linear(tuple(names), np.zeros(n), np.ones(n), np.zeros(n) if coef is None else np.array(coef, float), 0.0)


def _scorer(threshold=0.4):
    return FittedScorer(_linear(CANDIDATE_FEATURES), _linear(QUESTION_FEATURES), threshold, threshold)


def test_the_shipped_scorer_loads_and_matches_its_hash():
    scorer = FittedScorer.load(SCORER_FILE)
    assert scorer.ranker.names == tuple(CANDIDATE_FEATURES) and 0 < scorer.threshold < 1
    assert "SQuAD" in scorer.meta["licence"] and scorer.meta["data"]["squad_validation_articles"]


def test_a_scorer_file_edited_by_hand_is_refused(tmp_path):
    path = tmp_path / "scorer.json"
    _scorer().save(path)
    assert FittedScorer.load(path).threshold == 0.4
    data = json.loads(path.read_text())
    data["threshold"] = 0.1
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="SHA-256"):
        FittedScorer.load(path)


def test_a_scorer_fitted_on_other_features_is_refused():
    with pytest.raises(ValueError, match="other features"):
        FittedScorer(_linear(["a", "b"]), _linear(QUESTION_FEATURES), 0.5, 0.5)


def test_question_classes_and_feature_shapes(tiny_engine):
    assert wh_class("When was it founded?") == "when" and wh_class("And who runs it?") == "who"
    assert wh_class("How many officers are there?") == "count" and wh_class("Is it big?") == "other"
    trace = Trace("When was the service founded?")
    tiny_engine.ask(trace.question, (), trace)
    q, scored = trace.query, trace.decision.scored
    x = tiny_engine.extractor.features(q, scored)
    assert x.shape == (len(scored), len(CANDIDATE_FEATURES)) and np.isfinite(x).all()
    col = CANDIDATE_FEATURES.index("when_x_year")
    assert any(x[i, col] == 1.0 for i, s in enumerate(scored) if "1829" in s.span.text)
    qf = question_features(x, np.arange(len(scored), dtype=float)[::-1], trace.decision.adjustments)
    assert qf.shape == (len(QUESTION_FEATURES),)


def test_the_engine_ranks_with_the_fitted_scorer_when_asked(tiny_settings, monkeypatch):
    # A ranker that only likes a year in a when-question's span puts the founding year first.
    coef = np.zeros(len(CANDIDATE_FEATURES))
    coef[CANDIDATE_FEATURES.index("when_x_year")] = 5.0
    scorer = FittedScorer(_linear(CANDIDATE_FEATURES, coef), _linear(QUESTION_FEATURES), 0.3, 0.3)
    monkeypatch.setattr("bot.engine.load_scorer", lambda: scorer)
    engine = Engine.load(tiny_settings.replace(scorer="fitted"), embedder=HashingEmbedder(), progress=lambda _: None)
    trace = Trace("When was the service founded?")
    answer = engine.ask(trace.question, (), trace)
    assert trace.decision.scored[0].fitted is not None and "1829" in trace.decision.scored[0].span.text
    assert trace.decision.threshold == 0.3 and answer.confidence == pytest.approx(0.5)  # zero confidence weights
    assert answer.answered and "1829" in answer.answer


def test_a_damaged_scorer_falls_back_to_the_rules(tiny_settings, monkeypatch, tmp_path, capsys):
    path = tmp_path / "scorer.json"
    _scorer().save(path)
    path.write_text(path.read_text().replace("0.4", "0.9"))
    monkeypatch.setattr("bot.engine.SCORER_FILE", path)
    engine = Engine.load(tiny_settings.replace(scorer="fitted"), embedder=HashingEmbedder(), progress=lambda _: None)
    assert engine.extractor.scorer is None and "hand-set rules" in capsys.readouterr().err


def _example(xs, ys, answerable=True, group="g"):
    return Example(group, "train", "squad", answerable, False, np.array(xs, float), np.array(ys, float), ())


def test_the_ranker_learns_which_feature_marks_the_answer():
    n = len(CANDIDATE_FEATURES)
    rng = np.random.default_rng(0)
    examples = []
    for i in range(40):
        x = rng.normal(size=(5, n))
        x[:, 0] = [0, 0, 3, 0, 0]  # feature 0 marks the answer
        examples.append(_example(x, [0, 0, 1, 0, 0], group=f"g{i % 4}"))
    ranker = fit_ranker(examples)
    assert ranker.coef[0] == max(ranker.coef) and all(np.argmax(ranker.logits(e.x)) == 2 for e in examples)


def test_the_threshold_is_chosen_for_a_mix_with_a_third_unanswerable():
    # Half the questions unanswerable: reweighted, abstaining on everything no longer pays.
    probs = np.array([0.9, 0.8, 0.3, 0.2, 0.6, 0.1])
    right = np.array([True, True, True, False, False, False])
    answerable = np.array([True, True, True, False, False, False])
    t, acc = best_threshold(probs, right, answerable)
    assert 0.21 <= t <= 0.3 and acc > 0.5
    assert ece(np.array([0.9, 0.9]), np.array([1.0, 0.0])) == pytest.approx(0.4)


def _candidates(texts):
    return [ScoredSpan(i, Span(0, "d", 0, len(t), t), 0.0, 0.0, 0.0, 0.0, 0.0) for i, t in enumerate(texts)]


def _query(question):
    """The question read as its own words alone (no acronyms, no informal words)."""
    return Query(question, question, terms(question), focus_terms=terms(question), asks=read_asks(question),
                 written=tuple(question.split()))


def _features(question, texts, idf=lambda t: 1.0):
    scored = _candidates(texts)
    places = [Placement(0, i, len(texts), "A page") for i in range(len(texts))]
    x = candidate_features(_query(question), scored, idf, places)
    return {name: x[:, i] for i, name in enumerate(CANDIDATE_FEATURES)}


def test_rare_question_words_count_for_more_than_common_ones():
    idf = {"bridg": 5.0, "built": 1.0}.get  # terms are stemmed
    f = _features("When was the bridge built?", ["The bridge opened in 1901.", "It was built quickly."],
                  lambda t: idf(t, 0.5))
    assert f["idf_overlap"][0] > f["idf_overlap"][1] and f["bm25"][0] > f["bm25"][1]
    assert f["missing_max_idf"][1] == 5.0 and f["missing_max_idf"][0] == 1.0  # what each span lacks
    # The sentence after the one naming the subject knows its neighbour's overlap.
    assert f["prev_idf_overlap"][1] == f["idf_overlap"][0] and f["next_idf_overlap"][1] == 0.0
    assert f["first_in_chunk"].tolist() == [1.0, 0.0]


def test_a_span_is_marked_for_what_it_holds_that_the_question_does_not():
    f = _features("Who opened the bridge in 1901?", ["In 1901 the bridge opened.", "Ada Byron opened the bridge."])
    assert f["who_x_novel_name"].tolist() == [0.0, 1.0]
    assert f["who_x_novel_year"].tolist() == [0.0, 0.0]  # 1901 is the question's own year
    f = _features("When did the bridge open?", ["In 1901 the bridge opened.", "Ada Byron opened the bridge."])
    assert f["when_x_novel_year"].tolist() == [1.0, 0.0]


def test_definitions_and_agents_are_recognised():
    f = _features("What is a viaduct?", ["A viaduct is a bridge of many spans.", "The viaduct crosses a valley."])
    assert f["definition"].tolist() == [1.0, 0.0]
    f = _features("Who designed the viaduct?", ["It was designed by Ada Byron.", "Ada Byron liked the viaduct."])
    assert f["by_agent"].tolist() == [1.0, 0.0]


def test_what_does_x_mean_is_answered_by_x_is_or_a_glossary_line():
    # "and what does 'X' mean?" asks for a definition as "What is X?" does; "X: ..." (a glossary
    # line, a list item) opens with its subject as "X is ..." does.
    f = _features("and what does 'steadfast' mean?",
                  ["Steadfast: we will hold to our word when it is hard.", "Our values are steadfast and fair."])
    assert f["definition"].tolist() == [1.0, 0.0]
    f = _features("What does the viaduct do?", ["The viaduct is a bridge of many spans."])
    assert f["definition"].tolist() == [0.0]  # "what does X do?" asks no definition


def test_a_which_question_is_answered_by_a_span_naming_the_noun_it_asks_about():
    # "Which charter...?" wants a charter named: "the Harbour Charter", "charter 12"; a span that
    # only mentions charters, or names one the question already gives, names none.
    f = _features("Which charter was signed in 1901?", ["The Harbour Charter was signed then.", "Charter 12 came later.",
                                                         "Several charters were signed.", "The charter of 1901 stands."])
    assert f["names_noun"].tolist() == [1.0, 1.0, 0.0, 0.0]
    f = _features("What kind of arches does the viaduct have?", ["It has Gothic arches.", "Its arches are round."])
    assert f["names_noun"].tolist() == [1.0, 0.0]
    f = _features("Who signed the charter?", ["The Harbour Charter was signed by Ada Byron."])
    assert f["names_noun"].tolist() == [0.0]  # not a which/what question


def test_a_missing_required_kind_of_text_is_a_feature_of_its_own_kind():
    # The rules' type_mismatch part (a span without the kind of text the question requires) is
    # told apart by kind, so the ranker can weigh a missing expansion unlike a missing date.
    question = "What does VHW stand for?"
    spans = [ScoredSpan(0, Span(0, "d", 0, 20, "Volunteer Harbour Wardens"), 0.0, 0.0, 0.0, 0.0, 0.0),
             ScoredSpan(1, Span(0, "d", 20, 40, "The VHW patrol daily."), 0.0, 0.0, 0.0, 0.0, 0.0,
                        parts=(("type_mismatch", -0.3),))]
    x = candidate_features(_query(question), spans, lambda t: 1.0, [Placement(0, i, 2, "") for i in range(2)])
    f = {name: x[:, i] for i, name in enumerate(CANDIDATE_FEATURES)}
    assert read_asks(question).wanted.name == "expansion"
    assert f["mismatch_x_expansion"].tolist() == [0.0, 1.0]
    assert f["mismatch_x_date"].tolist() == [0.0, 0.0]


def test_the_window_is_tighter_when_question_words_sit_together():
    f = _features("stone bridge", ["stone bridge here", "stone walls surround the old bridge"])
    assert f["window"][0] == 1.0 and 0 < f["window"][1] < 0.5


def test_candidates_need_a_placement_each():
    with pytest.raises(ValueError, match="placements"):
        candidate_features(_query("q"), _candidates(["a b"]), lambda t: 1.0, [])
    with pytest.raises(ValueError, match="outside"):
        Placement(0, 3, 2, "")


def test_the_listwise_ranker_learns_what_beats_the_other_candidates_of_a_question():
    # Feature 1 is high for every candidate of some questions and low for all of others: it says
    # nothing about which candidate is right. Feature 0 marks the answer only relative to the
    # question's other candidates. A ranker trained question by question must weight feature 0.
    n = len(CANDIDATE_FEATURES)
    rng = np.random.default_rng(1)
    examples = []
    for i in range(60):
        x = rng.normal(scale=0.1, size=(4, n))
        level = rng.normal() * 3
        x[:, 0] = level + np.array([0.0, 0.0, 1.0, 0.0])
        x[:, 1] = -level
        examples.append(_example(x, [0, 0, 1, 0], group=f"g{i % 4}"))
    ranker = fit_ranker(examples)
    assert abs(ranker.coef[0]) == max(abs(ranker.coef)) and all(np.argmax(ranker.logits(e.x)) == 2 for e in examples)


def test_hybrid_leads_with_the_ranker_s_choice_only_among_what_the_rules_would_answer(tiny_settings, monkeypatch):
    # A perverse ranker that prefers spans the rules rule out (the wrong kind for a when-question).
    coef = np.zeros(len(CANDIDATE_FEATURES))
    coef[CANDIDATE_FEATURES.index("rule_type_mismatch")] = -5.0
    scorer = FittedScorer(_linear(CANDIDATE_FEATURES, coef), _linear(QUESTION_FEATURES), 0.3, 0.3)
    monkeypatch.setattr("bot.engine.load_scorer", lambda: scorer)
    question = "When was the service founded?"
    rules = Engine.load(tiny_settings.replace(scorer="rules"), embedder=HashingEmbedder(), progress=lambda _: None)
    hybrid = Engine.load(tiny_settings.replace(scorer="hybrid"), embedder=HashingEmbedder(), progress=lambda _: None)
    expected = rules.ask(question)
    trace = Trace(question)
    answer = hybrid.ask(question, (), trace)
    lead = trace.decision.scored[0]
    passed_over = [s for s in trace.decision.scored if (s.fitted or 0) > (lead.fitted or 0)]
    assert passed_over and all(dict(s.parts).get("type_mismatch", 0.0) < 0 for s in passed_over)
    # The ranker's own first choices cannot lead: whether to answer and with what confidence is the rules' call, and the
    # lead is a span the rules would answer with.
    assert answer.answered == expected.answered and answer.confidence == pytest.approx(expected.confidence)
    assert trace.configured_threshold == tiny_settings.abstain_threshold
    assert "1829" in answer.answer


def test_a_follow_up_s_candidates_are_placed_against_its_thread_s_last_answer(engine_over):
    # The ranker learns how often a follow-up is answered beside its last answer; the features
    # say where each candidate sits against it, and are all 0 for a question on its own.
    engine = engine_over({
        "trust.md": "# Harbour Trust\n\n## Origins\n\nThe Harbour Trust was founded in 1902 by the port's merchants.\n\n"
                    "## Wardens\n\nThe Trust has 40 volunteer wardens who patrol the quays.\n\n"
                    "## Funding\n\nThe Trust is paid for by mooring fees and a small grant.\n\n"
                    "## Boats\n\nThe Trust keeps two pilot boats at the north quay.\n",
        "canal.md": "# Canal Friends\n\nCanal Friends clear the towpaths every spring.\n"})
    index = engine.index
    last = next(span for span in index.spans if "wardens" in span.text)
    coverage = [0.1 * (i + 1) for i in range(len(index.spans))]
    scored = [ScoredSpan(i, span, 0.0, 0.0, 0.0, coverage[i], 0.0) for i, span in enumerate(index.spans)]
    history = [Turn("user", "Who patrols the quays?"), Turn("assistant", last.text)]
    places = ("thread_chunk", "thread_near", "thread_doc", "thread_after")

    def thread(query):
        x = engine.extractor.features(query, scored)
        return {name: x[:, CANDIDATE_FEATURES.index(name)] for place in places for name in (place, f"{place}_x_coverage")}

    followed = thread(engine.read("And how is it paid for?", history))
    alone = thread(engine.read("How is the Trust paid for?"))
    for i, span in enumerate(index.spans):
        same_doc = span.doc_id == last.doc_id
        assert followed["thread_chunk"][i] == float(same_doc and span.chunk_id == last.chunk_id)
        assert followed["thread_near"][i] == float(same_doc and abs(span.chunk_id - last.chunk_id) == 1)
        assert followed["thread_doc"][i] == float(same_doc)
        assert followed["thread_after"][i] == float(same_doc and span.start >= last.end)
    assert followed["thread_doc"].sum() > followed["thread_near"].sum() > 0 and followed["thread_chunk"].sum() > 0
    assert followed["thread_doc"].sum() > followed["thread_after"].sum() > 0
    for place in places:  # each place again, weighted by how much of the thread's words the span holds
        assert list(followed[f"{place}_x_coverage"]) == pytest.approx([f * c for f, c in zip(followed[place], coverage)])
    assert all(not v.any() for v in alone.values())
