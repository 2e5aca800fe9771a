"""Engine behaviour on the tiny corpus with the hashing embedder: offline and fast."""

import threading

import numpy as np
import pytest

from bot.answering.answer import JOINER, NOT_COVERED
from bot.text.terms import terms
from bot.query.validate import Turn
from threads import run_in_threads


def assert_verbatim(engine, answer):
    for c in answer.citations + answer.suggestions:
        assert engine.document(c.doc_id).body[c.start:c.end] == c.quote
    if answer.answered:
        assert answer.answer == JOINER.join(c.quote for c in answer.citations)


def test_answers_are_verbatim_and_cited(tiny_engine):
    answer = tiny_engine.ask("How do I make a complaint about a police officer?")
    assert answer.answered and answer.citations
    assert "make the complaint to the Example Police Service" in answer.answer
    assert answer.citations[0].doc_id == "complaints.md" and answer.citations[0].date == "June 2017"
    assert_verbatim(tiny_engine, answer)


def test_unrelated_questions_abstain_with_suggestions(tiny_engine):
    answer = tiny_engine.ask("What is the capital of France?")
    assert not answer.answered and answer.answer == NOT_COVERED and not answer.citations
    assert_verbatim(tiny_engine, answer)
    assert answer.to_dict()["suggestions"] == [c.to_dict() for c in answer.suggestions]


def test_followup_uses_history(tiny_engine):
    history = [Turn("user", "How do I make a complaint to the Example Police Service?"), Turn("assistant", "...")]
    query = tiny_engine.queries.build("What's their postal address?", history)
    assert query.followup and "complaint" in query.terms
    followed = tiny_engine.retrieve("What's their postal address?", history)
    assert tiny_engine.index.chunks[followed[0].chunk_id].doc_id == "complaints.md"
    # Without the history nothing ties the question to complaints.
    assert not tiny_engine.queries.build("What's their postal address?").followup


def test_acronyms_from_the_corpus_reach_retrieval(tiny_engine):
    hits = tiny_engine.retrieve("What did the EPA do?")
    assert tiny_engine.index.chunks[hits[0].chunk_id].doc_id == "authority.txt"


def test_bad_requests_become_error_answers(tiny_engine):
    assert tiny_engine.handle({"question": "  "}).error == "question is empty"
    assert "must be a string" in tiny_engine.handle({"question": 3}).error
    assert "too long" in tiny_engine.handle({"question": "x" * 5000}).error
    assert "history" in tiny_engine.handle({"question": "hi", "history": "nope"}).error


def test_documents_are_only_the_indexed_ones(tiny_engine):
    assert tiny_engine.document("complaints.md").title == "Making a complaint"
    assert tiny_engine.document("../../etc/passwd") is None
    assert tiny_engine.document("authority.txt").title == "The Example Police Authority"
    assert len(tiny_engine.documents()) == 3


def test_one_engine_answers_from_many_threads(tiny_engine):
    expected = tiny_engine.ask("Who founded the service?").to_dict()
    results, errors = [], []

    def worker():
        try:
            for _ in range(20):
                results.append(tiny_engine.ask("Who founded the service?").to_dict())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 160 and all(r == expected for r in results)


def test_the_extractor_reads_the_vector_the_query_holds(tiny_engine):
    """score and answer take no vector beside the query: they read query.vector, so one that
    was never embedded (built, not read) is refused, naming the question."""
    query = tiny_engine.read("Who runs the Example Authority?")
    hits = tiny_engine.retriever.search(query.vector, query.terms, 5)
    assert tiny_engine.extractor.score(query, hits)
    unread = tiny_engine.queries.build("Who runs the Example Authority?")
    for call in (lambda: tiny_engine.extractor.score(unread, hits), lambda: tiny_engine.extractor.answer(unread, hits, 0.5)):
        with pytest.raises(ValueError, match="'Who runs the Example Authority\\?' is not embedded"):
            call()


