"""What a conversation already quoted, found among the answer spans (no model).

A follow-up arrives with the assistant's earlier answers as plain text (``Query.quoted``:
the pieces of each answer, ``Query.last_quoted``: those of the last one). Scoring needs them
as span ids: the passages already quoted (rarely the answer again) and the passage right after
the last answer's (often the answer to "and then?", "what does that cover?").
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import Sequence

from bot.schema import Span


class QuotedSpans:
    def __init__(self, spans: Sequence[Span]) -> None:
        self.spans = spans
        self._by_text: dict[str, list[int]] = {}
        # A span that is a quotation ('"The Trust was founded in 1901.') quotes the same words as
        # the answer that gave them plainly, from this page or another: its words between the marks.
        self._bare: dict[int, str] = {}
        self._by_bare: dict[str, list[int]] = {}
        # Answers come back with their line breaks and runs of spaces made single spaces (an address
        # block copied as one line): the text of each span that has them, so flattened, to find it by.
        self._flat: dict[int, str] = {}
        self._by_flat: dict[str, list[int]] = {}
        for span_id, s in enumerate(spans):
            self._by_text.setdefault(s.text, []).append(span_id)
            if (flat := _flat(s.text)) != s.text:
                self._flat[span_id] = flat
                self._by_flat.setdefault(flat, []).append(span_id)
            bare = s.text.strip(_QUOTE_MARKS)
            if bare != s.text and len(bare) >= _SHORTEST:
                self._bare[span_id] = bare
                self._by_bare.setdefault(bare, []).append(span_id)
        # Each document's spans in reading order, and their starts, to find what comes next.
        self._order: dict[str, list[int]] = {}
        for span_id in sorted(range(len(spans)), key=lambda i: (spans[i].doc_id, spans[i].start)):
            self._order.setdefault(spans[span_id].doc_id, []).append(span_id)
        self._starts = {doc: [spans[i].start for i in ids] for doc, ids in self._order.items()}
        # Finding a shortened piece scans every span: one follow-up asks for the same pieces several times.
        self._holding = lru_cache(maxsize=1024)(self._scan)

    def find(self, pieces: Sequence[str], last: Sequence[str] = ()) -> tuple[set[int], set[int]]:
        """Span ids of the passages already quoted, and of those right after the last answer's."""
        quoted = {i for p in pieces for i in self.quoting(p)}
        after = {i for p in last for i in self.following(p)}
        return quoted, after - quoted

    def following(self, piece: str) -> list[int]:
        """The first span starting after the piece ends, where the piece is quoted (the piece may
        end inside a longer span: "...Trusts (AHT). by:" is followed by the list it introduces)."""
        core = piece.rstrip(" .…") if piece not in self._by_text else piece
        out = []
        quoting = self.quoting(piece)
        for i in quoting:
            span = self.spans[i]
            at, within = span.text.find(core), core.find(span.text)
            if at >= 0:
                end = span.start + at + len(core)
            elif within >= 0:  # the span is one of several the piece quotes whole
                end = span.start - within + len(core)
            elif (found := _loosely(core).search(span.text)) is not None:  # the piece with its spaces flattened
                end = span.start + found.end()
            else:  # one of several, the piece flattened: it ends where the last of them does
                end = max(self.spans[j].end for j in quoting if self.spans[j].doc_id == span.doc_id)
            ids, starts = self._order[span.doc_id], self._starts[span.doc_id]
            pos = bisect.bisect_left(starts, end)
            if pos < len(ids):
                # Every span starting there: the sentence and the block (a list, an address) it opens.
                out.extend(ids[pos:bisect.bisect_right(starts, starts[pos])])
            if end < span.end:
                # The piece stops inside a span (an address cut after its street): the spans that
                # go on past the cut, beginning after the piece does, hold the rest.
                out.extend(j for j in ids[:pos] if self.spans[j].start > span.start and self.spans[j].end > end)
        return list(dict.fromkeys(out))

    def starting_within(self, doc_id: str, start: int, end: int) -> list[int]:
        """Spans of the document that start within [start, end)."""
        ids, starts = self._order.get(doc_id, []), self._starts.get(doc_id, [])
        return ids[bisect.bisect_left(starts, start): bisect.bisect_left(starts, end)]

    def quoting(self, piece: str) -> list[int]:
        """Spans whose text is the piece; for a piece shortened by the client, those holding it;
        for a piece quoting a sentence with the one that goes on from it, both."""
        exact = list(dict.fromkeys(self._by_text.get(piece, []) + self._by_bare.get(piece.strip(_QUOTE_MARKS), [])))
        if not exact:  # copied with its line breaks made spaces
            flat = _flat(piece)
            exact = list(dict.fromkeys(self._by_text.get(flat, []) + self._by_flat.get(flat, [])))
        if exact or len(piece) < _SHORTEST:
            return exact
        return list(self._holding(piece))

    def _scan(self, piece: str) -> tuple[int, ...]:
        core = _flat(piece.rstrip(" .…"))
        holding = tuple(i for i, s in enumerate(self.spans) if core in self._flat.get(i, s.text))
        flat_piece = _flat(piece)
        return holding or tuple(i for i, s in enumerate(self.spans) if self._flat.get(i, s.text) in flat_piece
                                or (i in self._bare and _flat(self._bare[i]) in flat_piece))


def _flat(text: str) -> str:
    """The text with every run of white space one space."""
    return " ".join(text.split())


@lru_cache(maxsize=256)
def _loosely(text: str) -> re.Pattern[str]:
    """The text's words with any white space between them."""
    return re.compile(r"\s+".join(re.escape(word) for word in text.split()))


_QUOTE_MARKS = " \"'“”‘’"
_SHORTEST = 20  # a shorter piece is matched only exactly: too little to trust a partial match
