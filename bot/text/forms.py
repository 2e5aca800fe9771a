"""Can a span answer by itself? Questions, headlines, captions and lead-ins can't (no model).

A question in the source ("Who manages the Trust?") answers nothing; a headline listing
("Report | Harbour News | 16 Nov 2021") or a caption names a thing without saying anything about
it; a lead-in ("...or by post to:") points at what follows. Such spans are still found, and
shown as suggestions, but they score lower and are never quoted as a figure.
"""

from __future__ import annotations

import re

from bot.schema import Span

# A sentence that only introduces what follows: it ends in a colon after a small word.
_LEAD_IN = re.compile(r"\b(to|at|on|by|via|from|include|includes|including|follows|following|below|are|is|also|as|"
                      r"these|this|of|for|with)\s*:$", re.IGNORECASE)


def form_penalty(text: str, short_words: int) -> float:
    """1 for text that is not a statement: a question, a headline-style listing, a bare fragment."""
    stripped = text.rstrip()
    if stripped.endswith("?"):
        return 1.0  # a question in the source answers nothing
    if _LEAD_IN.search(stripped):
        return 0.5  # a lead-in ("...or by post to:"): what it introduces is the answer
    if " | " in stripped or len(stripped.split()) < short_words:
        return 0.5
    if len(stripped.split()) <= 10 and not re.search(r"[.!:;\"”)]$", stripped):
        return 0.5  # a caption or heading ("Trust Board, Deputy Wardens, Directors")
    return 0.0


def block_penalty(text: str) -> float:
    """For a multi-line block (address, list): 1 if every line is a question, 0.5 if most are headlines."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if lines and all(line.endswith("?") for line in lines):
        return 1.0
    if sum(" | " in line for line in lines) * 2 > len(lines):
        return 0.5
    return 0.0


def span_penalty(span: Span, short_words: int) -> float:
    """The form penalty of a sentence span, or the block penalty of a multi-line one."""
    return form_penalty(span.text, short_words) if span.kind == "sentence" else block_penalty(span.text)
