"""Questions asking for a list get the list's introduction and each item's first sentence (lists.py)."""

import pytest

from bot.answering.answer import JOINER
from bot.index.embed import HashingEmbedder
from bot.engine import Engine
from bot.answering.lists import Lists, find_lists
from bot.query.qtype import list_head
from bot.query.validate import Turn
from bot.schema import Document

VALUES = """Our Values

Everything we do is underpinned by our values. These define how we behave and serve.

- Integrity: I will always try to do the right thing. I will be fair and consistent in all I do.
- Courage: I will show courage by making tough decisions. I will challenge bad behaviour.
- Respect: I will respect the rights of everyone I meet. I will listen.

Competencies are skills. They help us do the job. There are three competencies in the framework:

We are emotionally aware

We take ownership

We collaborate

A closing paragraph.
"""


def quotes(doc: Document, offsets) -> list[str]:
    return [doc.body[s:e] for s, e in offsets]


def test_a_bulleted_list_with_its_introduction_and_each_item_s_first_sentence():
    doc = Document("values.md", "Values", VALUES)
    bullets, lines = find_lists(doc)
    assert quotes(doc, bullets.pieces()) == [
        "Everything we do is underpinned by our values. These define how we behave and serve.",
        "Integrity: I will always try to do the right thing.",
        "Courage: I will show courage by making tough decisions.",
        "Respect: I will respect the rights of everyone I meet.",
    ]
    assert bullets.heading == "Our Values" and "valu" in bullets.intro_terms
    # Short lines after a sentence ending in ':' are a list too; a long intro gives its last sentence.
    assert quotes(doc, lines.pieces()) == [
        "There are three competencies in the framework:",
        "We are emotionally aware", "We take ownership", "We collaborate",
    ]
    assert Lists([bullets, lines]).containing("values.md", doc.body.index("Courage")) == bullets
    assert Lists([bullets, lines]).containing("values.md", doc.body.index("A closing")) is None


def test_two_lines_are_no_list():
    doc = Document("d.md", "D", "Intro:\n\n- one\n- two\n\nThen:\n\nAlpha\n\nBeta\n")
    assert find_lists(doc) == []


@pytest.mark.parametrize("question, head", [
    ("What are the Met's values?", ["valu"]),
    ("what are its principles", ["principl"]),
    ("What are the five operational functions of the Met?", ["function"]),
    ("List the support functions", ["function"]),
    ("How is the Met structured?", ["structur"]),
    ("What is the Met's budget?", []),
    ("Who runs the Met?", []),
    ("What are the Met's values about honesty worth", []),
])
def test_list_questions_name_what_the_list_is_of(question, head):
    assert list_head(question) == head


@pytest.fixture
def values_engine(tiny_settings, tiny_corpus) -> Engine:
    (tiny_corpus / "values.md").write_text("---\ntitle: Example Police Service: our values\n---\n" + VALUES, encoding="utf-8")
    return Engine.load(tiny_settings, embedder=HashingEmbedder(), progress=lambda _: None)


def test_a_list_question_is_answered_by_the_list(values_engine):
    answer = values_engine.ask("What are your values?")
    assert answer.answered
    assert [c.quote for c in answer.citations] == [
        "Everything we do is underpinned by our values. These define how we behave and serve.",
        "Integrity: I will always try to do the right thing.",
        "Courage: I will show courage by making tough decisions.",
        "Respect: I will respect the rights of everyone I meet.",
    ]
    assert answer.answer == JOINER.join(c.quote for c in answer.citations)
    for c in answer.citations:
        assert values_engine.document(c.doc_id).body[c.start:c.end] == c.quote


def test_an_introduction_ending_in_a_colon_brings_its_list(values_engine):
    # Not a list question, but its best passage only introduces a list: the list answers.
    answer = values_engine.ask("Tell me about the competencies in the framework")
    assert [c.quote for c in answer.citations] == [
        "There are three competencies in the framework:", "We are emotionally aware", "We take ownership", "We collaborate",
    ]


def test_a_question_about_one_item_is_not_answered_by_the_whole_list(values_engine):
    answer = values_engine.ask("What will I do with courage?")
    assert answer.answered and not any(c.quote.startswith("Everything we do") for c in answer.citations)


@pytest.mark.integration
def test_the_met_s_values_are_listed(real_engine):
    answer = real_engine.ask("What are the Met's values?")
    for value in ("Integrity", "Courage", "Accountable", "Respect", "Empathy"):
        assert value + ":" in answer.answer
    structure = real_engine.ask("How is the Met structured?")
    assert structure.answer.startswith("We serve London through five operational functions")
    assert "Specialist Operations" in structure.answer
    # The list must be about what the question names: the IOPC's functions are not the Met's.
    other = real_engine.ask("What are the IOPC's functions?")
    assert not any(c.quote.startswith("We serve London through") for c in other.citations)


