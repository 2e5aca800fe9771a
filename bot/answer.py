"""Pick the best verbatim span from the retrieved chunks, cite it, and decide whether to answer.

Every candidate span (a sentence, a list item, a short block) inside the retrieved chunks is
scored by a weighted sum of: its own embedding's similarity to the question, its chunk's
similarity, how much of the question's term weight (IDF) it covers, and its chunk's fused rank.
A logistic function of the best score is the confidence; below the threshold the engine abstains
and offers the closest passages as suggestions. The answer text is always a verbatim slice of a
document body — nothing here writes words of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .conversation import Query
from .index import Index
from .retrieve import LexicalIndex, terms
from .schema import Answer, Citation, Hit, Span

NOT_COVERED = "The sources don't cover this question."
JOINER = " … "


@dataclass(frozen=True)
class Weights:
    """Span score = dense_span*cos(span) + dense_chunk*cos(chunk) + coverage*cov + rank*rrf.

    Confidence = sigmoid(slope * (score - midpoint)). Fitted on tests/data/eval.jsonl with
    ``python -m bot calibrate``; see README "How answers are chosen".
    """

    dense_span: float = 0.5
    dense_chunk: float = 0.15
    coverage: float = 0.3
    rank: float = 0.05
    slope: float = 20.0
    midpoint: float = 0.45
    extra_piece_margin: float = 0.04  # a second piece must score within this of the best
    short_span_words: int = 5


@dataclass(frozen=True)
class ScoredSpan:
    span: Span
    score: float
    cos_span: float
    cos_chunk: float
    coverage: float
    rank: float


class Extractor:
    def __init__(self, index: Index, lexical: LexicalIndex, weights: Weights = Weights()) -> None:
        self.index = index
        self.lexical = lexical
        self.weights = weights
        # Terms of each span (with its section heading): computed once, not per question.
        self._span_terms = [
            set(terms(s.text + " " + index.chunks[s.chunk_id].heading)) for s in index.spans
        ]

    def coverage(self, focus: list[str], span_id: int) -> float:
        weights = {t: self.lexical.idf(t) for t in set(focus)}
        total = sum(weights.values())
        if total == 0:
            return 0.0
        return sum(w for t, w in weights.items() if t in self._span_terms[span_id]) / total

    def score(self, query: Query, query_vector: np.ndarray, hits: list[Hit]) -> list[ScoredSpan]:
        if not hits:
            return []
        w = self.weights
        top_rrf = max(h.score for h in hits)
        span_ids = [s for h in hits for s in self.index.chunk_spans[h.chunk_id]]
        if not span_ids:
            return []
        cos = self.index.span_vectors[span_ids] @ query_vector
        by_chunk = {h.chunk_id: h for h in hits}
        scored = []
        for span_id, cos_span in zip(span_ids, cos):
            span = self.index.spans[span_id]
            hit = by_chunk[span.chunk_id]
            cov = self.coverage(query.focus_terms, span_id)
            rank = hit.score / top_rrf
            score = w.dense_span * float(cos_span) + w.dense_chunk * hit.dense_score + w.coverage * cov + w.rank * rank
            if len(span.text.split()) < w.short_span_words:
                score -= 0.05  # a fragment ("Our work") rarely answers anything by itself
            scored.append(ScoredSpan(span, score, float(cos_span), hit.dense_score, cov, rank))
        scored.sort(key=lambda s: -s.score)
        return scored

    def confidence(self, score: float) -> float:
        return 1.0 / (1.0 + math.exp(-self.weights.slope * (score - self.weights.midpoint)))

    def cite(self, span: Span) -> Citation:
        doc = self.index.documents[span.doc_id]
        return Citation(doc.doc_id, doc.title, span.start, span.end, span.text, doc.date, doc.archived)

    def answer(self, query: Query, query_vector: np.ndarray, hits: list[Hit], threshold: float) -> Answer:
        scored = self.score(query, query_vector, hits)
        if not scored:
            return Answer(False, NOT_COVERED)
        best = scored[0]
        confidence = self.confidence(best.score)
        if confidence < threshold:
            return Answer(False, NOT_COVERED, confidence=confidence, suggestions=tuple(self._suggestions(scored)))
        pieces = [best.span]
        for other in scored[1:]:
            if other.score < best.score - self.weights.extra_piece_margin or len(pieces) >= 2:
                break
            if all(other.span.chunk_id != p.chunk_id for p in pieces) and not any(_overlaps(other.span, p) for p in pieces):
                pieces.append(other.span)
        citations = tuple(self.cite(p) for p in pieces)
        return Answer(True, JOINER.join(c.quote for c in citations), citations, confidence)

    def _suggestions(self, scored: list[ScoredSpan], n: int = 3) -> list[Citation]:
        out, chunks = [], set()
        for s in scored:
            if s.span.chunk_id in chunks or len(s.span.text.split()) < self.weights.short_span_words:
                continue
            chunks.add(s.span.chunk_id)
            out.append(self.cite(s.span))
            if len(out) == n:
                break
        return out


def _overlaps(a: Span, b: Span) -> bool:
    return a.doc_id == b.doc_id and a.start < b.end and b.start < a.end
