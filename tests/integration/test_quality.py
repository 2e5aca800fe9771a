"""Answer quality on the question sets with the real model (integration).

The issue's targets are answerable >= 0.95, unanswerable abstained >= 0.90, follow-ups >= 0.90.
Since answers lead with one quote (issue 15) an ordinary row is judged on the lead alone: the
dev set's lead is right for 0.917 of its answerable rows, below the target, and 0.944 of its
follow-ups; the lead with its supporting quotes holds the expected text for 0.935 of the
answerable rows (0.954, as the whole answer did, until session 17 deleted the duty and
either-or rules, which gained on no held-out set: p014 p015; ``test_dev_set_targets``). The floors below are the figures reached so far on each
development set, and ``test_no_development_row_is_lost_since_the_baseline`` holds every
development row that was right in tests/data/baseline.json (saved again for issue 15: the rows
it moved are listed in its commit). Every set's leads also meet the length targets: at most 5%
over 500 characters, median under 250 (``test_leads_are_short``; a length, not a right answer,
so it is held on the measure-only sets too).

Which sets are development sets and which are measure-only is said once, in tests/data/sets.toml.
Measure-only sets are evaluated here only to hold their answers verbatim; their figures are
reported (python -m bot eval --all), never gated on.
"""

import statistics
from pathlib import Path

import pytest

from bot.tools.evaluate import baseline_record, diff_baseline, evaluate, read_baseline, read_rows, read_sets, with_typos
from bot.query.validate import Turn

pytestmark = pytest.mark.integration
DATA = Path(__file__).parents[1] / "data"
DEV_SET = DATA / "eval.jsonl"
# The committed per-row baseline (python -m bot eval --all --save-baseline tests/data/baseline.json).
BASELINE = DATA / "baseline.json"
# Development set -> floors: answerable, unanswerable abstained, follow-ups. Every set also holds
# verbatim answers at 1.0; the dev set its conflicting-sources and replaced-body rows at 1.0.
# Measure-only sets (tests/data/sets.toml) have no floors: their figures are reported, and no
# change may be kept or dropped because of them, so no test fails on them but the verbatim one.
SET_FLOORS = {
    "dev": (0.91, 0.92, 0.94),  # 0.93 until session 17 deleted two rules no held-out set gained from (p014 p015)
    "extra": (0.80, 0.94, 0.72),
    "fresh": (0.83, 1.0, 0.84),
    "fresh2": (0.82, 1.0, 0.85),
    "fresh3": (0.66, 0.87, 0.75),  # 0.78 until session 13's refit lost s023 (a trade: see docs/quality.md)
    "fresh4": (0.78, 0.83, 0.64),  # 0.80 until session 17 deleted the duty rule (t013 t061)
    "fresh5": (0.85, 0.75, 0.82),
    "fresh6": (0.74, 0.83, 0.66),
    "fresh7": (0.81, 0.60, 0.62),  # as first measured, unseen (README "A fresh set")
    "fresh8": (0.54, 0.80, 0.68),  # likewise (session 10)
    "fresh9": (0.75, 0.75, 0.53),  # likewise (session 12)
    "fresh10": (0.73, 0.72, 0.56),  # likewise (session 13)
    "fresh11": (0.63, 0.66, 0.65),  # likewise (session 14)
    "fresh12": (0.78, 0.72, 0.43),  # likewise (session 15)
    "fresh13": (0.76, 0.83, 0.60),  # likewise (session 16)
    "fresh14": (0.70, 0.82, 0.66),  # likewise (session 17; follow-ups 0.708 until its rule deletions' refit lost fe059)
    "fresh15": (0.79, 0.76, 0.68),  # likewise (session 18)
    "fresh16": (0.76, 1.0, 0.80),  # likewise (session 19)
}
QUESTION_SETS = {qs.name: qs for qs in read_sets()}
SETS = {
    name: (qs.path, {"verbatim_rate": 1.0} if qs.measure_only else {
        "answerable_hit_rate": SET_FLOORS[name][0], "unanswerable_abstain_rate": SET_FLOORS[name][1],
        "followup_hit_rate": SET_FLOORS[name][2], "verbatim_rate": 1.0,
        **({"conflict_hit_rate": 1.0, "replaced_body_hit_rate": 1.0} if name == "dev" else {})})
    for name, qs in QUESTION_SETS.items()
}


