"""Lists in the sources, for questions that ask for one ("What are the Trust's values?"; which
questions do is read with the question: ``qtype.list_head``).

A list too long to quote whole (five values of forty words each) is answered by its
introduction and the first sentence of each item, every piece cited on its own:

    "Our values guide our work. They say how we treat each other and visitors."
    … "Honesty: We tell people what we know." … "Care: We look after the harbour as if it
    were our own." … (and so on for each value)

A list that comes with a question which did not ask for it ("Who do the wardens report to?",
answered by the list's introduction) is quoted by its introduction and the item that answers;
when no item does and the list is too long to quote, by its introduction and each item's name,
if every item starts with one (a short head before a colon, "Honesty: We tell people…", or a
run of capitalised words before the first lower-case word, "Harbour Operations looks after…"):

    "The wardens report to the Harbour Master, in three teams:" … "Harbour Operations" … (and so on)

A list that was asked for keeps each item's first sentence, however long: people who wrote
questions for it expect the item's first sentence, not its name (docs/quality.md, "Session 19").

Two shapes are recognised, both found in the body text alone (no model):
- a bulleted block: three or more lines that all start with "- ";
- a sentence ending in ":" followed by three or more short lines, each a paragraph of its own
  ("There are four skills every warden needs:" / "We listen" / "We keep records" ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from bot.corpus.chunk import Block, split_blocks
from bot.text.sentences import split_sentences
from bot.text.terms import terms
from bot.schema import Document

MIN_ITEMS = 3
# An item's name: a head of a few words before a colon, or a run of capitalised words (joined by
# "and", "&", "of", "the", "for" or commas, an acronym in brackets after them) before a lower-case word:
# two capitalised words at least, as one is any sentence's first ("We listen").
_COLON_HEAD = re.compile(r"[^:.;,]{1,40}(?=:\s)")
_CAPITAL = r"(?:[A-Z][\w'’&-]*|\([A-Za-z&]+\))"
_NAME_HEAD = re.compile(rf"{_CAPITAL}(?:,?\s+(?:(?:and|&|of|the|for)\s+)?{_CAPITAL})+(?=\s+[a-z])")


@dataclass(frozen=True)
class ListPassage:
    doc_id: str
    start: int  # the introduction's start (or the first item's, when nothing introduces the list)
    end: int  # the last item's end
    intro: tuple[int, int] | None  # the sentences that introduce the list
    items: tuple[tuple[int, int], ...]  # each item's first sentence
    names: tuple[tuple[int, int], ...]  # each item's name (see _name), or () when an item has none
    heading: str  # the section heading above the list ("" if none)
    heading_terms: frozenset[str]
    intro_terms: frozenset[str]  # terms of the introduction (the whole paragraph before the list)

    def pieces(self) -> list[tuple[int, int]]:
        """The offsets to quote, in reading order."""
        return ([self.intro] if self.intro else []) + list(self.items)

    def named_pieces(self) -> list[tuple[int, int]]:
        """The introduction and each item's name; [] if the items have no names."""
        return ([self.intro] if self.intro else []) + list(self.names) if self.names else []


def _bullets(block: Block) -> list[tuple[int, int]] | None:
    """Each item's text (after "- ") of a bulleted block, or None if the block isn't one."""
    lines = block.lines
    if len(lines) < MIN_ITEMS or not all(line.startswith("- ") for line in lines):
        return None
    items, pos = [], block.start
    for line in lines:
        items.append((pos + 2, pos + len(line.rstrip())))
        pos += len(line) + 1
    return items


def _first_sentence(body: str, start: int, end: int) -> tuple[int, int]:
    sentences = split_sentences(body[start:end], start)
    return sentences[0] if sentences else (start, end)


def _name(body: str, start: int, end: int) -> tuple[int, int] | None:
    """The item's name, if it starts with one that is shorter than the item (see _NAME_HEAD)."""
    text = body[start:end]
    found = _COLON_HEAD.match(text) or _NAME_HEAD.match(text)
    if found is None or found.end() >= len(text.rstrip()) - 1:
        return None
    return start, start + found.end()


def _names(body: str, items: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Every item's name, or () when an item has none or two share one."""
    names = [_name(body, s, e) for s, e in items]
    if not all(names) or len({body[n[0]:n[1]] for n in names if n}) < len(names):
        return ()
    return tuple(n for n in names if n is not None)


def _intro(body: str, block: Block) -> tuple[int, int]:
    """A short paragraph introduces whole; a longer one by its last sentence."""
    sentences = split_sentences(body[block.start:block.end], block.start)
    if len(sentences) <= 2:
        return block.start, block.end
    return sentences[-1]


def find_lists(doc: Document) -> list[ListPassage]:
    body = doc.body
    blocks = split_blocks(body)
    found: list[ListPassage] = []
    heading = ""
    i = 0
    while i < len(blocks):
        block = blocks[i]
        items = _bullets(block)
        last = i
        if items is None and block.text.rstrip().endswith(":") and not block.is_multiline:
            run = 0
            while i + 1 + run < len(blocks) and blocks[i + 1 + run].is_heading:
                run += 1
            if run >= MIN_ITEMS:
                items = [(b.start, b.end) for b in blocks[i + 1:i + 1 + run]]
                last = i + run
                intro_block: Block | None = block
            else:
                items = None
        elif items is not None:
            before = blocks[i - 1] if i else None
            intro_block = before if before is not None and not before.is_heading and not before.is_multiline else None
        if items is None:
            if block.is_heading and not (i + 1 < len(blocks) and blocks[i + 1].is_heading):
                heading = block.text.strip()
            i += 1
            continue
        intro = _intro(body, intro_block) if intro_block is not None else None
        firsts = tuple(_first_sentence(body, s, e) for s, e in items)
        found.append(ListPassage(
            doc_id=doc.doc_id,
            start=intro[0] if intro else items[0][0],
            end=items[-1][1],
            intro=intro,
            items=firsts,
            names=_names(body, firsts),
            heading=heading,
            heading_terms=frozenset(terms(heading)),
            intro_terms=frozenset(terms(body[intro_block.start:intro_block.end]) if intro_block else ()),
        ))
        i = last + 1
    return found


class Lists:
    """Every list of the corpus, found by the document position a passage starts at."""

    def __init__(self, lists: Iterable[ListPassage] = ()) -> None:
        self._by_doc: dict[str, list[ListPassage]] = {}
        for passage in lists:
            self._by_doc.setdefault(passage.doc_id, []).append(passage)

    @classmethod
    def from_documents(cls, documents: Sequence[Document]) -> "Lists":
        return cls(p for doc in documents for p in find_lists(doc))

    def __iter__(self):
        return (p for passages in self._by_doc.values() for p in passages)

    def containing(self, doc_id: str, offset: int) -> ListPassage | None:
        """The list whose introduction or items hold this position."""
        return next((p for p in self._by_doc.get(doc_id, ()) if p.start <= offset < p.end), None)

    def introduced_item_at(self, doc_id: str, offset: int) -> ListPassage | None:
        """The list with an introduction whose items (not the introduction) hold this position."""
        passage = self.containing(doc_id, offset)
        if passage is None or passage.intro is None or not passage.items or offset < passage.items[0][0]:
            return None
        return passage