def test_list_items_standing_alone_are_not_offered_as_related_questions(tiny_settings, tiny_corpus):
    (tiny_corpus / "skills.md").write_text(
        "---\ntitle: Skills\n---\nHow we assess staff\n\nThere are three skills in the framework:\n\n"
        "We are emotionally aware\n\nWe take full ownership\n\nWe work together well\n\nA closing paragraph here.\n",
        encoding="utf-8")
    engine = Engine.load(tiny_settings, embedder=HashingEmbedder(), progress=lambda _: None)
    # "We work together well" is followed by a paragraph, so the chunker takes it for a heading.
    assert "How we assess staff" in engine.related.texts
    assert not set(engine.related.texts) & {"We are emotionally aware", "We take full ownership", "We work together well"}


TEAMS = "\n".join([
    'Our Teams',
    '',
    'The wardens report to the Harbour Master, who leads three teams:',
    '',
    '- Harbour Operations looks after the quays, the moorings and the lock gates, every day of the'
    ' year, in every weather, and keeps the logs of every ship that comes in or leaves.',
    '- Safety & Rescue (S&R) answers calls from boats in trouble, trains volunteers in first aid'
    ' and sea rescue, and checks the lifebuoys along the harbour wall each week of the season.',
    '- Visitor Services runs the harbour museum, the guided walks along the breakwater and the'
    ' lighthouse tours, and answers letters and calls from people planning a visit.',
    '',
    '- Honesty: we tell people what we know, when we know it.',
    '- Care: we look after the harbour as if it were our own.',
    '- Patience: we listen first.',
    '',
    '- We keep records.',
    '- We check the gates.',
    '- We listen.',
    '',
])


def test_each_item_s_name_a_colon_head_or_a_capitalised_run_and_none_when_an_item_lacks_one():
    doc = Document("teams.md", "Teams", TEAMS)
    teams, values, plain = find_lists(doc)
    assert quotes(doc, teams.named_pieces()) == [
        "The wardens report to the Harbour Master, who leads three teams:",
        "Harbour Operations", "Safety & Rescue (S&R)", "Visitor Services",
    ]
    assert quotes(doc, values.names) == ["Honesty", "Care", "Patience"]
    # "We" starts every item: a sentence's first word is no name.
    assert plain.names == () and plain.named_pieces() == []


def test_a_long_list_no_item_of_which_answers_is_quoted_by_its_items_names(tiny_settings, tiny_corpus):
    (tiny_corpus / "teams.md").write_text("---\ntitle: Harbour Trust: our teams\n---\n" + TEAMS, encoding="utf-8")
    engine = Engine.load(tiny_settings, embedder=HashingEmbedder(), progress=lambda _: None)
    teams = find_lists(engine.document("teams.md"))[0]
    pieces = engine.extractor.assembler._intro_and_item(teams, [])
    doc = engine.document("teams.md")
    assert [doc.body[s:e] for _, s, e in pieces] == [
        "The wardens report to the Harbour Master, who leads three teams:",
        "Harbour Operations", "Safety & Rescue (S&R)", "Visitor Services",
    ]


def test_after_one_item_what_goes_on_is_the_list_s_introduction_unless_another_item_is_named(tiny_settings, tiny_corpus):
    (tiny_corpus / "teams.md").write_text("---\ntitle: Harbour Trust: our teams\n---\n" + TEAMS, encoding="utf-8")
    engine = Engine.load(tiny_settings, embedder=HashingEmbedder(), progress=lambda _: None)
    doc = engine.document("teams.md")
    item = next(doc.body[s:e] for s, e in find_lists(doc)[0].items if doc.body[s:e].startswith("Safety"))
    history = [Turn("user", "What does Safety & Rescue do?"), Turn("assistant", item)]
    for question in ("Who leads it?", "And who is in charge of it?"):
        # The introduction says who; the item it is asked about goes with it, not the next item.
        answer = engine.ask(question, history)
        assert answer.answered and [c.quote[:24] for c in answer.citations[:2]] == [
            "The wardens report to th", "Safety & Rescue (S&R) an"], question
    # The question names another item: that item, not the introduction.
    other = engine.ask("And what about the museum?", history)
    assert other.answered and other.citations[0].quote.startswith("Visitor Services runs the harbour museum")


def test_asked_to_go_on_from_a_quoted_introduction_the_whole_short_list_answers(tiny_settings, tiny_corpus):
    (tiny_corpus / "guild.md").write_text("---\ntitle: Harbour Trust: the guild\n---\n" + "\n".join([
        "The Guild", "",
        "The Trust supports the work of the Guild of Harbour Towns by:", "",
        "- sharing its tide tables with member towns;",
        "- lobbying the government on mooring fees;",
        "- training harbour masters from other towns.", "",
        "A closing paragraph about something else entirely.", ""]), encoding="utf-8")
    engine = Engine.load(tiny_settings, embedder=HashingEmbedder(), progress=lambda _: None)
    history = [Turn("user", "What is the Trust's link to the Guild?"),
               Turn("assistant", "The Trust supports the work of the Guild of Harbour Towns by:")]
    answer = engine.ask("Like what?", history)
    assert answer.answered
    quotes_given = [c.quote for c in answer.citations]
    assert {"sharing its tide tables with member towns;", "lobbying the government on mooring fees;",
            "training harbour masters from other towns."} <= set(quotes_given), quotes_given