@pytest.fixture(scope="module")
def reports(real_engine):
    """Every listed set evaluated once, shared by the floors and the baseline check."""
    return {name: (qs, evaluate(real_engine, read_rows(qs.path))) for name, qs in QUESTION_SETS.items()}


def test_every_development_set_has_floors():
    assert set(SET_FLOORS) == {name for name, qs in QUESTION_SETS.items() if not qs.measure_only}


def test_dev_set_shape():
    rows = read_rows(DEV_SET)
    kinds = [r.kind for r in rows]
    assert len(rows) >= 80 and kinds.count("unanswerable") >= 15 and kinds.count("followup") >= 10
    assert all(r.history for r in rows if r.kind == "followup")
    ids = [r.id for path, _ in SETS.values() for r in read_rows(path)]
    assert len(ids) == len(set(ids)), "question ids must be unique across sets"


def _shown(result) -> bool:
    """Whether the expected text is in the lead or one of its supporting quotes."""
    text = "\n".join([result.answer.answer] + [s.citation.quote for s in result.answer.supporting])
    return result.answer.answered and result.row.expected_text in text


def test_dev_set_targets(reports):
    report = reports["dev"][1]
    metrics = report.metrics
    assert metrics["answerable_hit_rate"] >= 0.91  # the lead alone: below the 0.95 target
    assert metrics["unanswerable_abstain_rate"] >= 0.90
    assert metrics["followup_hit_rate"] >= 0.90
    assert metrics["verbatim_rate"] == 1.0
    answerable = [r for r in report.results if r.row.answerable and r.row.kind != "followup"]
    assert sum(_shown(r) for r in answerable) / len(answerable) >= 0.93  # lead + supporting, as the chat shows them


@pytest.mark.parametrize("name", list(SETS))
def test_leads_are_short(reports, name):
    """Issue 15's targets on every question set: at most 5% of leads over 500 characters, median under 250."""
    path = SETS[name][0]
    lengths = sorted(len(r.answer.answer) for r in reports[name][1].results if r.answer.answered)
    over = sum(n > 500 for n in lengths) / len(lengths)
    assert over <= 0.05, f"{path.name}: {over:.1%} of leads run over 500 characters"
    assert statistics.median(lengths) < 250, f"{path.name}: median lead {statistics.median(lengths)} characters"


@pytest.mark.parametrize("path", [path for path, _ in SETS.values()], ids=list(SETS))
def test_expected_texts_are_in_the_expected_documents(path):
    from bot.corpus.documents import load_corpus
    from bot.settings import PROJECT_ROOT

    bodies = {d.doc_id: d.body for d in load_corpus(PROJECT_ROOT / "corpus", warn=lambda _: None)[0]}
    for row in read_rows(path):
        if row.answerable:
            assert row.expected_text in bodies[row.expected_doc], row.id


@pytest.mark.parametrize("name", list(SETS))
def test_question_set_figures_hold(reports, name):
    path, floors = SETS[name]
    metrics = reports[name][1].metrics
    for metric, floor in floors.items():
        assert metrics[metric] >= floor, f"{path.name}: {metric} fell to {metrics[metric]:.3f} (floor {floor})"


def test_no_development_row_is_lost_since_the_baseline(reports):
    """"Loses no row" is a check: a change that makes any development row wrong fails here.
    A deliberate trade is made by saving a new baseline and listing the moved rows in the
    commit (python -m bot eval --all --baseline tests/data/baseline.json shows them)."""
    diffs = diff_baseline(read_baseline(BASELINE), baseline_record(reports))
    lost = {d.name: d.lost for d in diffs if d.lost}
    assert not lost, f"rows lost since {BASELINE.name}: {lost}"
    assert not [d.name for d in diffs if d.added or d.removed], "sets changed: save a new baseline"


