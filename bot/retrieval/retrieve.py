"""Hybrid retrieval: dense (FAISS inner product) and lexical (BM25 via bm25s), fused by RRF.

Dense search finds paraphrases ("report an officer's bad behaviour"); BM25 finds names,
numbers and acronyms exactly (HT, VHW, 0123, AB1 2CD). Reciprocal rank fusion combines
the two rankings without having to calibrate their scores against each other.
``bot.text.terms.terms()`` is the one tokenizer for everything lexical (BM25 and answer scoring).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from bot.schema import Hit
from bot.text.terms import terms

if TYPE_CHECKING:  # imported lazily where used at run time
    import faiss


class LexicalIndex:
    """BM25 over the chunks' texts, plus document frequencies for term weighting."""

    def __init__(self, texts: list[str]) -> None:
        import bm25s

        # The token lists are not kept: BM25 keeps its own matrix, and at 100k chunks the lists
        # took hundreds of megabytes. Each distinct term is one shared string while they live.
        shared: dict[str, str] = {}
        tokens = [[shared.setdefault(w, w) for w in terms(t)] or ["\u2205"] for t in texts]
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokens, show_progress=False)
        self.n_docs = len(texts)
        self.df = Counter(t for toks in tokens for t in set(toks))
        self._vocab = sorted(self.df)

    def variants(self, term: str) -> set[str]:
        """Corpus terms that are the same word in another form: "complain" ~ "complaint".

        The stemmer leaves some derivations apart; a shared prefix of at least six letters,
        differing by at most two letters, joins them.
        """
        if len(term) < 6:
            return set()
        lo = bisect.bisect_left(self._vocab, term[:6])
        out = set()
        for other in self._vocab[lo:]:
            if not other.startswith(term[:6]):
                break
            if other != term and (other.startswith(term) or term.startswith(other)) and abs(len(other) - len(term)) <= 2:
                out.add(other)
        return out

    def idf(self, term: str) -> float:
        return math.log(1.0 + (self.n_docs - self.df.get(term, 0) + 0.5) / (self.df.get(term, 0) + 0.5))

    def search(self, query_terms: list[str], k: int) -> list[tuple[int, float]]:
        known = [v for t in query_terms for v in ({t} | self.variants(t)) if v in self.df]
        if not known:
            return []
        scores = self._bm25.get_scores(known)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def reciprocal_rank_fusion(rankings: list[list[int]], k: int = 60, weights: list[float] | None = None) -> dict[int, float]:
    """score(d) = sum over rankings of weight / (k + rank), ranks starting at 1."""
    if k <= 0:
        raise ValueError(f"rrf k must be positive, got {k}")
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


class HybridRetriever:
    def __init__(self, faiss_index: faiss.Index, chunk_vectors: np.ndarray, lexical: LexicalIndex, rrf_k: int = 60, depth: int = 50,
                 each_top: int = 1) -> None:
        self.faiss_index = faiss_index
        self.chunk_vectors = chunk_vectors
        self.lexical = lexical
        self.rrf_k = rrf_k
        self.depth = depth
        # Each ranking's own top chunk is kept even when fusion ranks it lower: a chunk BM25
        # ranks first for a rare word ("until 1999") may sit 27th by meaning.
        self.each_top = each_top

    def search(self, query_vector: np.ndarray, query_terms: list[str], k: int) -> list[Hit]:
        if k <= 0:
            raise ValueError(f"k must be positive, got {k}")
        depth = min(max(self.depth, k), len(self.chunk_vectors))
        _, ids = self.faiss_index.search(query_vector.reshape(1, -1).astype(np.float32), depth)
        dense = [int(i) for i in ids[0] if i >= 0]
        lexical = [i for i, _ in self.lexical.search(query_terms, depth)]
        fused = reciprocal_rank_fusion([dense, lexical], self.rrf_k)
        dense_rank = {c: r for r, c in enumerate(dense, start=1)}
        lexical_rank = {c: r for r, c in enumerate(lexical, start=1)}
        best = sorted(fused, key=lambda c: -fused[c])[:k]
        best += [c for c in dict.fromkeys(dense[:self.each_top] + lexical[:self.each_top]) if c not in best]
        return [
            Hit(c, fused[c], float(self.chunk_vectors[c] @ query_vector), dense_rank.get(c), lexical_rank.get(c))
            for c in best
        ]
