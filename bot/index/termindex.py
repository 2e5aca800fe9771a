"""Compact lookups for the answer stage, so that what it keeps grows little with the corpus.

- ``Lazy``: a value per span (or chunk, or list) worked out when first read, from a bounded
  cache. Scoring reads the spans of the retrieved chunks only, a few hundred per question;
  worked out up front for every span, these Python sets and tuples took gigabytes at 100k chunks.
- ``ChunkTerms``: every chunk's terms in order, as term ids in one int32 array with a positional
  inverted index over it: which chunks name a thing ("the harbour watch board": its terms in a
  row) is found from the postings of its rarest term, not by a scan of every chunk's text.
- ``AllBut``: "every chunk but these" without a set of 100k ids per question.

Nothing here knows what the terms mean; ``bot.text.terms.terms`` makes them.
"""

from __future__ import annotations

from array import array
from collections.abc import Set
from functools import lru_cache
from typing import Callable, Generic, Hashable, Iterable, Iterator, TypeVar

import numpy as np

from bot.text.terms import terms

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")

# How many spans' (chunks', lists') values are kept. A question meets a few hundred candidate
# spans in some tens of chunks; several request threads at once still fit, and a value dropped
# is only worked out again (tens of microseconds).
SPAN_CACHE = 8192
CHUNK_CACHE = 2048
LIST_CACHE = 1024


class Lazy(Generic[K, V]):
    """``lazy[key]`` is ``compute(key)``, remembered for the ``maxsize`` keys read most recently.

    Request threads share it: functools' cache is thread-safe (two threads missing the same
    key at once both compute it, and get equal values), and values must be immutable
    (frozensets, tuples, numbers), since every thread reads the same object."""

    def __init__(self, compute: Callable[[K], V], maxsize: int) -> None:
        if maxsize <= 0:
            raise ValueError(f"maxsize must be positive, got {maxsize}")
        self._get = lru_cache(maxsize=maxsize)(compute)

    def __getitem__(self, key: K) -> V:
        return self._get(key)

    def cache_info(self):
        """functools' (hits, misses, maxsize, currsize): how many values were worked out and kept."""
        return self._get.cache_info()


class AllBut(Set[int]):
    """The ids ``0 .. n-1`` except ``these``: a set as large as the corpus, stored as its complement."""

    def __init__(self, these: Iterable[int], n: int) -> None:
        self._these = frozenset(these)
        self._n = n

    def __contains__(self, item: object) -> bool:
        return isinstance(item, int) and 0 <= item < self._n and item not in self._these

    def __iter__(self) -> Iterator[int]:
        return (i for i in range(self._n) if i not in self._these)

    def __len__(self) -> int:
        return self._n - sum(1 for i in self._these if 0 <= i < self._n)

    @classmethod
    def _from_iterable(cls, items: Iterable[T]) -> set[T]:
        return set(items)  # what the Set mixins' operators (|, &, -) build: a plain set

    def __repr__(self) -> str:
        return f"AllBut({len(self._these)} of {self._n})"


class ChunkTerms:
    """Each chunk's ``terms()`` in order, as ids into one vocabulary, all chunks in one array.

    A chunk's terms are followed by -1, so no run of terms is found across two chunks. The
    positions of each term (sorted by term id) are the positional postings ``holding`` reads.
    At 100k chunks of prose: two int32 arrays of ~10M entries (~80 MB), where the chunks' term
    sets and space-joined term strings took well over half a gigabyte.
    """

    def __init__(self, texts: Iterable[str]) -> None:
        vocab: dict[str, int] = {}
        stream = array("i")
        starts = array("q")
        for text in texts:
            starts.append(len(stream))
            stream.extend(vocab.setdefault(t, len(vocab)) for t in terms(text))
            stream.append(-1)
        self._vocab = vocab
        self._words = list(vocab)  # id -> term
        self._ids = np.array(stream, dtype=np.int32)
        self._starts = np.array(starts, dtype=np.int64)
        n_chunks = len(self._starts)
        order = np.argsort(self._ids, kind="stable")[n_chunks:]  # the -1 separators sort first
        self._positions = order.astype(np.int32 if len(self._ids) < 2**31 else np.int64)
        # Term t's positions are _positions[_first[t]:_first[t + 1]].
        self._first = np.searchsorted(self._ids[order], np.arange(len(vocab) + 1)).astype(np.int64)

    def __len__(self) -> int:
        return len(self._starts)

    def set_of(self, chunk_id: int) -> frozenset[str]:
        """The chunk's distinct terms."""
        start = self._starts[chunk_id]
        end = self._starts[chunk_id + 1] - 1 if chunk_id + 1 < len(self._starts) else len(self._ids) - 1
        return frozenset(self._words[i] for i in self._ids[start:end].tolist())

    def holding(self, run: list[str]) -> set[int]:
        """The chunks whose terms have ``run`` in a row (for no terms at all: the chunks with none)."""
        if not run:
            return {int(c) for c in np.flatnonzero(self._ids[self._starts] == -1)} if len(self._starts) else set()
        ids = [self._vocab[t] for t in run if t in self._vocab]
        if len(ids) < len(run):  # a term no chunk has
            return set()
        # Start from the rarest term's positions; the run would begin `k` terms before each.
        k = min(range(len(ids)), key=lambda j: self._first[ids[j] + 1] - self._first[ids[j]])
        begin = self._positions[self._first[ids[k]]:self._first[ids[k] + 1]].astype(np.int64) - k
        begin = begin[begin >= 0]
        # In order from the run's first term: an index past the array's end is never reached,
        # since every position checked so far holds a term and the array ends with -1.
        for j, term_id in enumerate(ids):
            if j != k:
                begin = begin[self._ids[begin + j] == term_id]
        chunks = np.searchsorted(self._starts, begin, side="right") - 1
        return set(np.unique(chunks).tolist())
