"""Pick the best verbatim span from the retrieved chunks, cite it, and decide whether to answer.

Every candidate span (a sentence, a list item, a short block) inside the retrieved chunks is
scored by a weighted sum of: its own embedding's similarity to the question, its chunk's
similarity, how much of the question's term weight (IDF) it covers, and its chunk's fused rank,
with bonuses and penalties (see ``Weights``): the kind of text the question asks for (qtype.py:
a span without a required date, figure, name... is ruled out), names the passage must mention,
and, for follow-ups, what was already quoted and what comes right after it. A logistic function
of the best score is the confidence; below the threshold the engine abstains and offers the
closest passages instead.
How much of which passages an answer quotes is assemble.py's (``Assembler``): the lead, and
beside it, where sources disagree, each source's figure or statement, newest first, and where a
quoted body was replaced, the passage saying so. The answer text is always verbatim slices of
document bodies joined by " … " — nothing here writes words of its own.
The question reaches this stage only as the ``Query`` it was read into (``Engine.read``): nothing
here tokenises, types or searches the question's text.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import AbstractSet, Sequence

import numpy as np

from bot.query.acronyms import AcronymMap, with_equivalents
from bot.corpus.chunk import is_bare_line
from bot.query.conversation import Query
from bot.answering.figures import FigurePicker
from bot.text.forms import span_penalty
from bot.query.qtype import (DATE, DURATION, MONTHS, NUMERIC, PERSON, SHARE, SIZE, YEAR_PATTERN, AnswerType, counted_terms,
                    satisfies, says_change, says_negation)
from bot.index.store import Index
from bot.answering.lists import ListPassage, Lists
from bot.answering.quotes import QuotedSpans
from bot.retrieval.retrieve import LexicalIndex
from bot.text.terms import terms
from bot.schema import Answer, Citation, Hit, ScoredSpan, Span, Support
from bot.answering.assemble import Assembler, overlaps
from bot.answering.calibration import Calibrator, lead_evidence, rules_evidence
from bot.answering.scorer import FittedScorer, Placement, candidate_features, question_features, sigmoid
from bot.answering.suggest import Supersessions
from bot.index.termindex import CHUNK_CACHE, SPAN_CACHE, AllBut, ChunkTerms, Lazy
from bot.index.vocabulary import Soft

NOT_COVERED = "The sources don't cover this question."
JOINER = " … "


@dataclass
class Decision:
    """What decided one answer, filled in by ``Extractor.answer`` when asked (explain.py reads it):
    the scored candidates (best first), the answer-level adjustments to the best score, the final
    score, the confidence and the threshold it was held against."""

    scored: list[ScoredSpan] = field(default_factory=list)
    adjustments: tuple[tuple[str, float], ...] = ()
    score: float = 0.0
    confidence: float = 0.0
    threshold: float = 0.0
    rules_confidence: float = 0.0  # the hand rules' own confidence (before any calibration)
    evidence: dict[str, float] = field(default_factory=dict)  # what calibration read of the lead (calibration.py)


@dataclass(frozen=True)
class Weights:
    """How spans are scored, how confident an answer is, and how pieces are joined.

    Span score = dense_span*cos(span) + dense_chunk*cos(chunk) + coverage*(IDF share of the
    question's terms in the span) + rank*(chunk's fused rank), plus the bonuses and penalties
    below. Confidence = sigmoid(slope * (score - midpoint)). The first eight weights were chosen
    by a coarse grid search on the dev set (tests/data/eval.jsonl), maximising the worse of the
    answerable hit rate and the abstention rate; the rest were each checked on that set and on
    question sets written by people who hadn't seen the engine (docs/quality.md).
    """

    dense_span: float = 0.45
    dense_chunk: float = 0.3
    coverage: float = 0.45
    rank: float = 0.05
    slope: float = 20.0
    midpoint: float = 0.55
    answer_type: float = 0.15  # bonus when the span holds what the question asks for (a figure, a year...)
    specific_type: float = 0.15  # extra bonus for an address or phone number when one is asked for
    change: float = 0.15  # bonus when a question asks whether something grew or shrank, for a passage saying so
    type_mismatch: float = 1.0  # penalty when it lacks what the question can't be answered without (rules it out)
    negation: float = 1.0  # ...the same for a passage saying no negative when the question asks by one
    missing_figure: float = 1.0  # ...and for a passage whose chunk lacks a figure the question gives ("in 1805")
    form_penalty: float = 0.2  # penalty for spans that can't answer by themselves (questions, captions, headlines)
    missing_entity: float = 0.2  # the passage's context doesn't name what the question names ("Paris")
    missing_name: float = 0.7  # ...nor a thing only one source names, named in full ("City of Exampleton Police")
    recency: float = 0.02  # newer sources win ties; small enough never to hide the only answer
    extra_piece_margin: float = 0.1  # a second piece must score within this of the best
    conflict_margin: float = 0.25  # number questions: the best figure must score within this of the best
    other_figures_margin: float = 0.5  # ...and other sources' figures within this of the best figure
    other_source_margin: float = 0.2  # another source's passage naming the same specific terms
    own_terms: float = 2.0  # a follow-up's own terms count this many times its context's in coverage
    list_margin: float = 0.2  # "What are the values?": a list's passage must score within this of the best
    succession: float = 0.2  # "What came before the HT?": a passage saying which body replaced which
    echo: float = 0.5  # a span made only of the question's own words ("Operation Lighthouse") answers nothing
    repeated: float = 0.15  # a follow-up is rarely answered by the passage just quoted
    continuation: float = 0.2  # ...but often by the passage right after it ("This includes ...")
    elaboration: float = 0.3  # ...and surely so when asked to go on ("What does that cover?")
    no_action: float = 0.3  # "How do I join it?": a passage never mentioning joining says nothing on how to
    yes_no: float = 0.08  # added to a yes/no question's best score: it shares fewer words with its answer
    unheard_of: float = 0.5  # taken from the best score when an informal word asked about means nothing the sources say
    short_span_words: int = 5
    dense_span_candidates: int = 8  # spans taken from anywhere by their own similarity


class Extractor:
    def __init__(self, index: Index, lexical: LexicalIndex, weights: Weights = Weights(),
                 supersessions: Supersessions | None = None, acronyms: AcronymMap | None = None,
                 lists: Lists | None = None, scorer: FittedScorer | None = None, fitted_confidence: bool = True,
                 calibrator: Calibrator | None = None) -> None:
        self.index = index
        # The fitted ranker, when given, orders the candidates; its confidence model is used only
        # with ``fitted_confidence`` (else the hand-set confidence curve decides, settings "hybrid").
        self.scorer = scorer
        self.fitted_confidence = scorer is not None and fitted_confidence
        # Turns the hand-set confidence into the probability that the lead is right (calibration.py).
        self.calibrator = None if self.fitted_confidence else calibrator
        self.lists = lists or Lists()
        self.supersessions = supersessions or Supersessions([])
        self.lexical = lexical
        self._weights = weights  # read through ``weights``, which keeps the assembler's in step
        self.acronyms = acronyms or AcronymMap()
        # What scoring reads of a span or a chunk (its terms, its form...) is worked out when a
        # question first meets it as a candidate, and only the last few thousand are kept: worked
        # out for every span up front, at 100k chunks these Python sets took gigabytes.
        # An acronym and its full name count as the same words ("SMG" = "Safe Moorings Group").
        self._equivalents = self.acronyms.term_equivalents()
        self._span_terms = Lazy(self._span_terms_of, SPAN_CACHE)  # with its section heading
        self._own_terms: Lazy[int, frozenset[str]] = Lazy(lambda i: frozenset(terms(index.spans[i].text)), SPAN_CACHE)
        self._lines = Lazy(self._lines_of, SPAN_CACHE)
        # How far each span is from a statement that can answer alone (forms.py).
        self._form: Lazy[int, float] = Lazy(lambda i: span_penalty(index.spans[i], weights.short_span_words), SPAN_CACHE)
        self._says_change: Lazy[int, bool] = Lazy(lambda i: says_change(index.spans[i].text), SPAN_CACHE)
        self._says_negation: Lazy[int, bool] = Lazy(lambda i: says_negation(index.spans[i].text), SPAN_CACHE)
        # Each chunk's terms (with its page title and heading) in order, as one array of term ids:
        # names are found as runs of terms in it, and a candidate chunk's term set read from it.
        self._chunk_words = ChunkTerms([f"{index.documents[c.doc_id].title} {c.heading} {c.text}" for c in index.chunks])
        self._chunk_terms: Lazy[int, frozenset[str]] = Lazy(lambda c: with_equivalents(self._chunk_words.set_of(c), self._equivalents), CHUNK_CACHE)
        self.quotes = QuotedSpans(index.spans)
        # 1.0 for the newest source, down to 0.0 for the oldest; undated sources count as oldest.
        # Sources all of one date (or all undated) have nothing to prefer: 0.0 each, so that the
        # rule leaves their scores, and so the confidence, as they are.
        order = sorted({date_key(d.date) for d in index.documents.values()})
        self._recency = {
            doc_id: (order.index(date_key(d.date)) / (len(order) - 1) if len(order) > 1 else 0.0)
            for doc_id, d in index.documents.items()
        }
        self.figures = FigurePicker(lexical, {doc_id: date_key(d.date) for doc_id, d in index.documents.items()})
        # The answer's shape (the lead, the quotes beside it, the citations) is assemble.py's.
        self.assembler = Assembler(index, lexical, weights, self.quotes, self.figures, self.lists, self.supersessions,
                                   self._equivalents, self._form, self._span_terms, self._own_terms)

    @property
    def weights(self) -> Weights:
        return self._weights

    @weights.setter
    def weights(self, weights: Weights) -> None:
        # The assembler weighs with the same weights. A new assembler, not the old one changed: an
        # extractor copied to try other weights (tools/ablation.py) leaves the original as it was.
        self._weights = weights
        self.assembler = self.assembler.reweighed(weights)

    def _span_terms_of(self, span_id: int) -> frozenset[str]:
        span = self.index.spans[span_id]
        return with_equivalents(frozenset(terms(span.text + " " + self.index.chunks[span.chunk_id].heading)),
                                self._equivalents)

    def _lines_of(self, span_id: int) -> tuple[tuple[bool, frozenset[str]], ...]:
        """A block's lines, each (is it a bare title?, its terms), for the echo rule; none for a sentence."""
        span = self.index.spans[span_id]
        if span.kind != "block":
            return ()
        return tuple((is_bare_line(line, 8), frozenset(terms(line))) for line in span.text.split("\n") if line.strip())

    def chunks_missing_names(self, query: Query) -> AbstractSet[int]:
        """Chunks that don't mention a rarely-named thing the question names in full.

        "How many wardens does the City of Exampleton Trust have?" needs a passage about the City
        of Exampleton Trust, not one about the Harbour Trust that happens to say "city" and "trust".
        Only names that one source uses count: a name all sources use ("Harbour Trust") is
        often shortened ("the Trust"), and one no source uses ("Trust Chief") is no name of theirs.
        """
        naming: set[int] | None = None  # the chunks naming every such name: the others miss one
        for run in query.name_terms:
            if len(run) < 2:
                continue
            holders = self._chunk_words.holding(list(run))
            if len({self.index.chunks[i].doc_id for i in holders}) == 1:
                naming = holders if naming is None else naming & holders
        return set() if naming is None else AllBut(naming, len(self.index.chunks))

    def missing_entities(self, query: Query, chunk_id: int) -> float:
        """1.0 when the chunk (with title and heading) never mentions a name the question uses."""
        if not query.entities:
            return 0.0
        have = self._chunk_terms[chunk_id]
        # One name missing is enough: an answer about one trust is no answer about "the City of Exampleton Trust".
        return 1.0 if any(not any(way <= have for way in ways) for ways in query.entities) else 0.0

    def coverage(self, focus: list[str], span_id: int, soft: Soft | None = None,
                 aliases: dict[str, frozenset[str]] | None = None, own: Sequence[str] = ()) -> float:
        """Share of the question's term weight (IDF) found in the span, word variants included.

        An acronym and its spelled-out name count once, as the acronym (spans know both forms);
        so do an informal word and its plain words (``aliases``: "kids" is found in "children").
        A term the corpus never uses counts in part where the span has one of its nearest corpus
        terms (``soft``, from vocabulary.py): "kids" is found, at its similarity, in "children".
        A follow-up's ``own`` terms weigh ``Weights.own_terms`` times the terms of its context.
        """
        return self._covered(self._coverage_plan(focus, soft, aliases, own), span_id)

    def _coverage_plan(self, focus: list[str], soft: Soft | None, aliases: dict[str, frozenset[str]] | None,
                       own: Sequence[str] = ()) -> list[tuple[float, frozenset[str], tuple]]:
        """Per question term: (its share of the weight, the terms that find it, soft neighbours).
        Worked out once per question; ``_covered`` then checks each span against it. A follow-up's
        ``own`` terms weigh more than its context's ("And empathy?" after "What does courage mean?")."""
        asked = set(focus)
        for short, full in self._equivalents:
            if short <= asked and full <= asked:
                asked -= full - short
        aliases = {t: plain for t, plain in (aliases or {}).items() if t in asked}
        for plain in aliases.values():
            asked -= plain
        # In sorted order: a set's order changes with the hash seed, and sums in another order
        # differ in the last digit, which breaks exact ties differently from run to run.
        weights = {t: self.lexical.idf(t) * (self.weights.own_terms if t in own else 1.0) for t in sorted(asked)}
        total = sum(weights.values())
        if total == 0:
            return []
        plan = []
        for t, weight in weights.items():
            finders = {t} | self.lexical.variants(t)
            for p in aliases.get(t, ()):
                finders |= {p} | self.lexical.variants(p)
            plan.append((weight / total, frozenset(finders), tuple((soft or {}).get(t, ()))))
        return plan

    def _covered(self, plan: list[tuple[float, frozenset[str], tuple]], span_id: int) -> float:
        found = self._span_terms[span_id]
        got = 0.0
        for share, finders, near in plan:
            if not finders.isdisjoint(found):
                got += share
            elif near:
                got += share * max((sim for term, sim in near if term in found), default=0.0)
        return got

    @property
    def confidence_scorer(self) -> FittedScorer | None:
        """The fitted scorer whose confidence model and thresholds are in use; None when the
        hand-set confidence curve and the settings' thresholds decide."""
        return self.scorer if self.fitted_confidence else None

    def candidates(self, query_vector: np.ndarray, hits: list[Hit], n_dense: int,
                   more_chunks: Sequence[int] = ()) -> tuple[list[int], dict[int, Hit]]:
        """Spans of the retrieved chunks, plus the spans most similar to the question anywhere,
        plus those of ``more_chunks``.

        Chunk embeddings blur a sentence among its neighbours; searching spans directly
        recovers the one sentence that answers a paraphrased question.
        """
        by_chunk = {h.chunk_id: h for h in hits}
        span_ids = [s for h in hits for s in self.index.chunk_spans[h.chunk_id]]
        dense_top: list[int] = []
        if n_dense and len(self.index.spans):
            if self.index.span_faiss is not None:  # the span index: no scan of every span vector at scale
                _, ids = self.index.span_faiss.search(query_vector.reshape(1, -1).astype(np.float32), n_dense)
                dense_top = [int(i) for i in ids[0] if i >= 0]
            else:
                sims = self.index.span_vectors @ query_vector
                dense_top = np.argpartition(-sims, min(n_dense, len(sims) - 1))[:n_dense].tolist()
        for chunk_id in [self.index.spans[i].chunk_id for i in dense_top] + list(more_chunks):
            if chunk_id not in by_chunk:
                by_chunk[chunk_id] = Hit(chunk_id, 0.0, float(self.index.chunk_vectors[chunk_id] @ query_vector))
                span_ids.extend(self.index.chunk_spans[chunk_id])
        return span_ids, by_chunk

    def score(self, query: Query, hits: list[Hit]) -> list[ScoredSpan]:
        """The candidate spans of an embedded ``query`` (Engine.read), best first, each with its
        score parts (and fitted logit)."""
        return self._ranked(query, hits)[0]

    def _ranked(self, query: Query, hits: list[Hit]) -> tuple[list[ScoredSpan], tuple[np.ndarray, np.ndarray] | None]:
        """The candidates best first and, with a fitted scorer, the first candidates' features and logits."""
        scored = self._hand_scored(query, hits)
        if self.scorer is None or not scored:
            return scored, None
        # The fitted ranker reorders the hand rules' first candidates (scorer.py).
        top = scored[:MAX_CANDIDATES]
        x = self.features(query, top)
        logits = self.scorer.ranker.logits(x)
        order = np.argsort(-logits, kind="stable")
        ranked = [dataclasses.replace(top[i], fitted=float(logits[i])) for i in order]
        return ranked + scored[MAX_CANDIDATES:], (x, logits)

    def features(self, query: Query, scored: Sequence[ScoredSpan]) -> np.ndarray:
        """The fitted ranker's features of each candidate (scorer.CANDIDATE_FEATURES)."""
        last = [self.index.spans[i] for i in self.quotes.find(query.last_quoted)[0]]  # none for a question on its own
        last_chunks = {(span.doc_id, span.chunk_id) for span in last}
        last_docs = {span.doc_id for span in last}
        placements = []
        for s in scored:
            chunk = self.index.chunks[s.span.chunk_id]
            siblings = self.index.chunk_spans[s.span.chunk_id]
            doc, at = s.span.doc_id, s.span.chunk_id
            placements.append(Placement(at, siblings.index(s.span_id), len(siblings),
                                        f"{self.index.documents[doc].title} {chunk.heading}",
                                        thread_chunk=(doc, at) in last_chunks,
                                        thread_near=(doc, at - 1) in last_chunks or (doc, at + 1) in last_chunks,
                                        thread_doc=doc in last_docs,
                                        thread_after=any(doc == said.doc_id and s.span.start >= said.end for said in last)))
        return candidate_features(query, scored, self.lexical.idf, placements)

    def _hand_scored(self, query: Query, hits: list[Hit]) -> list[ScoredSpan]:
        query_vector = query.vector
        if query_vector is None:
            raise ValueError(f"the query {query.question!r} is not embedded (Engine.read embeds it)")
        if not hits:
            return []
        w = self.weights
        top_rrf = max(h.score for h in hits) or 1.0
        wanted = query.asks.wanted
        role_chunks = []
        if wanted is PERSON:
            # "Who is the current Chair?": whoever holds the role may be named far from the
            # question's other words ("Foreword (Chair Jo Example), pg 2"): the chunks
            # saying the role are candidates too.
            roles = list(query.role_terms)
            role_chunks = [chunk_id for chunk_id, _ in self.lexical.search(roles, _ROLE_CHUNKS)] if roles else []
        span_ids, by_chunk = self.candidates(query_vector, hits, w.dense_span_candidates, role_chunks)
        quoted, after_quoted = self.quotes.find(query.quoted, query.last_quoted)
        if query.selection:  # "Which one is about the frontline?": the items just quoted are the choice
            items = self._list_items(query.last_quoted, introduced_only=False)
            quoted, after_quoted = quoted - items, after_quoted | items
        elif query.other:
            # "Are there any other functions?" after "...five operational functions:": the five
            # were what the answer announced; the answer is past the list, not in it.
            items, after_lists = self._list_items(query.last_quoted), self._after_lists(query.last_quoted)
            quoted, after_quoted = quoted | items, (after_quoted - items) | after_lists
        else:
            after_quoted |= self._list_items(query.last_quoted) - quoted
            for items, intro in self._item_lists(query.last_quoted):
                # After one item of a list ("Who heads it?"), what goes on from it is the list's
                # introduction, not the next item, unless the question's own words are more an
                # item's than the introduction's ("And what does 'patience' mean?").
                own = query.own_terms
                if max((self._count_of(i, own) for i in intro), default=0) >= max(
                        (self._count_of(i, own) for i in items - quoted), default=0):
                    after_quoted = (after_quoted - items) | (intro - quoted)
        for span_id in sorted(after_quoted - set(span_ids)):  # the passage after the last answer is always a candidate
            chunk_id = self.index.spans[span_id].chunk_id
            by_chunk.setdefault(chunk_id, Hit(chunk_id, 0.0, float(self.index.chunk_vectors[chunk_id] @ query_vector)))
            span_ids.append(span_id)
        if not span_ids:
            return []
        cos = self.index.span_vectors[span_ids] @ query_vector
        type_focus = self._type_focus(wanted, query)
        missing_names = self.chunks_missing_names(query)
        # "How many officers have they got?" after an answer about another force: about that force.
        answered_name = self._answered_name(query)
        off_subject = self._chunks_without(answered_name) if answered_name else set()
        succession = self._succession_spans(query)
        asked = {v for t in query.focus_terms for v in {t} | self.lexical.variants(t)}
        plan = self._coverage_plan(query.focus_terms, query.soft, query.aliases, query.own_terms)
        change = query.asks.change
        # "What was built in 1805?" is answered where 1805 is said: a passage whose chunk never
        # gives a figure the question gives answers another question (yes/no ones aside: "Is it
        # 5,000?" is answered by the passage saying 4,800).
        figures = set() if query.yes_no else {t for t in query.own_terms or query.focus_terms if any(c.isdigit() for c in t)}
        scored = []
        for span_id, cos_span in zip(span_ids, cos):
            span = self.index.spans[span_id]
            hit = by_chunk[span.chunk_id]
            cov = self._covered(plan, span_id)
            rank = hit.score / top_rrf
            # Every part is named after the Weights field that sets it, so a trace shows each
            # rule's contribution and an ablation (weight 0) turns exactly that rule off.
            parts = [("dense_span", w.dense_span * float(cos_span)), ("dense_chunk", w.dense_chunk * hit.dense_score),
                     ("coverage", w.coverage * cov), ("rank", w.rank * rank)]
            type_score = self._type_score(wanted, span, query, type_focus)
            if type_score:
                parts.append(("type_mismatch" if type_score < 0 else "answer_type", type_score))
            if change and self._says_change[span_id]:
                parts.append(("change", w.change))
            if query.asks.negated and not self._says_negation[span_id]:
                parts.append(("negation", -w.negation))
            if span_id in succession:
                parts.append(("succession", w.succession))
            if asked and (self._own_terms[span_id] <= asked or _echoes_by_line(self._lines[span_id], asked)):
                parts.append(("echo", -w.echo))
            parts.append(("recency", w.recency * self._recency[span.doc_id]))
            if self.missing_entities(query, span.chunk_id):
                parts.append(("missing_entity", -w.missing_entity))
            if figures and not figures <= self._chunk_terms[span.chunk_id]:
                parts.append(("missing_figure", -w.missing_figure))
            if span.chunk_id in missing_names or span.chunk_id in off_subject:
                parts.append(("missing_name", -w.missing_name))
            if self._form[span_id]:
                parts.append(("form_penalty", -w.form_penalty * self._form[span_id]))
            if query.action and not self._has_any(span_id, list(query.action)):
                parts.append(("no_action", -w.no_action))
            if query.quoted:
                if span_id in quoted:  # asked to go on, or for something else, the same passage is no answer at all
                    parts.append(("repeated", -(1.0 if query.elaboration or query.other else w.repeated)))
                elif span_id in after_quoted and not (query.parallel and not self._has_any(span_id, query.own_terms)):
                    # ("And special constables?" is not answered by what followed the officer figures.)
                    parts.append(("elaboration", w.elaboration) if query.elaboration else ("continuation", w.continuation))
            parts = [(name, value) for name, value in parts if value]
            scored.append(ScoredSpan(span_id, span, sum(v for _, v in parts), float(cos_span), hit.dense_score, cov, rank,
                                     tuple(parts)))
        scored.sort(key=lambda s: -s.score)
        return scored

    def _answered_name(self, query: Query) -> str | None:
        """A follow-up's "they" may be what the last answer was about, named only by the heading
        above it: "[Who looks after the canals?] -> A volunteer body that keeps the towpaths
        clear..." is under "Canal Friends", and "How many members have they got?" asks about
        that body, not the Trust."""
        if not (query.followup and query.refers_back):
            return None
        headings = {self.index.chunks[self.index.spans[i].chunk_id].heading
                    for piece in query.last_quoted for i in self.quotes.quoting(piece)}
        names = [h for h in headings if _NAME_HEADING.match(h)]
        return names[0] if len(names) == 1 else None

    def _chunks_without(self, name: str) -> AbstractSet[int]:
        """Chunks (with title and heading) that don't have the name's terms in a row."""
        return AllBut(self._chunk_words.holding(terms(name)), len(self.index.chunks))

    def _unheard_of(self, query: Query) -> list[str]:
        """The informal words asked about whose plain words the sources never use either ("sacked"
        -> "dismissed"): what they mean is known, and it is nowhere in the sources."""
        def known(term: str) -> bool:
            return term in self.lexical.df or bool(self.lexical.variants(term))
        return [t for t in query.own_terms or query.focus_terms
                if t in query.aliases and not known(t) and not any(known(p) for p in query.aliases[t])]

    def _succession_spans(self, query: Query) -> set[int]:
        """For a question about what came before or after a body, the passages saying a body was
        replaced, in chunks naming a body the question names."""
        if not query.succession or not query.entities:
            return set()
        return {sup.span_id for sup in self.supersessions.items
                if not self.missing_entities(query, self.index.spans[sup.span_id].chunk_id)}

    def _type_focus(self, wanted: AnswerType | None, query: Query) -> list[str]:
        """The terms what the question asks for must stand with (worked out once per question).

        What a figure must count is what is asked now ("And how many of them are women?"), not
        the thread's earlier subject ("officers"), nor a word of time ("How many complaints a
        year?" is not answered by "Eleven years on"). A time is the thread's subject's: "[Harbour
        Plan] How long does it run?" is answered by "a three-year plan", and "[What is Harbour
        Renewal?] When does it end?" not by a headline on something else that says "end".
        """
        focus = query.focus_terms if wanted in (DATE, DURATION) else (query.own_terms or query.focus_terms)
        return self.figures.counted(focus, query.asks.counted) if wanted in NUMERIC else focus

    def _type_score(self, wanted: AnswerType | None, span: Span, query: Query, focus: list[str]) -> float:
        """Bonus for a span of the kind the question asks for; penalty for lacking a required kind.

        A number question wants a figure *of what it counts* ("How many officers?"), not any number.
        """
        if wanted is None:
            return 0.0
        if wanted is DATE and query.asks.future and not self._dated_after_source(span):
            # "When is the next board meeting?" asks about the future: a source can only answer
            # with a year after its own date, not "(in 2010)".
            return -self.weights.type_mismatch
        if satisfies(wanted, span.text, query.asks, focus, query.aliases):
            # An address or a phone number is rarely there by chance: stronger evidence than a year.
            specific = wanted.name in ("address", "phone")
            return self.weights.answer_type + (self.weights.specific_type if specific else 0.0)
        return -self.weights.type_mismatch if wanted.required else 0.0

    def _dated_after_source(self, span: Span) -> bool:
        """A year in the span later than its source's own date (any year, for an undated source)."""
        since = date_key(self.index.documents[span.doc_id].date)[0]
        return any(int(y) > since for y in YEAR_PATTERN.findall(span.text))

    def confidence(self, score: float) -> float:
        return 1.0 / (1.0 + math.exp(-self.weights.slope * (score - self.weights.midpoint)))

    def cite(self, span: Span) -> Citation:
        return self.assembler.cite(span)

    def answer(self, query: Query, hits: list[Hit], threshold: float, trace: Decision | None = None,
               rules_threshold: float | None = None) -> Answer:
        """The answer to an embedded ``query`` (Engine.read) from the retrieved ``hits``; ``trace``,
        when given, is filled with what decided it (the scored candidates, the answer-level
        adjustments, the confidence).

        ``threshold`` is held against the confidence reported (calibrated when a calibrator is in
        use); ``rules_threshold`` is the hand-set one the rules' own confidence is held against
        where the rules rule candidates in or out (default ``threshold``)."""
        leans = query.leans_on_answer  # a follow-up leaning on an answer has its own threshold
        gate = threshold if rules_threshold is None else rules_threshold
        scored, fitted = self._ranked(query, hits)
        if trace is not None:
            trace.scored, trace.threshold = scored, threshold
        if not scored:
            return Answer(False, NOT_COVERED)
        # With the hand-set confidence deciding (settings "hybrid"), it decides as the rules alone
        # would: from the rules' own order; the fitted order only chooses the lead (below).
        reranked = fitted is not None and not self.fitted_confidence
        by_rules = sorted(scored, key=lambda s: -s.score) if reranked else scored
        best = by_rules[0]
        wanted = query.asks.wanted
        numeric = wanted in NUMERIC and wanted is not SIZE  # "how big?" has no one thing to count
        shares = wanted is SHARE
        figure_focus = self.figures.counted(counted_terms(query.asks, query.own_terms or query.focus_terms), query.asks.counted)
        said, after_said = self.quotes.find(query.quoted, query.last_quoted)
        adjustments = []
        if query.yes_no:
            adjustments.append(("yes_no", self.weights.yes_no))
        if self._unheard_of(query):
            adjustments.append(("unheard_of", -self.weights.unheard_of))  # "Were they sacked?": the sources never speak of dismissal
        score = best.score
        for _, value in adjustments:  # in order, as the rules apply
            score += value
        if query.elaboration and best.span_id in after_said and score < self.weights.midpoint:
            # "And what happened after that?": what the source says next is the answer by construction.
            adjustments.append(("elaboration_floor", self.weights.midpoint - score))
            score = self.weights.midpoint
        rules_confidence = confidence = self.confidence(score)
        if fitted is not None and self.scorer is not None and self.fitted_confidence:  # the fitted probability that the lead is right
            confidence = float(sigmoid(self.scorer.confidence.logits(question_features(*fitted, adjustments))))
            if query.elaboration and best.span_id in after_said:
                confidence = max(confidence, threshold)
        if self.calibrator is not None and not self.calibrator.reads_lead:  # mapped: the rules' confidence alone
            confidence = self.calibrator.probability(rules_evidence(rules_confidence, leans))
        if trace is not None:
            trace.adjustments, trace.score, trace.confidence = tuple(adjustments), score, confidence
            trace.rules_confidence = rules_confidence
        # A confidence read off the lead (calibrator "chosen") needs the lead chosen before deciding.
        if (self.calibrator is None or not self.calibrator.reads_lead) and confidence < threshold:
            return Answer(False, NOT_COVERED, confidence=confidence, suggestions=tuple(self.assembler.suggestions(scored)))
        if reranked:
            # The rules decided to answer; the fitted ranker chooses the lead among the candidates
            # it ranked. It sees the rules' verdicts as features (a span lacking the kind of text
            # the question requires, by kind: scorer.py's ``mismatch_x_*``), and weighs them as the
            # data says: until session 12 it chose only among spans the rules would answer with on
            # their own, which cost SQuAD validation 2.1 points of lead right (docs/quality.md).
            shift = score - best.score
            ok = [s for s in scored if s.fitted is not None and (
                self.confidence(s.score - dict(s.parts).get("type_mismatch", 0.0) + shift) >= gate
                or (query.elaboration and s.span_id in after_said))]
            scored = ok + [s for s in scored if s not in ok]
            if ok:
                # The ranker chooses the passage; how much of it to quote (a sentence, or the block
                # holding it: a list item whole, a name's heading with its paragraph) the rules choose.
                extent = max((s for s in ok if overlaps(s.span, ok[0].span)), key=lambda s: s.score)
                # Only the lead is the ranker's: what goes beside it (a second passage, another
                # source) is chosen as the rules choose it, from their own order.
                rest = [s for s in by_rules if s is not extent]
                joined = self.assembler.with_neighbour(extent.span, best.span) if extent is not best else None
                if joined is not None:  # the two passages are one: the rules' best, widened
                    extent, rest = dataclasses.replace(best, span=joined), [s for s in rest if s is not best]
                scored = [extent] + rest
            if trace is not None:
                trace.scored = scored  # the order the lead was chosen from
        assembled = self.assembler.assemble(scored, query, wanted, numeric, shares, figure_focus, said,
                                            self._succession_spans(query))
        lead, supporting = assembled.lead, assembled.supporting
        citations = tuple(self.assembler.citation(doc_id, start, end) for doc_id, start, end in lead)
        support = tuple(Support(self.cite(span), why) for span, why in supporting)
        text = JOINER.join(c.quote for c in citations)
        evidence = lead_evidence(query.asks.kind, rules_confidence, by_rules, self.assembler.lead(scored),
                                 fitted[1] if fitted is not None else None, leans, query.yes_no, len(text), len(lead),
                                 len(support), dict(adjustments), hits)
        if self.calibrator is not None and self.calibrator.reads_lead:
            confidence = self.calibrator.probability(evidence)
            if query.elaboration and best.span_id in after_said:  # answered by construction (above)
                confidence = max(confidence, self.calibrator.threshold_for(leans, gate))
        if trace is not None:
            trace.confidence, trace.evidence = confidence, evidence
        if confidence < threshold:
            return Answer(False, NOT_COVERED, confidence=confidence, suggestions=tuple(self.assembler.suggestions(scored)))
        return Answer(True, text, citations + tuple(s.citation for s in support), confidence, supporting=support)

    def _list_items(self, pieces: Sequence[str], introduced_only: bool = True) -> set[int]:
        """The items of the lists quoted pieces belong to. By default only of a list whose quoted
        introduction opens it ("...five operational functions:"): each item, not only the first,
        comes next. With ``introduced_only=False``, of any list a piece is part of, item or
        introduction ("Which one is about the frontline?" after the principles were listed)."""
        return {span_id for passage in self._quoted_lists(pieces, introduced_only) for span_id in self._item_spans(passage)}

    def _item_spans(self, passage: ListPassage) -> set[int]:
        """The spans starting within the list's items."""
        return {span_id for start, end in passage.items for span_id in self.quotes.starting_within(passage.doc_id, start, end)}

    def _item_lists(self, pieces: Sequence[str]) -> list[tuple[set[int], set[int]]]:
        """For each list a quoted piece is an item of (not its introduction): the span ids of its
        items and of its introduction."""
        passages = dict.fromkeys(  # each list once, in the order the pieces quote them
            passage for piece in pieces for span_id in self.quotes.quoting(piece)
            if (passage := self.lists.introduced_item_at(self.index.spans[span_id].doc_id,
                                                          self.index.spans[span_id].start)) is not None)
        out = []
        for passage in passages:
            if passage.intro is None:  # never: introduced_item_at finds only lists with an introduction
                continue
            start, end = passage.intro
            intro = {i for i in self.quotes.starting_within(passage.doc_id, start, end) if self.index.spans[i].end <= end}
            out.append((self._item_spans(passage), intro))
        return out

    def _after_lists(self, pieces: Sequence[str]) -> set[int]:
        """The span right after each list whose introduction was quoted."""
        out: set[int] = set()
        for passage in self._quoted_lists(pieces):
            body_end = len(self.index.documents[passage.doc_id].body)
            out.update(self.quotes.starting_within(passage.doc_id, passage.end, body_end)[:1])
        return out

    def _quoted_lists(self, pieces: Sequence[str], introduced_only: bool = True) -> list[ListPassage]:
        """The lists the quoted pieces belong to (see ``_list_items``)."""
        out = []
        for piece in pieces:
            if introduced_only and not piece.rstrip().endswith(":"):
                continue
            for span_id in self.quotes.quoting(piece):
                span = self.index.spans[span_id]
                passage = self.lists.containing(span.doc_id, span.start + max(0, span.text.find(piece.rstrip())))
                if passage is not None and (passage.intro is not None or not introduced_only):
                    out.append(passage)
        return out

    def _has_any(self, span_id: int, wanted: list[str]) -> bool:
        """Whether the span (with its heading) has any of the terms."""
        found = self._span_terms[span_id]
        return any(self._finds(found, t) for t in wanted)

    def _count_of(self, span_id: int, wanted: list[str]) -> int:
        """How many of the terms the span (with its heading) has."""
        found = self._span_terms[span_id]
        return sum(1 for t in wanted if self._finds(found, t))

    def _finds(self, found: frozenset[str], term: str) -> bool:
        """Whether a span's terms hold the term or one of its word variants."""
        return term in found or bool(self.lexical.variants(term) & found)



