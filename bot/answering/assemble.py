"""Shape a chosen answer into what is quoted: the lead and the quotes offered beside it.

``Extractor`` (answer.py) scores the candidates and decides whether to answer; ``Assembler``
takes its scored candidates, best first, and decides how much of which passages to quote:
- the lead: one span (widened to the block a lead-in ":" belongs to, with a sentence that only
  goes on from it, with the name line above it for a who/which question, without a title line
  glued above its prose), a figure of the thing counted (figures.py), or a list's introduction
  with its items (lists.py; a long list: its introduction with the item that answers);
- beside it, only what the lead lacks: other sources' values of a figure (newest first),
  another source saying the same, what the same source goes on to say, and the passage saying
  that a quoted body was replaced (suggest.py);
- the closest passages offered instead when the engine abstains, and the citations themselves.

It does not score, rank or gate: which candidates there are, their order and whether to answer
at all are the Extractor's. It writes no words of its own: every piece is a slice of a document
body, cited by its offsets.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, AbstractSet

from bot.query.acronyms import name_run, with_equivalents
from bot.corpus.chunk import is_bare_line, is_name_line
from bot.query.conversation import Query
from bot.answering.figures import FigurePicker
from bot.text.forms import span_penalty
from bot.query.qtype import AnswerType
from bot.index.store import Index
from bot.answering.lists import ListPassage, Lists
from bot.answering.quotes import QuotedSpans
from bot.retrieval.retrieve import LexicalIndex
from bot.text.terms import terms
from bot.schema import SUPPORT_REASONS, Citation, ScoredSpan, Span
from bot.answering.suggest import Supersession, Supersessions
from bot.index.termindex import LIST_CACHE, Lazy

if TYPE_CHECKING:
    from bot.answering.answer import Weights

# A lead answer is read in a chat bubble: a list or a passage longer than this is quoted in part
# (a list's introduction with the item that answers).
LEAD_CHARS = 500


@dataclass(frozen=True)
class Assembled:
    """What an answer quotes: the lead's pieces (doc_id, start, end), in reading order, and the
    quotes offered beside it, each with why (one of ``schema.SUPPORT_REASONS``)."""

    lead: tuple[tuple[str, int, int], ...]
    supporting: tuple[tuple[Span, str], ...] = ()

    def __post_init__(self) -> None:
        for doc_id, start, end in self.lead:
            if not 0 <= start < end:
                raise ValueError(f"a lead piece of {doc_id!r} needs 0 <= start < end, got {start}..{end}")
        for span, why in self.supporting:
            if why not in SUPPORT_REASONS:
                raise ValueError(f"a supporting quote's reason must be one of {SUPPORT_REASONS}, got {why!r}")


class Assembler:
    """The lead and supporting quotes of an answer, from candidates the Extractor scored.

    Built by the Extractor with what it shares: the index, the lexical index's word variants and
    IDF, the weights, the quoted-span finder, the figure picker, the lists, the supersessions,
    and its cached readings of spans (``form``, ``span_terms``, ``own_terms``)."""

    def __init__(self, index: Index, lexical: LexicalIndex, weights: Weights, quotes: QuotedSpans,
                 figures: FigurePicker, lists: Lists, supersessions: Supersessions,
                 equivalents: list[tuple[frozenset[str], frozenset[str]]], form: Lazy[int, float],
                 span_terms: Lazy[int, frozenset[str]], own_terms: Lazy[int, frozenset[str]]) -> None:
        self.index = index
        self.lexical = lexical
        self.weights = weights
        self.quotes = quotes
        self.figures = figures
        self.lists = lists
        self.supersessions = supersessions
        # The Extractor's readings of a span, worked out when a question first meets it (answer.py):
        # its distance from a statement that answers alone, its terms with its heading, its own terms.
        self._equivalents = equivalents
        self._form = form
        self._span_terms = span_terms
        self._own_terms = own_terms
        # Each list's words (with its page title and heading), to check a list question's other terms.
        self._list_terms = Lazy(self._list_terms_of, LIST_CACHE)

    def reweighed(self, weights: Weights) -> Assembler:
        """The same assembler with other weights; its caches are shared (no weight changes them)."""
        other = copy.copy(self)
        other.weights = weights
        return other

    def _list_terms_of(self, passage: ListPassage) -> frozenset[str]:
        doc = self.index.documents[passage.doc_id]
        return with_equivalents(frozenset(terms(f"{doc.title} {passage.heading} {doc.body[passage.start:passage.end]}")),
                                self._equivalents)

    def cite(self, span: Span) -> Citation:
        return self.citation(span.doc_id, span.start, span.end)

    def citation(self, doc_id: str, start: int, end: int) -> Citation:
        doc = self.index.documents[doc_id]
        return Citation(doc.doc_id, doc.title, start, end, doc.body[start:end], doc.date, doc.archived, doc.url)

    def with_neighbour(self, chosen: Span, preferred: Span) -> Span | None:
        """When the ranker's pick (``chosen``) and the rules' own best (``preferred``) stand next to
        each other (one paragraph, or one and the next) and are short enough together, the two as
        one passage, in the page's order: "...first write to the harbour office." + "You can
        do so online or by post to: <address>". None otherwise."""
        if preferred.doc_id != chosen.doc_id:
            return None
        first, second = sorted((chosen, preferred), key=lambda sp: sp.start)
        body = self.index.documents[chosen.doc_id].body
        between = body[first.end:second.start]
        if second.start < first.end or between.strip() or between.count("\n") > 2 or second.end - first.start > LEAD_CHARS:
            return None
        return Span(first.chunk_id, chosen.doc_id, first.start, second.end, body[first.start:second.end], "block")

    def assemble(self, scored: list[ScoredSpan], query: Query, wanted: AnswerType | None, numeric: bool,
                 shares: bool, figure_focus: list[str], said: set[int], succession: AbstractSet[int]
                 ) -> Assembled:
        """The lead answer's pieces (doc_id, start, end) and the quotes offered beside it, each with why.

        The lead says one thing: one span (with a sentence that only goes on from it), a figure, or a
        list's introduction with its items (a long list that was not asked for: its introduction
        with the item that answers). Beside it, only what the lead lacks: other sources' values of
        a figure (newest first), another source saying the same, what the same source goes on to
        say when it adds to the lead, and the passage saying a quoted body was replaced.
        ``said`` are the spans the conversation already quoted; ``succession`` the passages saying
        which body replaced which, about a body the question names (``Extractor._succession_spans``).
        """
        best = self.lead(scored)
        supporting: list[tuple[Span, str]] = []
        lead_spans: list[Span] = []
        # One item of a list is asked for ("Which one...?"), or a figure: no list to quote whole.
        asked_list = None if numeric or query.selection else self._list(scored, query)
        introduced = None if numeric or query.selection or asked_list else self._introduced(best.span)
        holding = None if numeric or asked_list or introduced else (
            self._list_holding(best.span) or (self._item_of_quoted_introduction(best.span, said) if query.elaboration else None))
        if asked_list is not None:  # "What are the service's values?": the list's introduction and its items
            lead = [(asked_list.doc_id, s, e) for s, e in asked_list.pieces()]
        elif (introduced is not None or holding is not None) and (
                replaced := self._replacement_asked(scored, query, best.span, succession)) is not None:
            lead_spans = [replaced]  # "[What was the old board?] Is it still going?" is not answered by its duties
        elif (passage := introduced or holding) is not None:
            lead = self._intro_and_item(passage, scored, said)
        elif numeric:
            figures = self.figures.pick(scored, figure_focus, shares, query.asks.counted, self.weights)
            named = self._source_named(query, {p.doc_id for p in figures})
            if named is not None:  # "...according to the auditor?": that source's figure leads
                figures = [p for p in figures if p.doc_id == named][:1] + [p for p in figures if p.doc_id != named]
            lead_spans = figures[:1]
            others = sorted(figures[1:], key=lambda p: self.figures.doc_order[p.doc_id], reverse=True)
            supporting = [(p, "conflicting_value" if _figures(p.text) != _figures(figures[0].text) else "other_source")
                          for p in others]
        else:
            span = self._whole(best.span) or best.span
            if wanted is None:
                span = self._with_follow_on(span, said)
            lead_spans = [self._without_title(self._with_name_line(span, query), query)]
            replacing = self._replacement_asked(scored, query, lead_spans[0], succession)
            if replacing is not None:  # "Does it still exist?": the passage saying it was replaced answers
                if not overlaps(replacing, lead_spans[0]) and self._adds(lead_spans[0], replacing):
                    supporting.append((lead_spans[0], "continues" if lead_spans[0].doc_id == replacing.doc_id
                                       else "other_source"))
                lead_spans = [replacing]
            for other in scored[1:] if replacing is None else ():  # a follow-up's answer doesn't repeat what was said (``said``)
                if other.score < scored[0].score - self.weights.extra_piece_margin:
                    break
                if other.span_id in said or overlaps(other.span, lead_spans[0]) or other is best:
                    continue
                extra = self._whole(other.span)
                # A fragment ("set policing targets...;", an item cut from its "...must also:") says nothing alone.
                if extra is not None and not extra.text[:1].islower() and not overlaps(extra, lead_spans[0]) \
                        and self._adds(extra, lead_spans[0]):
                    supporting.append((extra, "continues" if extra.doc_id == best.span.doc_id else "other_source"))
                break  # one more passage at most
            supporting += [(p, "other_source") for p in self._other_source(
                [best] + [x for x in scored if x is not best], lead_spans + [p for p, _ in supporting],
                query)]
        if lead_spans:
            lead = self._introduction_of(lead_spans[0]) + [(p.doc_id, p.start, p.end) for p in lead_spans]
        quoted = lead_spans + [p for p, _ in supporting]
        supporting += [(p, "replaced_by") for p in self._replacements(quoted, query)
                       if not any(_within(p, q) for q in lead)]
        return Assembled(tuple(lead), tuple(supporting))

    def _replacement_asked(self, scored: list[ScoredSpan], query: Query, lead: Span,
                           succession: AbstractSet[int]) -> Span | None:
        """For a question whether a body still exists, or what came before or after it, the passage
        saying which body replaced which: of a body the question, the lead or the thread names
        ("[What was the old board?] Is it still going?"), or one scoring near the best."""
        if query.still:
            found = [self.index.spans[sup.span_id] for sup in self._superseded(query)]
            found += [self.index.spans[sup.span_id] for text in [lead.text, *query.last_quoted]
                      for sup in self.supersessions.for_text(text)]
            if found:
                return found[0]
        for s in scored:
            if s.score < scored[0].score - self.weights.list_margin:
                break
            if s.span_id in succession:
                return s.span
        return None

    def _source_named(self, query: Query, doc_ids: set[str]) -> str | None:
        """The one document of ``doc_ids`` a question names as its source ("according to the
        auditor", "going by the board's page"): words after such a phrase that only that document's
        title or site has (an acronym and its name count as one)."""
        if query.source_terms is None or len(doc_ids) < 2:
            return None
        asked = with_equivalents(set(query.source_terms), self._equivalents)
        own = {d: with_equivalents(set(terms(f"{self.index.documents[d].title} {self.index.documents[d].site}")),
                                   self._equivalents) for d in doc_ids}
        named = [d for d in doc_ids if any(t in own[d] and not any(t in own[o] for o in doc_ids if o != d) for t in asked)]
        return named[0] if len(named) == 1 else None

    def lead(self, scored: list[ScoredSpan]) -> ScoredSpan:
        """The best span, unless it can't answer by itself (a headline, a caption: forms.py) and one
        that can scores within ``extra_piece_margin``: a statement leads, not a title."""
        best = scored[0]
        if not self._form[best.span_id]:
            return best
        for other in scored[1:]:
            if other.score < best.score - self.weights.extra_piece_margin:
                break
            if not self._form[other.span_id]:
                return other
        return best

    def _list_holding(self, span: Span) -> ListPassage | None:
        """The list a span holds two or more items of, when that is too long to lead with."""
        passage = self.lists.containing(span.doc_id, span.start)
        if passage is None or span.end - span.start <= LEAD_CHARS:
            return None
        inside = [item for item in passage.items if span.start <= item[0] < span.end]
        return passage if len(inside) >= 2 else None

    def _intro_and_item(self, passage: ListPassage, scored: list[ScoredSpan], said: AbstractSet[int] = frozenset()
                        ) -> list[tuple[str, int, int]]:
        """A list's introduction and its items when short enough to lead with; else the introduction
        and the item the conversation already quoted ("Who heads it?" after one item), or the item
        that scores best (the item's span as scored: a sentence, or the item whole), or when no
        item was scored, the items by their names (or whole, if they have none)."""
        pieces = passage.pieces()
        if sum(e - s for s, e in pieces) <= LEAD_CHARS:
            return [(passage.doc_id, s, e) for s, e in pieces]
        body = self.index.documents[passage.doc_id].body
        starts = [s for s, _ in passage.items]
        ends = [body.find("\n", s) if body.find("\n", s) >= 0 else len(body) for s in starts]
        intro = [(passage.doc_id, *passage.intro)] if passage.intro else []
        for sp in [self.index.spans[i] for i in sorted(said)] + [cand.span for cand in scored]:
            if sp.doc_id != passage.doc_id:
                continue
            for s, e in zip(starts, ends):
                if s <= sp.start and sp.end <= e:
                    return intro + [(sp.doc_id, sp.start, sp.end)]
        return [(passage.doc_id, s, e) for s, e in passage.named_pieces() or pieces]

    def _introduction_of(self, span: Span) -> list[tuple[str, int, int]]:
        """The introduction ("The Trust must also:") of the list item a lead is, when the item
        goes on from it ("keep the lighthouse lit;" says nothing alone); else nothing."""
        if not span.text[:1].islower():  # "Harbour Operations looks after..." stands alone
            return []
        passage = self.lists.introduced_item_at(span.doc_id, span.start)
        if passage is None or passage.intro is None:
            return []
        start, end = passage.intro
        if not self.index.documents[span.doc_id].body[start:end].rstrip().endswith(":"):
            return []
        return [(span.doc_id, start, end)]

    def _whole(self, span: Span) -> Span | None:
        """The span, or when it breaks off at a ':' ("...or by post to:"), the shortest block span
        holding it with what it introduces (the address); None when there is none: a lead-in cut
        from what it leads into is no answer."""
        if not span.text.rstrip().endswith(":"):
            return span
        holders = [self.index.spans[i] for i in self.index.chunk_spans[span.chunk_id]]
        holders = [h for h in holders if h.kind == "block" and h.start <= span.start and h.end > span.end
                   and not h.text.rstrip().endswith(":")]
        return min(holders, key=lambda h: (h.end - h.start, -h.start), default=None)

    def _adds(self, other: Span, lead: Span) -> bool:
        """Whether a second passage says something the lead doesn't: at least half of its own
        content words are not in the lead (no padding with the same thing said again)."""
        mine = {t for t in terms(other.text)}
        if not mine:
            return False
        theirs = set(terms(lead.text))
        new = {t for t in mine if t not in theirs and not (self.lexical.variants(t) & theirs)}
        return len(new) >= 0.5 * len(mine)

    def _with_name_line(self, span: Span, query: Query) -> Span:
        """For a who/which question, a sentence that opens a paragraph under a name line ("Canal
        Friends" / "A volunteer body that ...") is quoted with that name: the name is the answer,
        the sentence only describes it. Anything else is left as it is."""
        if span.kind != "sentence" or not query.who_which:
            return span
        body = self.index.documents[span.doc_id].body
        above = body.rfind("\n", 0, span.start)
        if above < 0 or body[above + 1:span.start].strip():
            return span  # not the start of a line
        # The name line directly above, with at most one blank line between.
        gap = body[:above].rstrip("\n")
        line_start = gap.rfind("\n") + 1
        name = gap[line_start:]
        if not name.strip() or not is_name_line(name) or above - len(gap) > 1:
            return span
        if line_start > 0 and body[:line_start - 1].rstrip(" \t").rpartition("\n")[2].strip():
            return span  # the last line of a block above ("London AB1 2CD" closing an address), no name line
        return Span(span.chunk_id, span.doc_id, line_start, span.end, body[line_start:span.end], "block")

    def _without_title(self, span: Span, query: Query) -> Span:
        """The span less a title line glued above its prose ("Canal Friends / A volunteer
        body..."), unless the question asks who or which: then the title is the name asked for."""
        first, sep, rest = span.text.partition("\n")
        if not sep or not is_bare_line(first, 8) or query.who_which:
            return span
        offset = len(first) + 1 + (len(rest) - len(rest.lstrip()))
        body = rest.strip()
        if not body or not _PROSE_END.search(body) or "\n" in body:
            return span  # an address or a list under a title line: the title belongs to it
        start = span.start + offset
        return Span(span.chunk_id, span.doc_id, start, start + len(body), body, "sentence")

    def _with_follow_on(self, span: Span, said: set[int]) -> Span:
        """The span and the sentence right after it, when that sentence only goes on from it
        ("...a way for boat owners to speak to the harbour master about moorings. In most
        marinas this is done through Harbour Users Panels (HUPs)."): one passage, quoted whole."""
        after = self.quotes.starting_within(span.doc_id, span.end, span.end + 3)[:1]
        if not after or after[0] in said:
            return span
        follow = self.index.spans[after[0]]
        if (follow.kind != "sentence" or len(follow.text) > _FOLLOW_ON_CHARS or follow.end - span.start > LEAD_CHARS
                or not _REFERS_BACK.match(follow.text)):
            return span
        body = self.index.documents[span.doc_id].body
        return Span(span.chunk_id, span.doc_id, span.start, follow.end, body[span.start:follow.end], span.kind)

    def _list(self, scored: list[ScoredSpan], query: Query) -> ListPassage | None:
        """For a question asking for a list, the list that answers it, if one scores near the best.

        The list must be of the thing asked for (its heading or introduction names it; a list
        whose introduction does is preferred) and its text must hold the question's other terms
        ("the auditor's values" are not the Trust's)."""
        heads = list(query.asks.list_head)
        if not heads:
            return None
        found: dict[ListPassage, tuple[bool, float]] = {}
        for s in scored:
            if s.score < scored[0].score - self.weights.list_margin:
                break
            passage = self.lists.containing(s.span.doc_id, s.span.start)
            if passage is None or passage in found:
                continue
            named_in_intro = set(heads) <= passage.intro_terms
            if named_in_intro or set(heads) <= passage.heading_terms:
                found[passage] = (named_in_intro, s.score)
        ranked = sorted(found, key=lambda p: found[p], reverse=True)
        if ranked and not found[ranked[0]][0]:
            # Named only by the section heading ("Our Structure"): the section's first list.
            top = ranked[0]
            ranked.insert(0, min((p for p in ranked if (p.doc_id, p.heading) == (top.doc_id, top.heading)),
                                 key=lambda p: p.start))
        for passage in ranked:
            text = self._list_terms[passage]
            if all(t in text or self.lexical.variants(t) & text for t in query.focus_terms):
                return passage
        return None

    def _item_of_quoted_introduction(self, span: Span, said: AbstractSet[int]) -> ListPassage | None:
        """The list a span is an item of, when the conversation quoted the list's introduction
        ("...by:", then "What did that involve?": the list answers, not its first item alone)."""
        passage = self.lists.introduced_item_at(span.doc_id, span.start)
        if passage is None or passage.intro is None:
            return None
        start, end = passage.intro
        quoted = any(self.index.spans[i].doc_id == span.doc_id and start <= self.index.spans[i].start < end for i in said)
        return passage if quoted else None

    def _introduced(self, span: Span) -> ListPassage | None:
        """The list a best span introduces ("...reports on the harbour's moorings:"): the
        introduction alone says nothing, so the list answers."""
        if not span.text.rstrip().endswith(":"):
            return None
        passage = self.lists.containing(span.doc_id, span.end - 1)
        return passage if passage is not None and passage.intro and passage.intro[1] == span.end else None

    def _replacements(self, pieces: list[Span], query: Query) -> list[Span]:
        """Passages saying that a body asked about or quoted was replaced (ODC -> HT)."""
        extra: list[Span] = []
        for sup in self._superseded(query) + [sup for p in pieces for sup in self.supersessions.for_text(p.text)]:
            span = self.index.spans[sup.span_id]
            if not any(overlaps(span, p) for p in pieces + extra):
                extra.append(span)
        return extra

    def _superseded(self, query: Query) -> list[Supersession]:
        """The replaced bodies the question names (read with it: ``Query.superseded``)."""
        return [self.supersessions.items[i] for i in query.superseded]

    def _specific(self, focus: list[str]) -> list[str]:
        """The question's terms that are not on most pages ("mission", not "Trust")."""
        return [t for t in dict.fromkeys(focus) if 0 < self.lexical.df.get(t, 0) <= 0.25 * self.lexical.n_docs]

    def _has_all(self, span_id: int, wanted: list[str], in_text: bool = False) -> bool:
        """Whether the span (with its heading, or with ``in_text`` its text alone) has every term."""
        found = with_equivalents(self._own_terms[span_id], self._equivalents) if in_text else self._span_terms[span_id]
        return all(t in found or self.lexical.variants(t) & found for t in wanted)

    def _says_all(self, span_id: int, wanted: list[str], named: set[str]) -> bool:
        """Whether the span has every term: those of names the question uses (``named``) anywhere in
        its text, the others in its own words, outside the names it mentions. "Two of the wardens
        were interviewed by ... the Harbour Complaints Panel (HCP)" says nothing about
        complaining."""
        own = set(terms(_NAME_RUN.sub(" ", self.index.spans[span_id].text)))
        return (self._has_all(span_id, [t for t in wanted if t in named], in_text=True)
                and all(t in own or self.lexical.variants(t) & own for t in wanted if t not in named))

    def _other_source(self, scored: list[ScoredSpan], pieces: list[Span], query: Query) -> list[Span]:
        """Another source's statement of the same thing ("the Trust's mission" in two pages).

        Both passages must name every specific term of the question (the other in its own words,
        not just under a heading that does) and the other every name the question uses ("the City
        of Exampleton", not a city); it may score somewhat lower, since sources word the same fact differently.
        """
        specific = self._specific(query.focus_terms)
        names = query.names
        best = scored[0]
        if not specific or not self._has_all(best.span_id, specific):
            return []
        docs = {p.doc_id for p in pieces}
        named = set(query.named_terms)
        for other in scored[1:]:
            if best.score - other.score > self.weights.other_source_margin:
                break
            if (other.span.doc_id not in docs and not span_penalty(other.span, self.weights.short_span_words)
                    and self._says_all(other.span_id, specific, named)
                    and all(name.lower() in other.span.text.lower() for name in names)):
                return [other.span]
        return []

    def suggestions(self, scored: list[ScoredSpan], n: int = 3) -> list[Citation]:
        out, chunks = [], set()
        for s in scored:
            if s.span.chunk_id in chunks or len(s.span.text.split()) < self.weights.short_span_words:
                continue
            chunks.add(s.span.chunk_id)
            out.append(self.cite(s.span))
            if len(out) == n:
                break
        return out


_NAME_RUN = re.compile(r"\b" + name_run())


# A sentence that goes on from the one before: "This includes...", "They have also found...",
# "In most marinas this is done through...".
_REFERS_BACK = re.compile(r"^(?:[A-Z][a-z]+ (?:most|many|some|all) \w+,? )?(?:[Tt]his|[Tt]hese|[Tt]hat|[Ii]t|[Tt]hey)\b")
_FOLLOW_ON_CHARS = 200


def _within(span: Span, piece: tuple[str, int, int]) -> bool:
    doc_id, start, end = piece
    return span.doc_id == doc_id and span.start < end and start < span.end


def _figures(text: str) -> frozenset[str]:
    """The numbers a passage gives ("12,400", "3.5"), to tell a different value from the same one."""
    return frozenset(m.replace(",", "") for m in re.findall(r"\d[\d,]*(?:\.\d+)?", text))


_PROSE_END = re.compile(r"[.!?][\"'”’)\]]*$")


def overlaps(a: Span, b: Span) -> bool:
    return a.doc_id == b.doc_id and a.start < b.end and b.start < a.end
