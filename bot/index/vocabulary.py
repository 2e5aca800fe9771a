"""The corpus's own words, embedded, to meet question words the corpus never uses.

"how many kids..." shares no word with "children", and "tech" none with "technology", so the
lexical side of scoring (coverage of the question's terms) misses them. Each word of the corpus
is embedded once, with the index; a question word the corpus doesn't have is embedded at
question time and counts as partly found where a span has one of its nearest corpus words
(cosine >= ``min_similarity``). Only words the corpus mostly writes in lower case are targets,
so a place the sources never name ("croydon") is not taken for "London".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from bot.text.terms import STOPWORDS, terms
from bot.schema import Document

_WORD = re.compile(r"[A-Za-z][a-z]+")

Soft = dict[str, tuple[tuple[str, float], ...]]  # question term -> ((corpus term, similarity), ...)


def corpus_words(documents: Sequence[Document]) -> list[str]:
    """One common (mostly lower-case) word per stem of the corpus, sorted: what gets embedded."""
    lower: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    for doc in documents:
        for word in _WORD.findall(doc.body):
            (upper if word[0].isupper() else lower)[word.lower()] += 1
    by_stem: dict[str, tuple[int, str]] = {}
    for word, count in lower.items():
        if len(word) < 3 or word in STOPWORDS or count < upper[word]:
            continue
        stem = terms(word)
        if stem and count > by_stem.get(stem[0], (0, ""))[0]:
            by_stem[stem[0]] = (count, word)
    return sorted(word for _, word in by_stem.values())


@dataclass
class Vocabulary:
    words: list[str]
    vectors: np.ndarray  # (len(words), dim), unit length
    min_similarity: float = 0.7
    per_word: int = 3

    def __post_init__(self) -> None:
        # A word that is no term any more (a stop word since the index was built) can't match.
        stems = [terms(w) for w in self.words]
        self.stems = [s[0] if s else "" for s in stems]

    def unknown(self, question: str, known: Callable[[str], bool]) -> dict[str, str]:
        """The question's terms the corpus doesn't use, each with the word it came from."""
        out: dict[str, str] = {}
        for word in _WORD.findall(question):
            stem = terms(word)
            if stem and len(word) >= 3 and not known(stem[0]):
                out.setdefault(stem[0], word.lower())
        return out if len(self.words) else {}

    def nearest(self, unknown: dict[str, str], vectors: np.ndarray) -> Soft:
        """For each unknown term (with its word's vector, in order), its nearest corpus terms."""
        if not unknown:
            return {}
        sims = np.asarray(vectors) @ np.asarray(self.vectors).T
        out: Soft = {}
        for stem, row in zip(unknown, sims):
            top = np.argsort(-row)[: self.per_word]
            near = tuple((self.stems[i], float(row[i])) for i in top if row[i] >= self.min_similarity)
            if near:
                out[stem] = near
        return out

    def soft_terms(self, question: str, known: Callable[[str], bool], encode: Callable[[list[str]], np.ndarray]) -> Soft:
        """``unknown`` then ``nearest``, encoding the unknown words with ``encode``."""
        unknown = self.unknown(question, known)
        return self.nearest(unknown, encode(list(unknown.values()))) if unknown else {}
