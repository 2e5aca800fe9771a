"""``python -m bot add PATH...``: put new source files into corpus/ and refresh the index.

Each file is read by ``sources.read_source`` (which rejects bad input with a one-line reason),
compared with every document already in the corpus (and with the files added before it in the
same run): an exact or near duplicate is reported, not written. New documents are written
atomically under a name made from their title. The caller then refreshes the index; the
embedding cache (``cache.py``) means only the new documents' texts are embedded.
This module does not answer questions and never changes or removes an existing file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from bot.schema import Document
from bot.corpus.sources import DEFAULT_MAX_BYTES, Rejected, Source, read_source

# Two texts sharing this share of their 5-word shingles are one text (Jaccard resemblance), and
# a new text of which this share already stands in one document adds nothing (containment).
NEAR_DUPLICATE = 0.8
CONTAINED = 0.9
SHINGLE = 5
STATUSES = ("added", "duplicate", "rejected")


@dataclass(frozen=True)
class Outcome:
    path: str
    status: str  # "added" | "duplicate" | "rejected"
    reason: str = ""  # why not added, one line
    doc_id: str = ""  # the new document, or the one it duplicates

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")
        if self.status != "added" and not self.reason:
            raise ValueError(f"a {self.status} outcome needs a reason")

    def line(self) -> str:
        if self.status == "added":
            return f"added {self.path} -> {self.doc_id}"
        return f"{self.status}: {self.path}: {self.reason}"


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def shingles(text: str, n: int = SHINGLE) -> set[int]:
    toks = words(text)
    if len(toks) < n:
        return {hash(" ".join(toks))} if toks else set()
    return {hash(" ".join(toks[i:i + n])) for i in range(len(toks) - n + 1)}


def similarity(a: set[int], b: set[int]) -> tuple[float, float]:
    """(resemblance, containment of ``a`` in ``b``) of two shingle sets."""
    if not a or not b:
        return 0.0, 0.0
    common = len(a & b)
    return common / len(a | b), common / len(a)


def find_duplicate(body: str, documents: list[Document]) -> tuple[str, str] | None:
    """(doc_id, why) of the first document ``body`` duplicates, or None."""
    fingerprint = hashlib.sha256(" ".join(words(body)).encode()).hexdigest()
    mine = shingles(body)
    for doc in documents:
        if hashlib.sha256(" ".join(words(doc.body)).encode()).hexdigest() == fingerprint:
            return doc.doc_id, f"same text as {doc.doc_id}"
        resemblance, contained = similarity(mine, shingles(doc.body))
        if resemblance >= NEAR_DUPLICATE:
            return doc.doc_id, f"near duplicate of {doc.doc_id} ({resemblance:.0%} of the text in common)"
        if contained >= CONTAINED:
            return doc.doc_id, f"{contained:.0%} of its text is already in {doc.doc_id}"
    return None


def file_name(title: str, taken: set[str]) -> str:
    """A new corpus file name from the title: lower-case words, hyphens, ``.md``, unique."""
    slug = "-".join(words(title))[:60].strip("-") or "document"
    name, n = f"{slug}.md", 2
    while name.lower() in taken:
        name, n = f"{slug}-{n}.md", n + 1
    return name


def add_files(paths: list[Path], corpus_dir: Path, documents: list[Document], *,
              max_bytes: int = DEFAULT_MAX_BYTES, vocabulary: set[str] | None = None) -> list[Outcome]:
    """Read, check and write each of ``paths``; ``documents`` is the corpus as it stands."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    known = list(documents)
    taken = {p.name.lower() for p in corpus_dir.iterdir()} | {d.doc_id.lower() for d in known}
    outcomes = []
    for path in paths:
        shown = str(path)
        try:
            source: Source = read_source(Path(path), max_bytes=max_bytes, vocabulary=vocabulary)
        except Rejected as exc:
            outcomes.append(Outcome(shown, "rejected", str(exc)))
            continue
        duplicate = find_duplicate(source.body, known)
        if duplicate:
            outcomes.append(Outcome(shown, "duplicate", duplicate[1], duplicate[0]))
            continue
        name = file_name(source.title, taken)
        target = corpus_dir / name
        tmp = corpus_dir / f".{name}.tmp"
        tmp.write_text(source.render(), encoding="utf-8")
        tmp.replace(target)
        taken.add(name.lower())
        known.append(Document(doc_id=name, title=source.title, body=source.body))
        outcomes.append(Outcome(shown, "added", doc_id=name))
    return outcomes
