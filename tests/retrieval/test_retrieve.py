import faiss
import numpy as np
import pytest

from bot.query.acronyms import AcronymMap
from bot.query.conversation import QueryBuilder, is_followup
from bot.retrieval.retrieve import HybridRetriever, LexicalIndex, reciprocal_rank_fusion
from bot.text.terms import terms
from bot.schema import Document
from bot.query.validate import Turn


def test_rrf_rewards_agreement_between_rankings():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]], k=60)
    assert max(fused, key=fused.get) == 1
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[4] == pytest.approx(1 / 63)
    with pytest.raises(ValueError, match="rrf k"):
        reciprocal_rank_fusion([[1]], k=0)


def test_terms_fold_accents_and_keep_every_letter():
    # A question typed without accents finds the name written with them, and a word with a letter
    # outside a-z is one term, not two fragments ("Céloron" was "c" + "loron").
    assert terms("Céloron's expedition") == terms("Celoron's expedition") == ["celoron", "expedit"]
    assert terms("Łódź") == ["łodz"] and len(terms("Śródmieście")) == 1


def test_terms_stem_and_drop_stopwords():
    assert terms("Where do I make Complaints?") == ["make", "complaint"]
    assert "101" in terms("Call 101") and "sw6" in terms("London SW6 1TR")
    # "found" (find) is not "founded": "Who founded the Met?" must not match "Met police found to be..."
    assert terms("founded") != terms("found") and terms("found") == terms("find") == terms("findings")
    assert terms("What does 'precise' mean?") == terms("precise")  # the question's frame is no content
    assert terms("Who else do they protect?") == terms("protect")
    assert terms("what sort of tech stuff, basically?") == terms("tech")  # chat filler
    assert terms("hi mate, i reckon the budget is big nowadays, yeah?") == terms("budget big")
    assert terms("What did the report say about morale?") == terms("report morale")


def test_bm25_finds_acronyms_and_numbers_exactly():
    lex = LexicalIndex(["Complain to the IPCC by post.", "Call 101 to complain.", "Write to London SW6 1TR.", "Peel founded it."])
    assert lex.search(terms("IPCC"), 2)[0][0] == 0
    assert lex.search(terms("101"), 2)[0][0] == 1
    assert lex.search(terms("SW6 1TR"), 2)[0][0] == 2
    assert lex.search(terms("zebra"), 2) == []


def test_each_ranking_s_top_chunk_survives_fusion():
    # Chunk 0 is first for BM25 (the only one with "1999") but last by meaning.
    texts = ["Until 1999 the Home Secretary managed it."] + [f"Managing the service, part {i}." for i in range(1, 12)]
    vectors = np.eye(12, dtype=np.float32)
    query = np.zeros(12, dtype=np.float32)
    query[1:] = np.linspace(1.0, 0.5, 11)  # dense ranks 1, 2, 3... and chunk 0 not at all
    query /= np.linalg.norm(query)
    index = faiss.IndexFlatIP(12)
    index.add(vectors)
    fused_only = HybridRetriever(index, vectors, LexicalIndex(texts), each_top=0).search(query, terms("managed 1999"), 3)
    kept = HybridRetriever(index, vectors, LexicalIndex(texts), each_top=1).search(query, terms("managed 1999"), 3)
    assert 0 not in [h.chunk_id for h in fused_only]
    assert [h.chunk_id for h in kept][:3] == [h.chunk_id for h in fused_only] and 0 in [h.chunk_id for h in kept]


def test_acronyms_are_learned_from_the_documents():
    doc = Document("a.md", "A", "The Metropolitan Police Authority (MPA) was replaced by the Mayor's Office for Policing and Crime (MOPAC).")
    acronyms = AcronymMap.from_documents([doc])
    assert acronyms.pairs["MPA"] == {"Metropolitan Police Authority"}
    assert set(terms("authority")) <= set(acronyms.expand("What did the MPA do?"))
    assert "mpa" in acronyms.expand("What did the Metropolitan Police Authority do?")


