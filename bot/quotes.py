"""What a conversation already quoted, found among the answer spans (no model).

A follow-up arrives with the assistant's earlier answers as plain text (``Query.quoted``:
the pieces of each answer, ``Query.last_quoted``: those of the last one). Scoring needs them
as span ids: the passages already quoted (rarely the answer again) and the passage right after
the last answer's (often the answer to "and then?", "what does that cover?").
"""

from __future__ import annotations

from typing import Sequence

from .schema import Span


class QuotedSpans:
    def __init__(self, spans: Sequence[Span]) -> None:
        self.spans = spans
        self._by_text: dict[str, list[int]] = {}
        for span_id, s in enumerate(spans):
            self._by_text.setdefault(s.text, []).append(span_id)
        # The next span in reading order: the first one starting at or after this one ends.
        self._next: dict[int, int] = {}
        order = sorted(range(len(spans)), key=lambda i: (spans[i].doc_id, spans[i].start))
        for pos, span_id in enumerate(order):
            span = spans[span_id]
            for later in order[pos + 1:]:
                if spans[later].doc_id != span.doc_id:
                    break
                if spans[later].start >= span.end:
                    self._next[span_id] = later
                    break

    def find(self, pieces: Sequence[str], last: Sequence[str] = ()) -> tuple[set[int], set[int]]:
        """Span ids of the passages already quoted, and of those right after the last answer's."""
        quoted = {i for p in pieces for i in self.quoting(p)}
        after = {self._next[i] for p in last for i in self.quoting(p) if i in self._next}
        return quoted, after - quoted

    def quoting(self, piece: str) -> list[int]:
        """Spans whose text is the piece, or, for a piece shortened by the client, holds it."""
        exact = self._by_text.get(piece)
        if exact or len(piece) < 20:
            return exact or []
        core = piece.rstrip(" .…")
        return [i for i, s in enumerate(self.spans) if core in s.text]