def test_one_typo_per_question_costs_little(real_engine):
    """Each dev question with one slip of the finger (evaluate.with_typos). Without spelling.py
    this set fell to 0.64 answerable and 0.72 follow-ups (whole answers, before issue 15); clean,
    the leads score 0.917 / 0.92 / 0.94, and with one typo 0.907 / 0.897 / 0.833 (session 17)."""
    metrics = evaluate(real_engine, with_typos(read_rows(DEV_SET))).metrics
    assert metrics["answerable_hit_rate"] >= 0.90
    assert metrics["unanswerable_abstain_rate"] >= 0.89
    assert metrics["followup_hit_rate"] >= 0.83


def test_a_typo_is_put_right_but_a_word_the_sources_never_use_is_not(real_engine):
    answer = real_engine.ask("how do i complian about a police officer")
    assert answer.answered and "complaint" in answer.answer.lower()
    assert not real_engine.ask("Where is the nearest police station in Croydon?").answered


def test_a_sentence_going_on_from_the_answer_is_quoted_with_it(real_engine):
    answer = real_engine.ask("How do local people speak to their borough command about policing issues?")
    first = answer.citations[0]
    assert "mechanism for local people" in first.quote and "In most boroughs this takes the form of" in first.quote
    body = real_engine.index.documents[first.doc_id].body
    assert body[first.start:first.end] == first.quote  # one passage, quoted whole



def test_a_list_item_of_a_few_sentences_is_quoted_whole(real_engine):
    answer = real_engine.ask("What does the value of empathy mean?")
    assert answer.answered and answer.citations[0].quote.startswith("Empathy: I will care")
    assert answer.citations[0].quote.endswith("I will take time to clarify and explain my decisions.")


@pytest.mark.parametrize("question", ["What is the Met for, what is its job?", "what's the metropolitan police for?"])
def test_what_is_the_met_for_is_answered_by_its_purpose(real_engine, question):
    answer = real_engine.ask(question)  # not "...contribute to effective job performance", nor a disclaimer
    assert answer.answered and "the purpose of the Met has been to serve and protect" in answer.answer, answer.answer


def test_telling_the_police_how_to_run_things_is_about_operational_independence(real_engine):
    answer = real_engine.ask("Can the Mayor tell the Commissioner how to run the police?")
    assert answer.answered and "remain operationally independent" in answer.citations[0].quote, answer.answer


def test_what_a_plan_was_originally_called_is_its_earlier_version_s_title(real_engine):
    answer = real_engine.ask("What was the plan originally called?")
    assert answer.answered and "an earlier version was titled the Turnaround Plan" in answer.answer, answer.answer

def test_a_role_holder_named_far_from_the_question_s_other_words_is_found(real_engine):
    # The only passage naming the Commissioner is a foreword's credit in a list of quotations.
    answer = real_engine.ask("Who is the current Commissioner of the Met?")
    assert answer.answered and "Commissioner Mark Rowley" in answer.answer


def test_asked_where_else_the_bot_does_not_repeat_itself(real_engine):
    first = real_engine.ask("Where do I complain?")
    history = [Turn("user", "Where do I complain?"), Turn("assistant", first.answer)]
    again = real_engine.ask("Where else can I complain?", history)
    assert again.answered and not {c.quote for c in again.citations} & {c.quote for c in first.citations}, again.answer


def test_it_in_capitals_is_the_department(real_engine):
    answer = real_engine.ask("Who looks after IT at the Met?")
    assert answer.answered and answer.answer.startswith("Digital, Data & Technology (DDaT)"), answer.answer


def test_where_do_i_complain(real_engine):
    answer = real_engine.ask("Where do I complain?")
    assert answer.answered and "complaint" in answer.answer.lower()
    assert any(c.doc_id == "london-police-accountability.md" for c in answer.citations)


@pytest.mark.parametrize("question", ["What is the capital of France?", "How do I renew my passport?",
                                      "What time does the Tower of London open?", "What does a PCSO earn?",
                                      "When is the next MOPAC meeting?",  # a 2017 page's "(in 2010)" is no next date
                                      "How many complaints does the Met get a year?",  # not "Eleven years on"
                                      "Who is the current head of the IOPC?",  # not the murder victims' names
                                      # "sacked" means dismissed, which no source speaks of
                                      "Can the Commissioner be sacked by the Mayor?"])
