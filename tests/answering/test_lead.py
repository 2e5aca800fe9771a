"""The lead answer and its supporting quotes (assemble.py, schema.py's contract), offline:
tiny corpus, hashing embedder."""

import copy
import dataclasses

import pytest

from bot.answering.answer import JOINER
from bot.schema import SUPPORT_REASONS, Answer, Citation, Support

SUPPORT_KEYS = {"quote", "doc_id", "title", "start", "end", "date", "archived", "why"}


def _cite(start: int, quote: str) -> Citation:
    return Citation("d.md", "D", start, start + len(quote), quote, "June 2017")


def test_supporting_quotes_are_in_the_json_after_the_leads_citations():
    lead, extra = _cite(0, "The lead."), _cite(20, "Another source says so.")
    answer = Answer(True, lead.quote, (lead, extra), 0.9, supporting=(Support(extra, "other_source"),))
    d = answer.to_dict()
    assert d["answer"] == "The lead." and [c["quote"] for c in d["citations"]] == ["The lead.", "Another source says so."]
    [s] = d["supporting"]
    assert set(s) == SUPPORT_KEYS and s["why"] == "other_source" and s["date"] == "June 2017"
    assert answer.lead == (lead,)
    assert Answer(True, lead.quote, (lead,), 0.9).to_dict()["supporting"] == []


def test_supporting_quotes_must_end_the_citations_and_give_a_known_reason():
    lead, extra = _cite(0, "The lead."), _cite(20, "Another source says so.")
    with pytest.raises(ValueError, match="end the citations"):
        Answer(True, lead.quote, (extra, lead), 0.9, supporting=(Support(extra, "continues"),))
    with pytest.raises(ValueError, match="support reason"):
        Support(extra, "because")
    assert set(SUPPORT_REASONS) == {"other_source", "conflicting_value", "replaced_by", "continues"}


def test_the_answer_is_the_lead_alone_and_never_cuts_an_address(tiny_engine):
    answer = tiny_engine.ask("Where do I send a complaint by post?")
    assert answer.answered
    assert answer.answer == JOINER.join(c.quote for c in answer.lead)
    assert "London AB1 2CD" in answer.answer or all(not c.quote.rstrip().endswith(":") for c in answer.lead)
    for c in answer.citations:
        assert tiny_engine.document(c.doc_id).body[c.start:c.end] == c.quote
    # No lead-in cut from what it introduces, in the lead or beside it.
    for c in answer.citations:
        assert not c.quote.rstrip().endswith("by post to:")


def test_a_replaced_body_is_offered_as_supporting(tiny_engine):
    answer = tiny_engine.ask("What was the main duty of the Example Police Authority?")
    assert answer.answered and "main duty" in answer.answer
    [replaced] = [s for s in answer.supporting if s.why == "replaced_by"]
    assert "has been replaced by" in replaced.citation.quote and "has been replaced by" not in answer.answer
    assert answer.citations[-1] == replaced.citation  # the lead's citations first


def test_conflicting_figures_are_the_lead_and_each_other_value_dated(tiny_engine):
    answer = tiny_engine.ask("How many police officers were there?")
    assert answer.answered and len(answer.lead) == 1
    values = [s for s in answer.supporting if s.why == "conflicting_value"]
    assert values, answer.supporting
    shown = [answer.answer] + [s.citation.quote for s in values]
    assert any("34,000" in q for q in shown) and any("32,800" in q for q in shown)
    assert all(s.to_dict()["date"] for s in values)


def test_the_source_a_question_names_is_found_by_its_title(tiny_engine):
    docs = {"authority.txt", "history.md"}

    def named(question: str, doc_ids: set[str]) -> str | None:
        return tiny_engine.extractor.assembler._source_named(tiny_engine.queries.build(question), doc_ids)
    assert named("How many officers were there, according to the Example Police Authority?", docs) == "authority.txt"
    assert named("How many officers are there going by our history page?", docs) == "history.md"
    assert named("How many police officers were there?", docs) is None  # no source named
    assert named("How many officers according to the sources?", docs) is None  # no title says it


def test_an_item_that_goes_on_from_its_introduction_is_quoted_with_it(engine_over):
    engine = engine_over({"a.md":
        "---\ntitle: The Authority\ndate: June 2017\n---\nThe Authority\n\nThe Authority must also:\n\n"
        "- set policing targets and publish them every year;\n- publish annual plans and accounts every year;\n"
        "- run the custody visiting scheme every year.\n"})
    answer = engine.ask("Did the Authority publish plans and accounts every year?")
    assert answer.answer == "The Authority must also:" + JOINER + "publish annual plans and accounts every year;"
    assert [c.quote for c in answer.lead] == ["The Authority must also:", "publish annual plans and accounts every year;"]
    assert not any(s.citation.quote[:1].islower() for s in answer.supporting)  # no item cut from its introduction


def _engine(engine_over, text: str):
    return engine_over({"a.md": "---\ntitle: Who polices where\ndate: June 2017\n---\n" + text})


