"""The corpus's words, embedded, meet question words the corpus never uses (vocabulary.py)."""

import numpy as np

from bot.text.terms import terms
from bot.schema import Document
from bot.index.vocabulary import Vocabulary, corpus_words


def test_corpus_words_are_common_lower_case_words_one_per_stem():
    docs = [Document("a.md", "A", "Children and child safety. London children. The London Eye. Officers and the officer.")]
    words = corpus_words(docs)
    assert "children" in words and "child" in words  # different stems
    assert len([w for w in words if terms(w) == terms("officers")]) == 1
    assert "london" not in words  # always written capitalised: a name, not a common word
    assert "the" not in words and "and" not in words


def _fake_encoder(table: dict[str, list[float]]):
    def encode(texts):
        rows = np.array([table[t] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return encode


def test_unknown_question_words_get_their_nearest_corpus_words():
    table = {"children": [1, 0, 0], "budget": [0, 1, 0], "kids": [0.95, 0.1, 0], "weather": [0, 0, 1]}
    encode = _fake_encoder(table)
    vocab = Vocabulary(["children", "budget"], encode(["children", "budget"]), min_similarity=0.7)
    known = {"budget", "children", "child", "cover"}.__contains__
    soft = vocab.soft_terms("How many kids does the budget cover? And the weather?", known, encode)
    assert list(soft) == terms("kids")
    (near, similarity), = soft[terms("kids")[0]]
    assert near == terms("children")[0] and similarity > 0.9
    assert terms("weather")[0] not in soft  # nothing near enough


def test_a_known_question_word_is_left_alone():
    encode = _fake_encoder({"children": [1, 0]})
    vocab = Vocabulary(["children"], encode(["children"]))
    assert vocab.soft_terms("children", {"children"}.__contains__, encode) == {}


def test_a_stored_word_that_became_a_stop_word_is_ignored_not_a_crash():
    encode = _fake_encoder({"children": [1, 0], "said": [0, 1], "kids": [0.95, 0.1]})
    vocab = Vocabulary(["children", "said"], encode(["children", "said"]))  # "said" is a stop word now
    soft = vocab.soft_terms("kids", {"children"}.__contains__, encode)
    assert [near for near, _ in soft[terms("kids")[0]]] == terms("children")
