"""Answers to number questions: a figure of what is asked, from each source that gives one.

Sources of different dates disagree ("4,100" / "3,900" / "3,650" wardens). ``FigurePicker``
picks the figure of the very thing counted (the lead answer) and, beside it, each other source's
own figure of much the same thing, newest source first, each with its own citation, rather than silently
picking one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from bot.text.forms import span_penalty
from bot.query.qtype import MONTHS, YEAR_PATTERN, figure_terms, mentions_figure
from bot.retrieval.retrieve import LexicalIndex
from bot.text.terms import terms
from bot.schema import ScoredSpan, Span

if TYPE_CHECKING:
    from bot.answering.answer import Weights

# "How many murders last year?" counts murders, not years; "...as of April 2025?" counts no months.
_WHEN_WORDS = frozenset(terms("last year years month months week day today now current currently ago annual annually "
                              + " ".join(MONTHS)))


class FigurePicker:
    def __init__(self, lexical: LexicalIndex, doc_order: dict[str, tuple[int, int]]) -> None:
        self.lexical = lexical
        self.doc_order = doc_order  # each source's (year, month): newest figures are quoted first

    def counted(self, focus: list[str], head: Sequence[str] = ()) -> list[str]:
        """What a number question counts: its terms, less those on most pages ("Trust", "harbour")
        and words of time, unless time is what is counted ("How many weeks of evidence...?";
        ``head``: the terms of the phrase the question counts, ``Asks.counted``)."""
        unit = set(head[:1]) & _WHEN_WORDS
        counted = [t for t in focus if self.lexical.df.get(t, 0) <= 0.5 * self.lexical.n_docs
                   and (t not in _WHEN_WORDS or t in unit) and not YEAR_PATTERN.fullmatch(t)]
        return counted or focus

    def pick(self, scored: list[ScoredSpan], focus: list[str], shares: bool, head: Sequence[str], w: "Weights",
             limit: int = 3) -> list[Span]:
        """The figure of the very thing asked about first, then each other source's best figure,
        newest source first (``scored``: best first; ``head``: the terms of the phrase the
        question counts; ``w``: the margins within which figures of other passages and sources
        are still quoted)."""
        best = scored[0]
        figures = [s for s in scored
                   if mentions_figure(s.span.text, focus, shares=shares) and not span_penalty(s.span, w.short_span_words)]
        if not figures or best.score - figures[0].score > w.conflict_margin:
            return [best.span]
        # The figure of the very thing asked about: by the hand rules alone, of the figures scoring
        # near the top, the one whose neighbouring words carry most of what is counted ("Volunteer Harbour Wardens",
        # not just "wardens"). It is strong evidence by itself: other sources' figures
        # are quoted even when their passages score lower overall.

        def specificity(s: ScoredSpan) -> tuple[float, float]:
            near = figure_terms(s.span.text, focus, shares)
            return (sum(self.lexical.idf(t) for t in near & set(head)), sum(self.lexical.idf(t) for t in near))
        if figures[0].fitted is not None:
            # When the fitted ranker orders the candidates, it decides instead: its best figure
            # leads (on the development sets +6 rows, -2; SQuAD unchanged).
            anchor = figures[0]
        else:
            near_top = [s for s in figures if figures[0].score - s.score <= w.extra_piece_margin * 2]
            anchor = max(near_top, key=lambda s: (specificity(s), s.score))
        figures = [anchor] + [s for s in figures if s is not anchor]
        chosen = [anchor.span]
        # Other sources' figures must count much the same thing ("3,650 wardens" is no
        # figure of Volunteer Harbour Wardens).
        for other in figures[1:]:
            if len(chosen) >= limit or anchor.score - other.score > w.other_figures_margin:
                break
            if other.span.doc_id not in {c.doc_id for c in chosen} and specificity(other)[1] >= 0.5 * specificity(anchor)[1]:
                chosen.append(other.span)
        return chosen[:1] + sorted(chosen[1:], key=lambda s: self.doc_order[s.doc_id], reverse=True)