def date_key(date: str) -> tuple[int, int]:
    """Sortable (year, month) of a source date such as "June 2017"; undated sorts oldest."""
    year = re.search(r"\b(\d{4})\b", date or "")
    if not year:
        return (0, 0)
    month = next((i + 1 for i, m in enumerate(MONTHS) if m in date.lower()), 0)
    return (int(year.group(1)), month)


MAX_CANDIDATES = 40  # the hand rules' first candidates, which a fitted ranker reorders (train.py uses as many)
_ROLE_CHUNKS = 20  # chunks saying the role asked about, taken as candidates for a who-question
# A heading that names one thing: capitalised words, "of"/"the"/"&" between ("City of Exampleton
# Police"), not opening with a pronoun or a preposition as section titles do ("Our Structure",
# "About Us"), nor pairing two things with "and" ("HT and the Boating Community").
_NAME_HEADING = re.compile(r"^(?!(?:Our|Your|We|About)\b)[A-Z][\w’'+]*(?:\s+(?:(?:of|the|&)\s+)*[A-Z][\w’'+]*)+$")


def _echoes_by_line(lines: tuple[tuple[bool, frozenset[str]], ...], asked: set[str]) -> bool:
    """A block whose only lines sharing words with the question are titles of just those words
    ("...reports including: / The Quayside Review / Operation Lighthouse" for "What was
    Operation Lighthouse?"): the block names the thing and says nothing about it. ``lines`` are the
    block's (is a bare title, terms) pairs; a sentence has none."""
    touched = [(title, line_terms) for title, line_terms in lines if line_terms & asked]
    return bool(touched) and all(title and line_terms <= asked for title, line_terms in touched)



