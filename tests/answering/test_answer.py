"""Span-scoring helpers of answer.py: pure functions, no model."""

from bot.answering.answer import date_key
from bot.text.forms import block_penalty, form_penalty
from bot.query.acronyms import AcronymMap
from bot.query.conversation import named_entities
from bot.text.terms import terms


def test_sources_sort_by_their_dates():
    assert date_key("April 2025") > date_key("November 2023") > date_key("June 2017") > date_key("")


def test_text_that_cannot_answer_alone_is_penalised():
    assert form_penalty("Who manages the Metropolitan Police?", 5) == 1.0
    assert form_penalty("Louise Casey criticises Met chief | The Guardian | 22 Mar 2023", 5) == 0.5
    assert form_penalty("Met Management Board, DACs, Directors, Commanders", 5) == 0.5
    assert form_penalty("Founded by Sir Robert Peel in 1829, the Met is one of the oldest.", 5) == 0.0
    # A lead-in only introduces its answer; a statement that happens to end in a colon is fine.
    assert form_penalty("You can raise a complaint with the MPS either online here or by post to:", 5) == 0.5
    assert form_penalty("We have four support functions led by Chief Officers, which sit at Management Board:", 5) == 0.0


def test_named_entities_include_acronym_expansions():
    acronyms = AcronymMap({"IOPC": {"Independent Office for Police Conduct"}})
    entities = named_entities("What did the IOPC find about Met officers in Paris?", acronyms)
    assert (frozenset({"iopc"}), frozenset(terms("Independent Office for Police Conduct"))) in entities
    assert (frozenset({"pari"}),) in entities
    assert named_entities("where is my nearest police station", acronyms) == ()
    # A plural acronym is one too, found by its singular's full name.
    acronyms = AcronymMap({"PCSO": {"Police Community Support Officers"}})
    assert named_entities("What are PCSOs?", acronyms)[0][1] == frozenset(terms("Police Community Support Officers"))


def test_blocks_of_questions_or_headlines_are_penalised():
    assert block_penalty("- Who manages the Met?\n- What is MOPAC?") == 1.0
    assert block_penalty("Report A | BBC | 2023\nReport B | IOPC | 2023\nA plain line.") == 0.5
    assert block_penalty("Complaints Team\n1 High Street\nLondon AB1 2CD") == 0.0


def test_what_a_number_question_counts_keeps_time_only_when_time_is_counted():
    from bot.answering.figures import FigurePicker
    from bot.query.qtype import counted_phrase
    from bot.retrieval.retrieve import LexicalIndex

    picker = FigurePicker(LexicalIndex(["murders last year in London", "seven weeks of evidence", "officers and staff"]), {})
    focus = terms("murders last year evidence weeks")
    # "How many murders last year?" counts murders, not years...
    assert "year" not in picker.counted(focus, counted_phrase("How many murders last year?"))
    # ...but "How many weeks of evidence...?" counts weeks.
    assert "week" in picker.counted(focus, counted_phrase("How many weeks of evidence did the jury hear?"))


def test_a_fitted_ranker_chooses_which_figure_leads():
    """With the fitted ranker's order (``ScoredSpan.fitted`` set) its best figure leads; the hand
    rules alone lead with the figure whose neighbouring words carry most of what is counted."""
    from bot.answering.answer import Weights
    from bot.answering.figures import FigurePicker
    from bot.retrieval.retrieve import LexicalIndex
    from bot.schema import ScoredSpan, Span

    plain = "The lighthouse trust employs 120 wardens along the whole of the northern coast today."
    named = "Over 300 volunteer harbour wardens helped the lighthouse trust along the coast in its first year."
    spans = [Span(0, "a.md", 0, len(plain), plain), Span(1, "b.md", 0, len(named), named)]
    picker = FigurePicker(LexicalIndex([plain, named, "An unrelated page about tides."]),
                          {"a.md": (2025, 1), "b.md": (2020, 1)})
    focus, head = terms("volunteer harbour wardens"), terms("volunteer harbour wardens")

    def scored(fitted: tuple[float, float] | None) -> list[ScoredSpan]:
        return [ScoredSpan(i, s, 1.0 - 0.01 * i, 0.5, 0.5, 0.5, 1.0, fitted=None if fitted is None else fitted[i])
                for i, s in enumerate(spans)]

    assert picker.pick(scored(None), focus, False, head, Weights())[0].text == named
    assert picker.pick(scored((2.0, 1.0)), focus, False, head, Weights())[0].text == plain


def test_an_assembled_answer_checks_its_pieces_and_reasons():
    import pytest

    from bot.answering.assemble import Assembled
    from bot.schema import Span

    span = Span(0, "a.md", 0, 10, "Ten chars.")
    assembled = Assembled((("a.md", 0, 10),), ((span, "other_source"),))
    assert assembled.lead == (("a.md", 0, 10),) and assembled.supporting[0][1] == "other_source"
    with pytest.raises(ValueError, match="start < end"):
        Assembled((("a.md", 10, 10),))
    with pytest.raises(ValueError, match="'because'"):
        Assembled((("a.md", 0, 10),), ((span, "because"),))