def test_newer_source_wins_a_tie_and_older_is_not_hidden(tmp_path):
    from bot.index.embed import HashingEmbedder
    from bot.engine import Engine
    from bot.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "The Example Police Service is overseen by the Example Board.\n"
    (corpus / "old.md").write_text("---\ntitle: Old page\ndate: June 2017\n---\n" + text)
    (corpus / "new.md").write_text("---\ntitle: New page\ndate: April 2025\n---\n" + text)
    (corpus / "only-old.md").write_text("---\ntitle: Archive\ndate: May 2010\narchived: true\n---\n"
                                        "The Example Police Authority set the police budget every year.\n")
    engine = Engine.load(Settings(corpus_dir=corpus, index_dir=tmp_path / "idx"), embedder=HashingEmbedder(),
                         progress=lambda _: None)
    assert engine.ask("Who oversees the Example Police Service?").citations[0].doc_id == "new.md"
    query = engine.read("Who oversees the Example Police Service?")
    scored = engine.extractor.score(query, engine.retriever.search(query.vector, query.terms, 5))
    assert [s.span.doc_id for s in scored[:2]] == ["new.md", "old.md"]  # same words: the newer ranks first
    only = engine.ask("Who set the police budget every year?")
    assert only.answered and only.citations[0].doc_id == "only-old.md" and only.citations[0].archived


def _engine_on(tmp_path, text: str = "", pages: dict[str, str] | None = None, **settings):
    from bot.index.embed import HashingEmbedder
    from bot.engine import Engine
    from bot.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, body in (pages or {"page.md": text}).items():
        (corpus / name).write_text(f"---\ntitle: {name}\n---\n" + body)
    return Engine.load(Settings(corpus_dir=corpus, index_dir=tmp_path / "idx", **settings), embedder=HashingEmbedder(),
                       progress=lambda _: None)


def _priority_thread(tmp_path, second: str):
    """A toy page (the top priority, ``second``, then something unrelated) and the history after
    asking for the priority. The hashing embedder's scores are not calibrated like the real
    model's: these tests are about which passage answers, so the bar to answer is set low."""
    from bot.query.validate import Turn

    engine = _engine_on(tmp_path, abstain_threshold=0.2, text=(
        "Bearing down on violent crime is the top priority of the Example Police.\n\n"
        f"{second}\n\n"
        "The Example Police also runs a museum of old uniforms in the town hall.\n"
    ))
    first = engine.ask("What is the top priority of the Example Police?")
    return engine, first, [Turn("user", "What is the top priority of the Example Police?"), Turn("assistant", first.answer)]


def test_asking_to_go_on_gets_the_next_passage_not_the_same_one(tmp_path):
    engine, first, history = _priority_thread(tmp_path, "Knife crime, robbery and domestic abuse all come under that priority.")
    assert first.answered and first.answer == "Bearing down on violent crime is the top priority of the Example Police."
    more = engine.ask("What does that cover?", history)
    assert more.answered and more.answer.startswith("Knife crime, robbery and domestic abuse")


def test_a_sentence_going_on_from_the_answer_comes_with_it_and_going_on_gets_what_follows_both(tmp_path):
    engine, first, history = _priority_thread(tmp_path, "This includes knife crime, robbery and domestic abuse.")
    assert first.answer == ("Bearing down on violent crime is the top priority of the Example Police.\n\n"
                            "This includes knife crime, robbery and domestic abuse.")
    assert len(first.citations) == 1  # one passage, quoted whole
    more = engine.ask("Tell me more", history)
    assert more.answered and more.answer.startswith("The Example Police also runs a museum")


def test_a_passage_without_what_the_question_needs_does_not_answer(tmp_path):
    engine = _engine_on(tmp_path, pages={
        "board.md": "The Example Board oversees the Example Police Service and its officers.\n",
        "police.md": "The Example Police Service was founded in 1900 by Jane Smith.\n",
    })
    assert engine.ask("When was the Example Police Service founded?").answered
    assert engine.ask("Who founded the Example Police Service?").answered
    # The corpus names the Board but gives no date, head count or chair for it.
    for question in ("When was the Example Board set up?", "How many officers does the Example Board have?",
                     "Who is the chair of the Example Board?"):
        answer = engine.ask(question)
        assert not answer.answered, (question, answer.answer)