def test_a_who_or_which_question_gets_the_name_line_above_the_sentence_that_describes_it(engine_over):
    engine = _engine(engine_over, "Other forces\n\nCanal Friends Patrol\n\nA volunteer body patrolling the towpaths "
                               "and locks of the old canal at night.\n\nFirst contact the moorings office\n\n"
                               "A group of boat owners keeping an eye on the moorings.\n")
    answer = engine.ask("Which body patrols the towpaths and locks at night?")
    assert answer.answer.startswith("Canal Friends Patrol\n\nA volunteer body patrolling the towpaths"), answer.answer
    body = engine.document("a.md").body
    assert all(body[c.start:c.end] == c.quote for c in answer.citations)  # still verbatim
    # The rule itself, on the sentence spans (whichever span the scores put first):

    def with_name(span, question):
        return engine.extractor.assembler._with_name_line(span, engine.queries.build(question))
    [patrol] = [s for s in engine.index.spans if s.kind == "sentence" and s.text.startswith("A volunteer body")]
    [owners] = [s for s in engine.index.spans if s.kind == "sentence" and s.text.startswith("A group of boat")]
    named = with_name(patrol, "Who patrols the towpaths?")
    assert named.text == body[named.start:named.end] and named.text.startswith("Canal Friends Patrol\n\nA volunteer")
    assert with_name(patrol, "Does anyone patrol the towpaths?") is patrol  # no name asked for: the sentence alone
    assert with_name(owners, "Who keeps an eye on the moorings?") is owners  # the line above is a phrase, not a name


def test_the_last_line_of_an_address_is_no_name_line(engine_over):
    engine = _engine(engine_over, "Write to us\n\nHarbour Trust\nQuay Street\nPortbury PB1 2CD\n\n"
                               "Ring the harbour line to complain by telephone.\n")
    [ring] = [s for s in engine.index.spans if s.kind == "sentence" and s.text.startswith("Ring the")]
    query = engine.queries.build("Who else can I complain to?")
    assert engine.extractor.assembler._with_name_line(ring, query) is ring  # not "Portbury PB1 2CD / Ring the..."


def test_the_ranker_s_pick_and_the_rules_best_side_by_side_are_quoted_as_one_passage(engine_over):
    engine = _engine(engine_over, "Complaints\n\nIf you have a complaint, first make it to the Harbour Trust.\n\n"
                               "You can write to the Trust at 1 Quay Street.\n\nSomething else entirely.\n")
    spans = {s.text: s for s in engine.index.spans if s.kind == "sentence"}
    advice, route = spans["If you have a complaint, first make it to the Harbour Trust."], \
        spans["You can write to the Trust at 1 Quay Street."]
    body = engine.document("a.md").body
    for chosen, preferred in ((advice, route), (route, advice)):  # either way round: in the page's order
        joined = engine.extractor.assembler.with_neighbour(chosen, preferred)
        assert joined is not None and joined.text == body[advice.start:route.end]
        assert joined.text.startswith("If you have a complaint") and joined.text.endswith("1 Quay Street.")
    other = spans["Something else entirely."]
    assert engine.extractor.assembler.with_neighbour(advice, other) is None  # not next to each other


def test_weights_set_on_the_extractor_reach_its_assembler_and_a_copy_leaves_the_original_alone(tiny_engine):
    """tools/ablation.py tries other weights on a copy of the engine's extractor: the lead and the
    quotes beside it must be weighed with them, and the engine's own answers must not change."""
    extractor = tiny_engine.extractor
    original, weights = extractor.assembler, extractor.weights
    tried = copy.copy(extractor)
    tried.weights = dataclasses.replace(weights, extra_piece_margin=0.0, list_margin=0.0)
    assert tried.assembler.weights is tried.weights and tried.assembler.weights.extra_piece_margin == 0.0
    assert extractor.assembler is original and original.weights is weights == extractor.weights


def test_a_question_asking_by_a_negation_is_answered_only_by_a_passage_saying_one(engine_over):
    """"Who did the scholars not work for?" is another question than "Who did the scholars work
    for?": a passage saying only whom they worked for does not answer it (SQuAD 2.0 writes many
    unanswerable questions so); one saying a negative may."""
    engine = _engine(engine_over, "The harbour scholars\n\nThe harbour scholars worked for the Duke of Exampleton "
                                  "and mapped the estuary for him.\n\nThe ferry guild\n\nThe ferry guild refused to "
                                  "hire river pilots from upstream.\n")
    assert engine.ask("Who did the harbour scholars work for?").answered
    assert not engine.ask("Who did the harbour scholars not work for?").answered
    answer = engine.ask("Who did the ferry guild not hire?")
    assert answer.answered and "refused to hire river pilots" in answer.answer


def test_a_question_giving_a_figure_is_answered_only_where_that_figure_is_said(engine_over):
    """"What did the Trust build in 1905?" is not answered by a passage on what it built in 1901."""
    engine = _engine(engine_over, "The pier\n\nThe Harbour Trust built the north pier in 1901 from local granite.\n\n"
                                  "The ferry\n\nThe ferry guild runs boats across the estuary every hour.\n")
    asked = "What did the Harbour Trust build from local granite in {}?"
    assert "north pier" in engine.ask(asked.format(1901)).answer
    assert not engine.ask(asked.format(1905)).answered
    # A yes/no question is answered by the passage giving the other figure.
    assert engine.ask("Did the Harbour Trust build the north pier in 1905?").answered
