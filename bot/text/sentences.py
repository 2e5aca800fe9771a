"""Sentence boundaries in plain text, as character offsets: ``split_sentences``.

A regular expression and a short list of abbreviations ("e.g.", "Mr.", "c."), no model: a
sentence ends at ".", "!" or "?" (and any closing quote or bracket) before a capital, a digit
or "£". docs/sentences.md compares it with maintained splitters (``benchmarks/splitters.py``).
Used by chunking (``bot.corpus.chunk``: answer spans are sentences) and by lists
(``bot.answering.lists``). Text only: no document, chunk or question here.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = ("e.g.", "i.e.", "Mr.", "Mrs.", "Dr.", "St.", "No.", "c.", "etc.", "vs.")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9£])")


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence boundaries within ``text`` as (start, end) offsets shifted by ``offset``."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate_end = match.start() + 1
        before = text[start:candidate_end]
        if before.endswith(_ABBREVIATIONS) or re.search(r"\b[A-Z]\.$", before):
            continue
        end = match.end() - (len(match.group(0)) - len(match.group(0).rstrip()))
        spans.append((start, end))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return [(offset + s, offset + e) for s, e in spans if e > s]
