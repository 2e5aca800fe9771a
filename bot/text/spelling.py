"""Typos in a question, put right ("complian" -> "complain", "beore" -> "before").

One mistyped word used to sink a question: "how do I complian about an officer?" shares no
term with the complaints passage and abstained. The model's own WordPiece vocabulary
(``vocab.txt`` beside it: some 20,000 whole English words, most frequent first) says which
words are real. A question word is corrected only when

- it is no acronym ("VHW"), the corpus doesn't use it, and it is no word of the vocabulary,
  nor one plus a common ending ("breaching" is "breach" + "ing", "sexist" is "sex" + "ist"),
  nor another form of one (its stem is a known word's: "invent" beside "invented", never
  "intent"): "sacked" or "croydon" are real words the sources just don't use, and stay as typed;
- a word of the corpus or of the vocabulary with the same first letter is within one edit of
  it (two for words of ten letters or more), counting a swap of neighbouring letters as one
  (rapidfuzz's Damerau-Levenshtein distance). Of several, the nearest wins, then a corpus word
  over another, then the more frequent.

A contraction typed without its apostrophe ("whos", "dont") gets it back first. Everything
else about the question is kept as typed, case included.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from bot.schema import Document
from bot.text.terms import stem, stems

_WORD = re.compile(r"[A-Za-z]+")
MIN_LENGTH = 5  # shorter words have too many neighbours one edit away ("dosh" is no "dish")
LONG = 10  # words this long may have two slips ("metropolitian")
# Searches per text at most: a question has a few unknown words, not hundreds (bounded cost).
MAX_LOOKUPS = 24
_ENDINGS = ("ing", "ers", "er", "est", "ed", "es", "s", "ly", "y", "ists", "ist", "ism", "ness", "ments", "ment", "al", "ity")
_CONTRACTIONS = {
    full.replace("'", ""): full for full in (
        "who's what's where's when's how's why's that's there's i'm i've you're they're "
        "don't doesn't didn't can't won't isn't aren't wasn't weren't hasn't haven't shouldn't couldn't wouldn't"
    ).split()
}


def read_dictionary(vocab_file: Path) -> list[str]:
    """The whole words of a WordPiece vocabulary (not '##' pieces nor symbols), in file order."""
    return [line for line in vocab_file.read_text(encoding="utf-8").splitlines() if line.isalpha() and line.islower()]


class Speller:
    def __init__(self, counts: Counter[str], dictionary: Sequence[str]) -> None:
        """``counts``: the corpus's words (lower case) with how often each occurs; ``dictionary``:
        known words, most frequent first."""
        self.counts = counts
        self.rank = {word: i for i, word in enumerate(dictionary)}
        # Every known word's stem: a word sharing one is another form of it, not a typo.
        self.stems = stems(counts) | stems(dictionary)
        self.targets = [w for w in counts if len(w) >= MIN_LENGTH - 1]
        self.targets += [w for w in dictionary if len(w) >= MIN_LENGTH - 1 and w not in counts]
        # The search only looks where a match can be: the same first letter and a length within
        # the edit limit (an edit changes the length by at most one). Over all ~20k targets a random
        # word cost ~8 ms; a bucket holds a few hundred. Positions keep rapidfuzz's tie order.
        self._buckets: dict[tuple[str, int], list[tuple[int, str]]] = {}
        for position, word in enumerate(self.targets):
            self._buckets.setdefault((word[0], len(word)), []).append((position, word))
        # The same few unknown words come back: each is decided once (lru_cache is thread-safe).
        self._decided = lru_cache(maxsize=10_000)(self._decide)

    @classmethod
    def from_documents(cls, documents: Sequence[Document], dictionary: Sequence[str]) -> "Speller":
        counts: Counter[str] = Counter()
        for doc in documents:
            counts.update(w.lower() for w in _WORD.findall(f"{doc.title} {doc.body}"))
        return cls(counts, dictionary)

    def correct(self, question: str, max_lookups: int = MAX_LOOKUPS) -> str:
        """The question with each typo replaced by its nearest known word.

        Only the first ``max_lookups`` words that need a search are looked up (the rest stay as
        typed): a question has a handful; a pasted page must not cost a search per word."""
        budget = [max_lookups]

        def fixed(match: re.Match[str]) -> str:
            word = match.group(0)
            if self._needs_lookup(word):
                if budget[0] <= 0:
                    return word
                budget[0] -= 1
            return self._fixed(word)

        return _WORD.sub(fixed, question)

    def _needs_lookup(self, word: str) -> bool:
        lower = word.lower()
        return not (lower in _CONTRACTIONS or len(lower) < MIN_LENGTH or word.isupper() or lower in self.counts)

    def corrections(self, question: str) -> dict[str, str]:
        """{typed word: correction} for the words ``correct`` would change."""
        return {w: fixed for w in _WORD.findall(question) if (fixed := self._fixed(w)) != w}

    def is_word(self, word: str) -> bool:
        """A word of the corpus or the dictionary, another form of one (the same stem: "invent"
        beside "invented"), or one of those with a common ending ("stopped" is "stop" + "ed",
        "caring" is "care" + "ing", "dodgy" is "dodge" + "y": endings the stemmer keeps)."""
        if word in self.counts or word in self.rank or stem(word) in self.stems:
            return True
        for ending in _ENDINGS:
            base = word[: -len(ending)]
            if not word.endswith(ending) or len(base) < 3:
                continue
            if base in self.rank or base + "e" in self.rank:
                return True
            if ending[0] in "aeiouy" and base[-1] == base[-2] and base[:-1] in self.rank:
                return True  # "stopped", "planning"
        return False

    def _fixed(self, word: str) -> str:
        lower = word.lower()
        if lower in _CONTRACTIONS:
            full = _CONTRACTIONS[lower]
            return full[0].upper() + full[1:] if word[0].isupper() or full.startswith("i'") else full
        if len(lower) < MIN_LENGTH or word.isupper() or lower in self.counts:
            return word
        fixed = self._decided(lower)
        if fixed is None:
            return word
        return fixed.capitalize() if word[0].isupper() else fixed

    def _decide(self, word: str) -> str | None:
        """The correction of an unknown lower-case word, or None for a real word or no near one."""
        return None if self.is_word(word) else self._nearest(word)

    def _nearest(self, word: str) -> str | None:
        limit = 2 if len(word) >= LONG else 1
        # A slip rarely hits the first letter: only targets sharing it are candidates.
        candidates = sorted(c for n in range(len(word) - limit, len(word) + limit + 1)
                            for c in self._buckets.get((word[0], n), ()))
        found = process.extract(word, [w for _, w in candidates], scorer=DamerauLevenshtein.distance,
                                score_cutoff=limit, limit=None)
        if not found:
            return None
        return min(found, key=lambda f: (f[1], f[0] not in self.counts, -self.counts[f[0]],
                                         self.rank.get(f[0], math.inf)))[0]