def test_questions_the_sources_do_not_cover_abstain(real_engine, question):
    answer = real_engine.ask(question)
    assert not answer.answered and answer.suggestions and not answer.citations


def test_a_followup_on_something_no_source_speaks_of_abstains(real_engine):
    first = "Are any Met officers under investigation over Stephen Port?"
    history = [Turn("user", first), Turn("assistant", real_engine.ask(first).answer)]
    assert not real_engine.ask("Were they sacked in the end?", history).answered



@pytest.mark.parametrize("first, then", [("What are PCSOs?", "How can I become one?"), ("What are CPEGs?", "How do I join one?")])
def test_a_followup_stays_on_a_plural_acronym_s_subject(real_engine, first, then):
    # No source says how to become a PCSO or join a CPEG: "becoming the chief operating officer"
    # and "Everyone joining the Met..." are about something else.
    history = [Turn("user", first), Turn("assistant", real_engine.ask(first).answer)]
    assert not real_engine.ask(then, history).answered
    if first == "What are PCSOs?":  # what the sources do say of them is still found (the MPA's figure leads)
        assert "1,440 Police Community Support Officers" in _with_supporting(real_engine.ask("How many are there?", history))

@pytest.mark.parametrize("first", ["Who polices the Underground?", "What is the City of London Police?"])
def test_they_after_an_answer_about_another_force_means_that_force(real_engine, first):
    # The answer is under the force's name; no source gives that force's officer numbers.
    history = [Turn("user", first), Turn("assistant", real_engine.ask(first).answer)]
    assert not real_engine.ask("How many officers do they have?", history).answered
    answer = real_engine.ask("What do they cover?", history)
    assert answer.answered and "London" in answer.answer


def _with_supporting(answer) -> str:
    """The lead and its supporting quotes, as the chat shows them (those collapsed)."""
    return "\n".join([answer.answer] + [s.citation.quote for s in answer.supporting])


def test_figures_from_different_sources_are_the_lead_and_each_other_value_newest_first(real_engine):
    from bot.answering.answer import date_key

    answer = real_engine.ask("How many police officers does the Met have?")
    assert answer.answered and len(answer.lead) == 1
    values = [s.citation for s in answer.supporting if s.why == "conflicting_value"]
    assert values and len({c.doc_id for c in answer.lead + tuple(values)}) >= 2
    keys = [date_key(c.date) for c in values]
    assert keys == sorted(keys, reverse=True)
    assert "32,800" in _with_supporting(answer) and "30,500" in _with_supporting(answer)


def test_answers_about_a_replaced_body_cite_its_replacement(real_engine):
    answer = real_engine.ask("What did the MPA do?")
    assert any("has been replaced by the Mayor's Office" in c.quote for c in answer.citations)
    assert any(c.archived for c in answer.citations)


def test_related_questions_are_ones_the_bot_answers(real_engine):
    for question in ("Where do I complain?", "What is the capital of France?"):
        related = real_engine.ask(question).related
        assert 1 <= len(related) <= 3 and question not in related
        assert all(real_engine.ask(q).answered for q in related)


def test_a_name_holding_the_question_s_word_is_no_other_source_s_statement(real_engine):
    # "...our predecessor the Independent Police Complaints Commission (IPCC)" names complaints,
    # it says nothing about how to make one.
    answer = real_engine.ask("How do I complain about a police officer?")
    assert answer.answered and answer.citations[0].doc_id == "london-police-accountability.md"
    # It may still close the answer, as the passage saying the IPCC was replaced (by the IOPC).
    assert not any(c.quote.startswith("Five of the officers") for c in answer.citations[:-1])


def test_the_sources_statements_of_the_same_thing_are_shown_side_by_side(real_engine):
    answer = real_engine.ask("What is the Met's mission?")
    others = [s.citation for s in answer.supporting if s.why == "other_source"]
    assert others and others[0].doc_id != answer.lead[0].doc_id
    assert {c.doc_id for c in answer.citations} >= {"met-about-us.md", "hmicfrs-met-force-statement.md"}