def test_the_passage_after_the_last_answer_is_found_even_when_retrieval_misses_it(tmp_path):
    from bot.query.validate import Turn

    filler = "".join(f"## Part {n}\n\nWhat was set up after the Example Police garden? A pond, {n} years on.\n\n"
                     for n in range(2, 40))
    engine = _engine_on(tmp_path, abstain_threshold=0.2, top_k_chunks=1, text=(
        "Until 1999 the Example Police was run by the Home Secretary.\n\n"
        "This position changed with the establishment of the Example Police Board in 2000.\n\n" + filler
    ))
    # The client may send back a quote trimmed of its last words: it is still recognised.
    history = [Turn("user", "Who ran the Example Police until 1999?"),
               Turn("assistant", "Until 1999 the Example Police was run by the Home")]
    answer = engine.ask("what was set up after that?", history)
    assert answer.answered and answer.answer.startswith("This position changed")


def test_a_name_only_one_source_uses_must_be_in_the_passage(tmp_path):
    engine = _engine_on(tmp_path, pages={
        "city.md": "The City of London Police polices the Square Mile, the old financial district.\n",
        "met.md": "The Example Police has 3,000 police officers working across the city of London.\n",
    })
    assert engine.ask("How many police officers does the Example Police have?").answered
    # Every word of the name is in met.md, but the name itself only in city.md, which gives no figure.
    answer = engine.ask("How many police officers does the City of London Police have?")
    assert not answer.answered, answer.answer


def test_multiword_names_in_questions():
    from bot.query.conversation import multiword_names

    assert multiword_names("How many officers does the City of London Police have?") == ["City of London Police"]
    assert multiword_names("What did Louise Casey find about the Met?") == ["Louise Casey"]
    assert multiword_names("Where is the Met based?") == []


def test_what_came_before_a_body_is_the_passage_saying_it_was_replaced(tmp_path):
    engine = _engine_on(tmp_path, abstain_threshold=0.3, text=(
        "The Example Police Board (EPB) sets the yearly plan and meets in public every month.\n\n"
        "The EPB publishes minutes of every meeting on its website for residents.\n\n"
        "The Example Watch Committee has been replaced by the Example Police Board (EPB).\n"
    ))
    answer = engine.ask("Which body came before the EPB?")
    assert answer.answered and answer.answer.startswith("The Example Watch Committee has been replaced")


def test_an_informal_word_counts_as_found_where_its_plain_word_is(tiny_engine):
    from bot.query.conversation import Query

    ex = tiny_engine.extractor
    span_id = next(i for i, s in enumerate(tiny_engine.index.spans) if "officer" in s.text.lower())
    focus = ["copper"]
    assert ex.coverage(focus, span_id) == 0.0
    assert ex.coverage(focus, span_id, aliases={"copper": frozenset({"offic", "polic"})}) == 1.0
    assert Query("q", "q", []).aliases == {}


def test_unknown_words_are_encoded_together_and_remembered(tiny_engine):
    calls = []
    encode = tiny_engine.embedder.encode
    tiny_engine.embedder.encode = lambda texts: calls.append(list(texts)) or encode(texts)
    tiny_engine.related = None
    tiny_engine.ask("Which zorblat handles grumpkin quibbles?")
    assert calls[0] == [tiny_engine.queries.build("Which zorblat handles grumpkin quibbles?").text]
    assert {"grumpkin", "quibbles", "zorblat"} <= set(calls[1]) and len(calls) == 2  # one call for all
    calls.clear()
    tiny_engine.ask("Does a zorblat like quibbles?")
    assert len(calls) == 1  # the words were remembered: only the question is encoded