@pytest.mark.parametrize("question, expected", [
    ("When?", True), ("What's their postal address?", True), ("What replaced it?", True),
    ("And how many staff?", True), ("What about the IOPC?", True), ("Who founded the Metropolitan Police?", False),
    # Short and naming nothing: it leans on the thread. Naming something, it stands alone.
    ("What's the address?", True), ("Can I phone instead?", True),
    ("What are PCSOs?", False), ("Where is Scotland Yard?", False),
    ("Where can I complain about an officer?", False),
    # Long, but presupposing what was said: "another", "as well", "instead" point back at it.
    ("I'm hard of hearing though, is there another way to get through?", True),
    ("Is there anyone independent keeping an eye on the Met as well?", True),
    ("Could I send my complaint to the Independent Office for Police Conduct instead?", True),
    ("Is there an independent group keeping an eye on the Met?", False),
])
def test_followup_detection(question, expected):
    history = [Turn("user", "Who founded the Met?"), Turn("assistant", "Sir Robert Peel.")]
    assert is_followup(question, history) is expected
    assert is_followup(question, []) is False


@pytest.mark.parametrize("question, parallel", [
    ("And special constables?", True), ("What about the IOPC?", True),
    ("And what did it find?", False), ("And then what happened?", False), ("When?", False),
])
def test_a_followup_asking_the_last_question_of_something_else_is_parallel(question, parallel):
    q = QueryBuilder(AcronymMap()).build(question, [Turn("user", "How many PCSOs are there?")])
    assert q.followup and q.parallel is parallel


def test_a_name_asked_for_lets_a_title_line_be_the_answer():
    build = QueryBuilder(AcronymMap()).build
    assert build("Who looks after the canals?").who_which
    assert build("what's the harbour's own force called?").who_which  # a name, in other words
    assert not build("What does the harbour force do?").who_which
    # "And X?" asks the last question again of something else: a name it asked for, too.
    history = [Turn("user", "Who looks after the canals?"), Turn("assistant", "A national body for the waterways.")]
    assert build("what about the docks?", history).who_which
    assert not build("what about the docks?", [Turn("user", "What does the canal body do?")]).who_which


def test_they_after_asking_for_someone_is_whom_the_answer_named():
    build = QueryBuilder(AcronymMap()).build
    answer = Turn("assistant", "You can also complain to the Harbour Ombudsman Service by post.")
    asked = [Turn("user", "can I complain to someone other than the council?"), answer]
    assert {"harbour", "ombudsman"} <= set(build("what's their address?", asked).terms)
    # Not when the last question asked for no one: "they" is then what the thread is about.
    about = [Turn("user", "how do I complain about the council?"), answer]
    assert "ombudsman" not in build("what's their address?", about).terms
    # Nor when the answer names several: which one "they" is, nothing says.
    two = [asked[0], Turn("assistant", "The Harbour Ombudsman Service or the Canal Watch Panel.")]
    assert "ombudsman" not in build("what's their address?", two).terms


@pytest.mark.parametrize("question, selection", [
    ("Which one is about the frontline?", True), ("and which of those deals with terrorism?", True),
    ("Which part of the Met handles IT?", False), ("What about the frontline?", False),
])
def test_a_followup_choosing_among_what_was_listed_is_a_selection(question, selection):
    q = QueryBuilder(AcronymMap()).build(question, [Turn("user", "What are the Met's principles?")])
    assert q.followup and q.selection is selection


@pytest.mark.parametrize("question, other", [
    ("Are there any other functions?", True), ("Is there another way?", True), ("Any more functions?", True),
    ("What are the functions?", False), ("What does the other one do?", False),
    ("what other responsibilities has it got along those lines?", True), ("Where else can I complain?", True),
    ("who else can I go to?", True), ("What else did it find?", False),  # "what else" asks to go on
])
def test_a_followup_asking_for_something_besides_what_was_said_is_marked(question, other):
    q = QueryBuilder(AcronymMap()).build(question, [Turn("user", "How is the Met structured?")])
    assert q.followup and q.other is other


def test_followup_query_carries_the_previous_question():
    q = QueryBuilder(AcronymMap()).build("What's their postal address?", [Turn("user", "How do I complain to the MPS?")])
    assert q.followup and "complain" in q.text and "complain" in q.terms and "address" in q.terms


