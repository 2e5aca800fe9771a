"""Acronyms learned from the documents (acronyms.py) and how they reach retrieval and scoring."""

from bot.query.acronyms import AcronymMap, spells, with_equivalents
from bot.query.conversation import QueryBuilder
from bot.text.terms import terms
from bot.schema import Document


def _learn(*bodies: str) -> AcronymMap:
    return AcronymMap.from_documents([Document(f"d{i}.md", "T", b) for i, b in enumerate(bodies)])


def test_bracketed_definitions_long_names_and_small_words():
    acronyms = _learn(
        "That was recognised by His Majesty’s Inspectorate of Constabulary and Fire & Rescue Services (HMICFRS).",
        "It answers to the Mayor’s Office for Policing and Crime (MOPAC).",
        "Digital, Data & Technology (DDaT) leads the delivery of data services.",
    )
    assert acronyms.names_for("HMICFRS") == {"His Majesty’s Inspectorate of Constabulary and Fire & Rescue Services"}
    assert acronyms.names_for("MOPAC") == {"Mayor’s Office for Policing and Crime"}
    assert acronyms.names_for("DDAT") == {"Digital, Data & Technology"}


def test_the_name_is_the_shortest_run_that_spells_the_acronym():
    acronyms = _learn("Management The Metropolitan Police Service (MPS) is London's force.")
    assert acronyms.names_for("MPS") == {"Metropolitan Police Service"}
    assert _learn("Call us now (NOW) today").pairs == {}  # no capitalised name spells it


def test_acronyms_used_without_brackets_are_matched_by_initials():
    acronyms = _learn("The MPA Domestic and Sexual Violence Board has reviewed all boroughs. The DSVB has also scrutinised calls.")
    assert acronyms.names_for("DSVB") == {"Domestic and Sexual Violence Board"}



def test_a_plural_acronym_is_known_by_its_singular_from_the_start():
    acronyms = _learn("We were the first to introduce Police Community Support Officers (PCSOs).")
    assert acronyms.names_for("PCSO") == acronyms.names_for("PCSOS") == {"Police Community Support Officers"}
    # Known before any question asks "What is a PCSO?": the full name gets the acronym's term
    # whatever was asked before.
    builder = QueryBuilder(acronyms)
    assert "pcso" in builder.build("Who introduced Police Community Support Officers?").terms

def test_spelling_rules():
    assert spells("Mayor’s Office for Policing and Crime".split(), "MOPAC")
    assert spells("Mayor’s Office for Policing and Crime".split(), "MOPC")
    assert not spells("Mayor’s Office for Policing and Crime".split(), "MOP")


def test_the_dense_query_gets_acronyms_spelled_out():
    builder = QueryBuilder(_learn("The Domestic and Sexual Violence Board (DSVB) met."))
    assert builder.build("What is the DSVB?").text == "What is the DSVB (Domestic and Sexual Violence Board)?"
    assert builder.build("What is the Met?").text == "What is the Met?"


def test_a_passage_with_either_form_has_both():
    pairs = _learn("The Domestic and Sexual Violence Board (DSVB) met.").term_equivalents()
    assert "dsvb" in with_equivalents(set(terms("The Domestic and Sexual Violence Board reported.")), pairs)
    assert set(terms("sexual violence")) <= with_equivalents(set(terms("The DSVB reported.")), pairs)


def test_an_acronym_only_the_question_uses_is_found_spelled_out():
    acronyms = _learn("Police for the London Underground, Docklands Light Railway and railway stations.")
    assert acronyms.names_for("DLR") == set()
    builder = QueryBuilder(acronyms)
    query = builder.build("who do i talk to about crime on the DLR")
    assert acronyms.names_for("DLR") == {"Docklands Light Railway"}
    assert "Docklands Light Railway" in query.text and set(terms("docklands railway")) <= set(query.terms)
    builder.build("what about the XYZ?")  # spells nothing: remembered as unresolved, no error
    assert acronyms.names_for("XYZ") == set()
    # Another question spelling the name out is searched for as before anyone asked about the DLR.
    assert "dlr" not in builder.build("who polices the Docklands Light Railway?").terms


def test_names_spelled_two_ways_add_their_terms_once():
    acronyms = _learn("It answers to the Mayor’s Office for Policing and Crime (MOPAC).",
                      "The Mayor's Office for Policing and Crime (MOPAC) replaced it.")
    assert len(acronyms.names_for("MOPAC")) == 2  # curly and straight apostrophes
    assert acronyms.expand("Who chairs MOPAC?") == terms("Mayor's Office for Policing and Crime")


def test_the_corpus_names_are_found_in_a_question_typed_in_lower_case():
    acronyms = _learn("The City of London Police polices the Square Mile. The British Transport Police polices railways.")
    assert acronyms.names_in("how many officers does the city of london police have?") == ["City of London Police"]
    assert acronyms.names_in("british transport police phone number") == ["British Transport Police"]
    assert acronyms.names_in("who polices the trains") == []


def test_a_passage_writing_an_acronym_is_found_by_its_full_name():
    acronyms = _learn("Recognised by His Majesty’s Inspectorate of Constabulary and Fire & Rescue Services (HMICFRS).",
                      "We have 1,440 Police Community Support Officers (PCSOs).")
    disclaimer = "The views and information in it are not necessarily those of HMICFRS. Ask our PCSOs."
    assert acronyms.names_written_in(disclaimer) == [
        "His Majesty’s Inspectorate of Constabulary and Fire & Rescue Services", "Police Community Support Officers"]
    assert acronyms.names_written_in("Nothing here (NOW) is an acronym we know; nor is hmicfrs.") == []


def test_bm25_reads_the_full_names_of_a_chunk_s_acronyms(real_engine):
    # Only "HMICFRS" is written in the disclaimer's chunk: "inspectorate" still finds it.
    hits = real_engine.retriever.lexical.search(terms("inspectorate"), len(real_engine.index.chunks))
    assert any("not necessarily those of HMICFRS" in real_engine.index.chunks[i].text for i, _ in hits)


def test_the_memo_of_unresolved_acronyms_a_question_used_is_bounded(monkeypatch):
    import bot.query.acronyms as acronyms

    monkeypatch.setattr(acronyms, "MAX_UNRESOLVED", 5)
    amap = AcronymMap({}, [["Exampleton", "River", "Line"]])
    for i in range(20):  # questions are anyone's words: twenty made-up acronyms
        amap.learn_from(f"What is the Q{chr(65 + i)}Z{chr(65 + i)}?")
    assert len(amap._unresolved) == 5
    amap.learn_from("Does the ERL run at night?")  # still resolved from the documents
    assert amap.names_for("ERL") == {"Exampleton River Line"}