def test_a_followup_s_own_words_weigh_more_than_its_context(tiny_engine):
    ex = tiny_engine.extractor
    span_id = next(i for i, s in enumerate(tiny_engine.index.spans) if "1829" in s.text)
    focus = terms("founded 1829 telephone")  # "telephone" from the earlier question, not in the span
    plain = ex.coverage(focus, span_id)
    followup = ex.coverage(focus, span_id, own=terms("founded 1829"))
    assert 0 < plain < followup < 1
    assert ex.coverage(focus, span_id, own=terms("telephone")) < plain


def test_a_list_of_titles_that_only_names_the_thing_asked_about_does_not_answer(tmp_path):
    engine = _engine_on(tmp_path, abstain_threshold=0.3, text=(
        "Recent reports about the service include:\n\nThe Smith Review\nOperation Bluebird\nThe Annual Report\n\n"
        "The Smith Review found that the service needs more staff in its call centres.\n"
    ))
    named_only = engine.ask("Tell me about Operation Bluebird")
    assert not any("Operation Bluebird" in c.quote for c in named_only.citations)
    # A title that does say something is still quoted: the Smith Review's finding answers.
    said = engine.ask("What did the Smith Review find?")
    assert said.answered and "needs more staff" in said.answer


def test_followups_have_their_own_abstention_threshold(tmp_path):
    import pytest

    from bot.answering.answer import NOT_COVERED
    from bot.settings import Settings

    engine = _engine_on(tmp_path, abstain_threshold=1.0, followup_abstain_threshold=0.0,
                        text="The Example Police Service was founded by Sir Robert Peel in 1829.\n")
    assert not engine.ask("Who founded the Example Police Service?").answered  # 1.0: nothing is sure enough
    history = [Turn("user", "Who founded the Example Police Service?"), Turn("assistant", "...")]
    assert engine.ask("When?", history).answered
    # A thread that went unanswered gives a follow-up no head start.
    unanswered = [Turn("user", "Who founded the Example Police Service?"), Turn("assistant", NOT_COVERED)]
    assert not engine.ask("When?", unanswered).answered
    with pytest.raises(ValueError, match="followup_abstain_threshold must be within"):
        Settings(followup_abstain_threshold=1.5)


def test_a_followup_number_question_counts_what_it_asks_now(tmp_path):
    engine = _engine_on(tmp_path, abstain_threshold=0.3, followup_abstain_threshold=0.3, text=(
        "The Example Police Service has 30,000 police officers.\n\n"
        "It also employs 9,000 police staff in offices across the city.\n\n"
        "Protecting women and girls is a priority for every officer.\n"
    ))
    history = [Turn("user", "How many police officers does the Example Police Service have?"),
               Turn("assistant", "The Example Police Service has 30,000 police officers.")]
    women = engine.ask("And how many of them are women?", history)
    assert "30,000" not in women.answer  # a figure of officers is no figure of women
    staff = engine.ask("And how many staff?", history)
    assert staff.answered and "9,000 police staff" in staff.answer


def test_a_yes_no_question_is_given_a_little_more_room_to_answer(tmp_path):
    import dataclasses

    from bot.query.conversation import is_yes_no

    assert is_yes_no("Is London a hotspot for organised crime?") and is_yes_no("And does it still exist?")
    assert not is_yes_no("Who runs the Met?") and not is_yes_no("Isabel Smith chairs it, doesn't she?")
    assert is_yes_no("if i ring 101 am i talking to professional standards?")  # the question after a condition
    assert not is_yes_no("if I complain, who deals with it?") and not is_yes_no("when was it founded?")
    assert not is_yes_no("if it's closed, where do they send you?")
    engine = _engine_on(tmp_path, text="The Example Police Service has 30,000 police officers.\n")
    yes_no, wh = "Does the Example Police Service have 30,000 police officers?", "How many police officers are there?"
    with_room = engine.ask(yes_no).confidence, engine.ask(wh).confidence
    engine.extractor.weights = dataclasses.replace(engine.extractor.weights, yes_no=0.0)
    assert engine.ask(yes_no).confidence < with_room[0]
    assert engine.ask(wh).confidence == with_room[1]  # other questions are scored as before