def test_followup_context_reaches_back_to_the_question_that_stands_alone():
    from bot.query.conversation import topic_questions

    history = [
        Turn("user", "What is the Met's reform plan called?"), Turn("assistant", "New Met for London."),
        Turn("user", "How long does it run for?"), Turn("assistant", "A two-year plan."),
    ]
    assert topic_questions(history) == ["What is the Met's reform plan called?", "How long does it run for?"]
    q = QueryBuilder(AcronymMap()).build("What was it called before?", history)
    assert "reform" in q.terms and "reform plan" in q.text
    # A standalone question in between cuts the chain.
    assert topic_questions(history[:2] + [Turn("user", "Who founded the Met?")]) == ["Who founded the Met?"]


def test_a_followup_without_names_inherits_the_thread_s_acronyms():
    acronyms = AcronymMap({"IPCC": {"Independent Police Complaints Commission"}})
    history = [Turn("user", "What is the IPCC at the Met?"), Turn("assistant", "...")]
    q = QueryBuilder(acronyms).build("What replaced it?", history)
    assert [frozenset(["ipcc"]) in e for e in q.entities] == [True]  # the body, not "Met"
    # A follow-up naming its own body keeps its own.
    own = QueryBuilder(acronyms).build("And the IOPC?", history)
    assert all(frozenset(["ipcc"]) not in e for e in own.entities)


def test_a_yes_no_question_is_encoded_as_the_statement_it_asks_about():
    q = QueryBuilder(AcronymMap()).build("Does the Met put the public first?")
    assert q.text == "the Met put the public first?" and q.question == "Does the Met put the public first?"
    assert QueryBuilder(AcronymMap()).build("Who does the Met report to?").text == "Who does the Met report to?"


def test_followup_knows_what_was_already_quoted():
    history = [Turn("user", "What's the top priority?"),
               Turn("assistant", "Bearing down on violent crime is the top priority. … It was set in 2020.")]
    q = QueryBuilder(AcronymMap()).build("what does that cover?", history)
    assert q.quoted == ("Bearing down on violent crime is the top priority.", "It was set in 2020.")
    assert q.last_quoted == q.quoted and q.elaboration
    assert not QueryBuilder(AcronymMap()).build("When?", history).elaboration


def test_narrative_followups_ask_for_what_comes_next():
    history = [Turn("user", "Who managed the Met until 1999?"), Turn("assistant", "The Commissioner and the Home Secretary.")]
    builder = QueryBuilder(AcronymMap())
    assert builder.build("what was set up after that?", history).elaboration
    assert builder.build("and then?", history).elaboration
    assert not builder.build("and when was that?", history).elaboration


def test_colloquial_wording_reaches_both_lexical_and_dense_queries():
    from bot.query.conversation import Colloquial

    slang = Colloquial.load()
    assert set(terms("corruption misconduct police officers")) <= set(slang.terms("which department goes after bent coppers"))
    assert set(terms("accountable")) <= set(slang.terms("who does the met answer to"))
    assert slang.terms("what is the scope of the telescope") == []  # whole words only: no "cop" in "scope"
    assert slang.for_encoder("is the met strapped for cash") == "is the met strapped for cash (budget constraints)"
    assert slang.for_encoder("what did the casey report say") == "what did the casey report say"  # 'report': lexical only
    assert "complaint" in slang.terms("what did the casey report say")
    # Everyday abbreviations the sources only spell out: "HR" is "Human Resources". A phrase
    # written in capitals matches only in capitals: "IT" the department, never the pronoun.
    assert set(terms("human resources")) <= set(slang.terms("and who does hr?"))
    assert "technolog" in slang.terms("Who looks after IT at the Met?")
    assert "purpos" in slang.terms("What was the old police authority actually there for?")
    assert slang.terms("what is it for?") == [] and slang.for_encoder("is it free?") == "is it free?"


def test_informal_words_are_found_through_their_plain_words_but_hints_are_not():
    from bot.query.conversation import Colloquial

    slang = Colloquial.load()
    aliases = slang.aliases("is there anyone for gay people at the met")
    assert aliases == {"gay": frozenset(terms("LGBT+"))}  # "people" -> population is only a hint
    assert slang.aliases("what is the minimum age to join") == {}
