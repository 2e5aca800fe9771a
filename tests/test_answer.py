"""Span-scoring helpers of answer.py: pure functions, no model."""

from bot.answer import NUMBER, YEAR_PATTERN, answer_type, date_key, form_penalty, mentions_figure
from bot.conversation import AcronymMap, named_entities
from bot.retrieve import terms


def test_answer_types():
    assert answer_type("How many officers does the Met have?") is NUMBER
    assert answer_type("When was the Met founded?") is YEAR_PATTERN
    assert answer_type("What is MOPAC?") is None


def test_figures_must_count_what_was_asked():
    focus = terms("police officers")
    assert mentions_figure("There are over 34,000 police officers in London.", focus)
    assert not mentions_figure("Stephen Port: officers investigated | BBC News | 16 Nov 2023", focus)
    assert not mentions_figure("Founded in 1829, the police service is old.", focus)
    assert not mentions_figure("It covers 620 square miles.", focus)


def test_sources_sort_by_their_dates():
    assert date_key("April 2025") > date_key("November 2023") > date_key("June 2017") > date_key("")


def test_text_that_cannot_answer_alone_is_penalised():
    assert form_penalty("Who manages the Metropolitan Police?", 5) == 1.0
    assert form_penalty("Louise Casey criticises Met chief | The Guardian | 22 Mar 2023", 5) == 0.5
    assert form_penalty("Met Management Board, DACs, Directors, Commanders", 5) == 0.5
    assert form_penalty("Founded by Sir Robert Peel in 1829, the Met is one of the oldest.", 5) == 0.0


def test_named_entities_include_acronym_expansions():
    acronyms = AcronymMap({"IOPC": {"Independent Office for Police Conduct"}})
    entities = named_entities("What did the IOPC find about Met officers in Paris?", acronyms)
    assert (frozenset({"iopc"}), frozenset(terms("Independent Office for Police Conduct"))) in entities
    assert (frozenset({"pari"}),) in entities
    assert named_entities("where is my nearest police station", acronyms) == ()


def test_blocks_of_questions_or_headlines_are_penalised():
    from bot.answer import block_penalty

    assert block_penalty("- Who manages the Met?\n- What is MOPAC?") == 1.0
    assert block_penalty("Report A | BBC | 2023\nReport B | IOPC | 2023\nA plain line.") == 0.5
    assert block_penalty("Complaints Team\n1 High Street\nLondon AB1 2CD") == 0.0


def test_figures_in_words_count_and_who_questions_are_not_numeric():
    assert mentions_figure("We have four additional support functions.", terms("support functions"))
    assert mentions_figure("Each competency has three levels.", terms("levels"))
    assert answer_type("What is the Met's budget?") is NUMBER
    assert answer_type("who used to set the police budget in london") is None


def test_counted_thing_may_come_a_few_words_after_the_number():
    assert mentions_figure("London receives 30 million domestic and international visitors annually.", terms("visitors"))
    assert not mentions_figure("Eleven years on from the Leveson Inquiry little has changed.", terms("murders"))


def test_a_part_of_a_group_is_not_a_count_of_it():
    officers = terms("police officers")
    assert not mentions_figure("Five of the officers were subjects in the investigation.", officers)
    assert mentions_figure("the Met had over 32,800 of the 146,868 police officers", officers)
    assert mentions_figure("22% of all police officers", officers)
    assert not mentions_figure("three are still serving and two are former officers.", officers)