def test_which_one_of_a_list_just_introduced_is_answered_by_the_item_that_says(tmp_path):
    intro = "We serve the city through three operational functions, each led by a director:"
    engine = _engine_on(tmp_path, abstain_threshold=0.0, followup_abstain_threshold=0.0, text=(
        f"{intro}\n\n"
        "- Frontline Policing leads local policing and investigation across the city.\n"
        "- Specialist Operations delivers counter terrorism and protective services.\n"
        "- Met Operations leads the delivery of services that enhance effectiveness.\n\n"
        "The service was founded in 1829 and has grown ever since.\n"
    ))
    history = [Turn("user", "How is the service organised?"), Turn("assistant", intro)]
    answer = engine.ask("Which one of those deals with terrorism?", history)
    assert answer.answered and answer.answer.startswith("Specialist Operations")


def test_how_do_i_questions_want_a_passage_about_doing_it(tmp_path):
    import dataclasses

    from bot.query.conversation import QueryBuilder
    from bot.query.acronyms import AcronymMap

    builder = QueryBuilder(AcronymMap())
    assert builder.action("How do I join it?") == ("join",)
    assert set(builder.action("how do I report a cop who was rude")) >= {"report", "complaint"}  # informal -> plain
    assert builder.action("How do I make a complaint?") == ()  # a light verb: the object carries the action
    assert builder.action("Who runs the group?") == ()
    description = "The Residents Advisory Group is a voluntary group of local people advising the service on its work."
    engine = _engine_on(tmp_path, abstain_threshold=0.0, followup_abstain_threshold=0.0, text=(
        f"{description}\n\nTo join, residents write to the group's secretary at the town hall.\n"))
    history = [Turn("user", "What is the Residents Advisory Group?"), Turn("assistant", description)]
    question = "How do I join the Residents Advisory Group?"
    assert engine.ask(question, history).answer.startswith("To join")  # the description is no answer
    engine.extractor.weights = dataclasses.replace(engine.extractor.weights, no_action=0.0)
    assert engine.ask(question, history).answer.startswith("The Residents")  # without the rule it leads


def test_asked_what_happened_next_the_next_passage_answers_however_little_it_shares(tmp_path):
    first = "Until 1999 the service was run by the Commissioner and the Home Secretary."
    engine = _engine_on(tmp_path, abstain_threshold=0.99, followup_abstain_threshold=0.45, text=(
        f"{first}\n\nThis position changed when an elected authority was established as its governing body.\n"))
    history = [Turn("user", "Who ran the service before 1999?"), Turn("assistant", first)]
    after = engine.ask("And what happened after that?", history)
    assert after.answered and after.answer.startswith("This position changed")  # its score alone is far too low
    assert not engine.ask("Who ran the service after 1999?").answered  # asked afresh, it is


def test_a_name_typed_in_lower_case_still_has_to_be_in_the_passage(tmp_path):
    engine = _engine_on(tmp_path, abstain_threshold=0.3, pages={
        "met.md": "The Example Police Service has 30,000 police officers across the city.\n",
        "others.md": "The Harbour Transport Police polices the docks and ferries of the city.\n",
    })
    typed = engine.ask("How many officers does the Harbour Transport Police have?")
    lower = engine.ask("how many officers does the harbour transport police have?")
    assert "30,000" not in typed.answer and "30,000" not in lower.answer  # a figure of another force's officers


def test_the_next_event_needs_a_date_after_the_source_s_own(tmp_path):
    from bot.index.embed import HashingEmbedder
    from bot.engine import Engine
    from bot.settings import Settings

    def ask(body: str):
        root = tmp_path / str(len(body))
        (root / "corpus").mkdir(parents=True)
        (root / "corpus" / "board.md").write_text(f"---\ntitle: The Example Board\ndate: June 2017\n---\n{body}")
        engine = Engine.load(Settings(corpus_dir=root / "corpus", index_dir=root / "idx", abstain_threshold=0.2),
                             embedder=HashingEmbedder(), progress=lambda _: None)
        return engine.ask("When is the next Example Board meeting?")

    past = "The Example Board held its first meeting in 2010.\n"
    assert not ask(past).answered  # a 2017 page's 2010 is no next meeting
    answer = ask(past + "\nThe next Example Board meeting is in March 2018.\n")
    assert answer.answered and "2018" in answer.answer


