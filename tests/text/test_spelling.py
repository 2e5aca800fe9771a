"""Typos put right with the corpus's and the model vocabulary's words (spelling.py); no model."""

from collections import Counter

from bot.text.spelling import Speller, read_dictionary

CORPUS = Counter({"complaint": 9, "complain": 4, "commissioner": 6, "metropolitan": 8, "officers": 12,
                  "offices": 1, "values": 3, "police": 20, "reaching": 1, "leader": 1, "backed": 1})
DICTIONARY = ["before", "called", "sacked", "breach", "lean", "stop", "plan", "plans", "croydon", "dish"]


def speller() -> Speller:
    return Speller(CORPUS, DICTIONARY)


def test_a_typo_becomes_the_known_word_one_edit_away():
    assert speller().correct("how do I complian about the police?") == "how do I complain about the police?"
    assert speller().correct("Who is the Comissioner?") == "Who is the Commissioner?"  # case kept
    assert speller().correct("the metropolitian police") == "the metropolitan police"  # long words: two edits
    assert speller().correct("What was it callde beore?") == "What was it called before?"  # the vocabulary's words
    assert speller().corrections("what are its valeus") == {"valeus": "values"}


def test_of_two_words_as_near_the_corpus_s_more_frequent_one_wins():
    assert speller().correct("offiers") == "officers"  # 'offices' is as near, but rarer


def test_real_words_stay_as_typed_even_when_the_sources_never_use_them():
    s = speller()
    for question in ("Did any get sacked?", "is it in croydon", "breaching", "leaner", "stopped", "planning"):
        assert s.correct(question) == question  # a vocabulary word, or one plus an ending
    for question in ("What is the MPS?", "Is the CPEG new?", "got any dosh"):  # acronyms, short words
        assert s.correct(question) == question
    assert s.correct("planns") == "plans"  # a doubled letter before "s" is no ending of "plan"


def test_another_form_of_a_known_word_is_no_typo():
    # "invent" is one edit from the corpus's "intent", but "invented" is a known word: the same stem.
    s = Speller(Counter({"intent": 3, "unity": 2}), ["invented", "unified"])
    assert s.corrections("What did they invent?") == {}
    assert s.corrections("who tried to unify them") == {}
    assert s.corrections("what was the intnet") == {"intnet": "intent"}  # a real slip still is one


def test_a_slip_rarely_hits_the_first_letter():
    assert Speller(Counter({"arlington": 1}), []).correct("islington") == "islington"


def test_a_contraction_typed_without_its_apostrophe_gets_it_back():
    assert speller().correct("whos the boss and whats it for, im asking") == "who's the boss and what's it for, I'm asking"
    assert speller().correct("its values") == "its values"  # a word in its own right


def test_the_dictionary_is_the_vocabulary_s_whole_words_in_order(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n[UNK]\n!\nthe\nof\n##ing\nLondon\npolice\n", encoding="utf-8")
    assert read_dictionary(vocab) == ["the", "of", "police"]