def test_an_item_of_a_list_split_across_chunks_is_found_by_the_list_s_words(real_engine):
    # "function" is only in the list's introduction, which the chunk boundary put in the chunk before.
    answer = real_engine.ask("What does the Met Operations function do?")
    assert answer.answered and answer.answer.startswith("Met Operations and Performance leads")


def test_what_is_an_acronym_is_answered_first_by_the_passage_spelling_it_out(real_engine):
    answer = real_engine.ask("What is CT?")
    assert answer.answered and "counter-terrorism (CT)" in answer.citations[0].quote


def test_a_followup_s_date_is_about_the_thread_s_subject(real_engine):
    history = [Turn("user", "What is Met Direction?"),
               Turn("assistant", real_engine.ask("What is Met Direction?").answer)]
    assert "begin and end at the top" not in real_engine.ask("When does it end?", history).answer


def test_other_things_than_a_list_just_announced_are_past_that_list(real_engine):
    # The history holds only the list's introduction (a client may shorten it): its five items
    # were what it announced, so "any other" is answered by what comes after them.
    intro = ("We serve London through five operational functions, each headed by an Assistant Commissioner "
             "who sits on the Management Board and all reporting into the Deputy Commissioner:")
    history = [Turn("user", "How is the Met structured?"), Turn("assistant", intro)]
    answer = real_engine.ask("Are there any other functions?", history)
    assert answer.answered and answer.answer.startswith("We have four additional support functions"), answer.answer


def test_the_issue_s_own_conversations(real_engine):
    """Each answer goes back in as history, as a chat client would send it."""
    conversations = [
        (["Who founded the Met?", "When?"], "1829"),
        (["What was the MPA?", "What replaced it?"], "Mayor's Office for Policing and Crime"),
        (["How do I complain to the MPS?", "What's their postal address?"], "SW6 1TR"),
        # Short questions that name nothing lean on the thread too. (The MPS route, with its
        # address, was in the answer just given: the address not yet shown, the IPCC's, leads.)
        (["Where do I complain?", "What's the address?"], "90 High Holborn"),
        (["Where do I complain?", "Can I phone instead?"], "Call 101"),
        # "And X?" asks the last question of X: what followed the last answer is no answer unless it names X.
        (["How big is the Met?", "How many of them are PCSOs?", "And special constables?"], "1,114 Met Specials"),
        # One of the things just listed, though all of them were quoted.
        (["What are the Met's principles?", "Which one is about the frontline?"], "Frontline-focused: We will"),
        # Writing is complaining by post; who a letter goes to is the address it is sent to.
        (["I want to complain about the Met, can I write to them?", "who do I address the letter to?"],
         "DPS Complaints and Satisfaction Team"),
        # A long question closing on "as well" leans on the thread all the same.
        (["Does the Met protect the Royal Family?", "Does that cover foreign embassies and diplomats as well?"],
         "diplomatic matters"),
        # A length of time about the thread's subject: the plan, not "running".
        (["What are the priorities of New Met for London?", "How long does it run?"], "two-year plan"),
    ]
    for questions, expected in conversations:
        history = []
        for question in questions:
            answer = real_engine.ask(question, history)
            history += [Turn("user", question), Turn("assistant", answer.answer)]
        shown = _with_supporting(answer) if questions == ["Where do I complain?", "What's the address?"] else answer.answer
        assert expected in shown, (questions, answer.answer)


def test_where_do_i_complain_leads_with_the_mps_route_and_offers_the_ipcc_route_whole(real_engine):
    """Issue 15: one route as the answer, the other beside it, never cut before its address."""
    answer = real_engine.ask("Where do I complain?")
    assert answer.answered and "with the MPS" in answer.answer and "SW6 1TR" in answer.answer
    assert "IPCC" not in answer.answer
    [ipcc] = [s.citation.quote for s in answer.supporting if "complaint with the IPCC" in s.citation.quote]
    assert ipcc.rstrip().endswith("Tel: 0853 002 00") and "90 High Holborn" in ipcc  # whole, with its address
    assert len(answer.answer) < 500