def test_asked_whether_something_grew_a_passage_saying_it_did_answers(tmp_path):
    import dataclasses

    engine = _engine_on(tmp_path, abstain_threshold=0.0, text=(
        "Officers on the beat patrol the wards.\n\n"
        "We have added 500 officers on the beat.\n"
    ))
    question = "Are there more officers on the beat?"
    assert engine.ask(question).answer.startswith("We have added 500 officers")
    engine.extractor.weights = dataclasses.replace(engine.extractor.weights, change=0.0)
    assert engine.ask(question).answer.startswith("Officers on the beat patrol")  # closer, by the toy embedder


def test_constructions_are_searched_for_by_the_plain_words_they_mean(tiny_engine):
    for question in ("What's the Met actually for, like what's its job?", "What is MOPAC for?"):
        assert "purpos" in tiny_engine.queries.build(question).terms, question
    for question in ("What is the budget for policing?", "What does the Met do?", "What's it good for right now?",
                     "What are they being investigated for?", "What was he arrested for?"):
        assert "purpos" not in tiny_engine.queries.build(question).terms, question
    assert "prioritis" in tiny_engine.queries.build("Does the Met put the public first?").terms
    assert "prioritis" not in tiny_engine.queries.build("Who put the first police on the streets?").terms


def test_word_vectors_survive_other_threads_evicting_the_cache(tiny_engine):
    """Threads asking for new words at once while the cache is full: two evicting together must not
    pop the same oldest word twice (a KeyError), and none may lose its own vectors."""
    import time

    class SlowDict(dict):  # widens the gap between choosing the oldest word and removing it
        def pop(self, key, *default):
            time.sleep(0.002)
            return super().pop(key, *default)

    tiny_engine._word_cache = SlowDict({f"filler{i}": np.zeros(tiny_engine.embedder.dim, dtype=np.float32)
                                        for i in range(10_000)})
    errors = []

    def ask_words(n: int) -> None:
        try:
            for k in range(5):
                words = [f"word{n}x{k}x{j}" for j in range(3)]
                assert tiny_engine._word_vectors(words).shape == (3, tiny_engine.embedder.dim)
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    run_in_threads(ask_words, 6)
    assert not errors, errors[:1]
    assert len(tiny_engine._word_cache) <= 10_000


def test_recency_prefers_newer_sources_and_adds_nothing_when_all_share_a_date(tmp_path):
    from bot.index.embed import HashingEmbedder
    from bot.engine import Engine
    from bot.settings import Settings

    def recency_parts(dates: dict[str, str]) -> dict[str, float]:
        folder = tmp_path / "-".join(dates.values() or ["undated"])
        (folder / "corpus").mkdir(parents=True)
        texts = ["The harbour opened in 1901.", "The harbour has two quays."]
        for (name, date), text in zip(dates.items(), texts):
            (folder / "corpus" / name).write_text(f"---\ntitle: {name}\n" + (f"date: {date}\n" if date else "") + f"---\n{text}\n")
        engine = Engine.load(Settings(corpus_dir=folder / "corpus", index_dir=folder / "idx", abstain_threshold=0.0),
                             embedder=HashingEmbedder(), progress=lambda _: None)
        query = engine.read("When did the harbour open?")
        scored = engine.extractor.score(query, engine.retriever.search(query.vector, query.terms, 5))
        return {s.span.doc_id: dict(s.parts).get("recency", 0.0) for s in scored}

    # One date for all (or none): nothing to prefer, so no part shifts every score alike.
    assert set(recency_parts({"one.md": "", "two.md": ""}).values()) == {0.0}
    assert set(recency_parts({"one.md": "2024-01-01", "two.md": "2024-01-01"}).values()) == {0.0}
    parts = recency_parts({"old.md": "2001-01-01", "new.md": "2024-01-01"})
    assert parts["new.md"] > parts["old.md"] == 0.0
