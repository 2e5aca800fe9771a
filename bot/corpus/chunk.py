"""Split a document body into chunks (for retrieval) and spans (answer candidates).

Both keep character offsets into the body, so ``body[start:end]`` is always the exact text.
Chunks follow the document's shape: a heading stays with the paragraphs under it, a short
list stays whole, and every chunk stays under ``max_tokens`` wordpieces of the embedding model.
Spans are what an answer may quote: a sentence, a list item, or a short block kept whole
(an address, a short list, or a sentence ending in ':' together with what it introduces).
A title line is not prose: a heading glued to the paragraph below it is no span with it,
unless the heading is a name (the paragraph describes what it names).
This module is pure text processing: no model, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from bot.schema import Chunk, Document
from bot.text.sentences import split_sentences

TokenCounter = Callable[[str], int]

# A block of at most this many words that is all short lines reads as an address or list.
BLOCK_SPAN_MAX_WORDS = 90
LIST_ITEM_SPAN_MAX_WORDS = 60  # a list item of several sentences is also a span up to this long


def is_bare_line(line: str, max_words: int = 10) -> bool:
    """A short line without closing punctuation: a heading, a title, a name ("Operation Lighthouse")."""
    line = line.strip()
    return len(line.split()) <= max_words and not re.search(r"[.!?:;,\"”]$", line)


def is_name_line(line: str) -> bool:
    """A bare line that is a name: every word capitalised but small joining words ("Harbour
    Users Panel", "City of Exampleton Police"), not a phrase ("First contact the service")."""
    words = line.split()
    return is_bare_line(line) and bool(words) and all(
        w[:1].isupper() or w[:1].isdigit() or w.lower() in _JOINING for w in words)


_JOINING = frozenset("of the and & for in on at to".split())


def _titled_prose(block: "Block") -> bool:
    """A title line glued to the prose below it ("First contact the service / If you have a complaint
    ... investigation."): a title is not prose, so the two are not one span; a name may be
    ("Harbour Users Panel / Made up of boat owners, a voluntary group...")."""
    first, *rest = block.lines
    return (is_bare_line(first, 8) and not is_name_line(first)
            and any(len(line.split()) >= 6 and re.search(r"[.!?][\"'”’)\]]*$", line.strip()) for line in rest))


@dataclass(frozen=True)
class Block:
    """A run of non-blank lines in the body."""

    start: int
    end: int
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def is_heading(self) -> bool:
        line = self.text.strip()
        return "\n" not in line and not line.startswith("- ") and is_bare_line(line)

    @property
    def is_multiline(self) -> bool:
        return "\n" in self.text


def split_blocks(body: str) -> list[Block]:
    """Paragraphs and lists: runs of lines separated by blank lines, with offsets."""
    blocks = []
    for match in re.finditer(r"(?:[^\n]*\S[^\n]*)(?:\n[^\n]*\S[^\n]*)*", body):
        text = match.group(0)
        lead = len(text) - len(text.lstrip())
        trail = len(text.rstrip())
        if trail > lead:
            blocks.append(Block(match.start() + lead, match.start() + trail, text[lead:trail]))
    return blocks


def _units(block: Block) -> list[tuple[int, int]]:
    """Sentences of a paragraph; each line of a list/address (split further only if long)."""
    if not block.is_multiline:
        return split_sentences(block.text, block.start)
    units = []
    pos = block.start
    for line in block.lines:
        lead = len(line) - len(line.lstrip("- ")) if line.startswith("- ") else 0
        if line.strip():
            body = line[lead:]
            if len(body.split()) > 60:
                units.extend(split_sentences(body, pos + lead))
            else:
                units.append((pos + lead, pos + len(line.rstrip())))
        pos += len(line) + 1
    return units


@dataclass(frozen=True)
class SpanCandidate:
    start: int
    end: int
    kind: str  # "sentence" | "block"


def spans_for_blocks(body: str, blocks: list[Block]) -> list[SpanCandidate]:
    """Answer candidates inside ``blocks`` (consecutive blocks of one chunk)."""
    units: list[tuple[int, int]] = []
    for block in blocks:
        for start, end in _units(block):
            # "...by e-mail here" / "or by post to:" — a block that starts in lower case
            # continues the sentence before it.
            # A bulleted item is an item of its own, even one in lower case after "...must also:".
            bullet = body[max(0, start - 2):start] == "- "
            if units and not bullet and body[start:start + 1].islower() \
                    and not body[units[-1][0]:units[-1][1]].rstrip().endswith((".", "!", "?")):
                units[-1] = (units[-1][0], end)
            else:
                units.append((start, end))
    out = [SpanCandidate(s, e, "sentence") for s, e in units]
    out += _list_items(body, units)
    for i, block in enumerate(blocks):
        words = len(block.text.split())
        if block.is_multiline and words <= BLOCK_SPAN_MAX_WORDS and not _titled_prose(block):
            out.append(SpanCandidate(block.start, block.end, "block"))
        # A sentence ending in ':' is quoted together with the list or address it introduces.
        if body[block.start:block.end].rstrip().endswith(":") and i + 1 < len(blocks):
            nxt = blocks[i + 1]
            if words + len(nxt.text.split()) <= BLOCK_SPAN_MAX_WORDS:
                # The introducing sentence may have begun in an earlier block ("...by e-mail here / or by post to:").
                intro_start = next((s for s, e in units if e == block.end), block.start)
                out.append(SpanCandidate(intro_start, nxt.end, "block"))
                if block.is_multiline and intro_start > block.start and is_bare_line(block.lines[0], 8):
                    # ...and with the title line above it: "Writing to the Harbour Trust /
                    # You can also write to the Harbour Trust ... by post to: / <address>".
                    out.append(SpanCandidate(block.start, nxt.end, "block"))
    seen, unique = set(), []
    for cand in out:
        key = (cand.start, cand.end)
        if key not in seen and body[cand.start:cand.end].strip():
            seen.add(key)
            unique.append(cand)
    return unique


def _list_items(body: str, units: list[tuple[int, int]]) -> list[SpanCandidate]:
    """A list item of a few sentences, whole, besides its sentences: "- Care: We look after...
    We answer every letter... We check the moorings daily..." says one thing between them."""
    by_line: dict[tuple[int, int], int] = {}
    for start, _ in units:
        line_start = body.rfind("\n", 0, start) + 1
        line_end = body.find("\n", start)
        key = (line_start, len(body) if line_end < 0 else line_end)
        by_line[key] = by_line.get(key, 0) + 1
    return [SpanCandidate(start + 2, len(body[:end].rstrip()), "block") for (start, end), n in by_line.items()
            if n >= 2 and body.startswith("- ", start) and len(body[start:end].split()) <= LIST_ITEM_SPAN_MAX_WORDS]


def chunk_document(doc: Document, max_tokens: int, count_tokens: TokenCounter) -> list[tuple[Chunk, list[SpanCandidate]]]:
    """Chunks of one document, each with its answer-span candidates."""
    if max_tokens < 16:
        raise ValueError(f"max_tokens must be at least 16, got {max_tokens}")
    blocks = _fit_blocks(doc.body, split_blocks(doc.body), max_tokens, count_tokens)
    out: list[tuple[Chunk, list[SpanCandidate]]] = []
    heading = ""
    group: list[Block] = []

    def flush() -> None:
        nonlocal group
        content = [b for b in group if not b.is_heading] or group
        if group:
            start, end = group[0].start, group[-1].end
            chunk = Chunk(doc.doc_id, start, end, doc.body[start:end], heading=heading)
            spans = spans_for_blocks(doc.body, content)
            first = content[0]
            if group[0].is_heading and len(content) == 1 and first is not group[0] and not first.is_multiline \
                    and len(doc.body[start:first.end].split()) <= BLOCK_SPAN_MAX_WORDS:
                # The heading with its first paragraph: under a name ("Harbour Users Panel")
                # the description alone never says what it describes.
                spans.append(SpanCandidate(start, first.end, "block"))
            out.append((chunk, spans))
        group = []

    for i, block in enumerate(blocks):
        next_is_body = i + 1 < len(blocks) and not blocks[i + 1].is_heading
        if block.is_heading and next_is_body:
            # A new section: its heading opens a new chunk and labels the ones after it.
            flush()
            heading = block.text.strip()
        elif group and count_tokens(doc.body[group[0].start:block.end]) > max_tokens:
            flush()
        group.append(block)
    flush()
    return out


def _fit_blocks(body: str, blocks: list[Block], max_tokens: int, count_tokens: TokenCounter) -> list[Block]:
    """Split any block over the token budget at line, then sentence, then word boundaries."""
    fitted: list[Block] = []
    for block in blocks:
        if count_tokens(block.text) <= max_tokens:
            fitted.append(block)
            continue
        pieces = _units(block) if block.is_multiline else split_sentences(block.text, block.start)
        current: tuple[int, int] | None = None
        for start, end in pieces:
            if current and count_tokens(body[current[0]:end]) <= max_tokens:
                current = (current[0], end)
                continue
            if current:
                fitted.append(Block(current[0], current[1], body[current[0]:current[1]]))
            current = (start, end)
            if count_tokens(body[start:end]) > max_tokens:  # one giant sentence: cut by words
                fitted.extend(_cut_words(body, start, end, max_tokens, count_tokens))
                current = None
        if current:
            fitted.append(Block(current[0], current[1], body[current[0]:current[1]]))
    return fitted


def _cut_words(body: str, start: int, end: int, max_tokens: int, count_tokens: TokenCounter) -> list[Block]:
    out = []
    piece_start = start
    last_end = start
    for match in re.finditer(r"\S+", body[start:end]):
        w_end = start + match.end()
        if last_end > piece_start and count_tokens(body[piece_start:w_end]) > max_tokens:
            out.append(Block(piece_start, last_end, body[piece_start:last_end]))
            piece_start = start + match.start()
        last_end = w_end
    if last_end > piece_start:
        out.append(Block(piece_start, last_end, body[piece_start:last_end]))
    return out
