"""Read corpus/: one text file per source document, with an optional metadata header.

A header is a block of ``key: value`` lines between two ``---`` lines at the very top::

    ---
    title: About the Harbour Trust
    site: Allen Lane
    date: April 2025
    archived: false
    source: 003_80aa029e6976134b.txt
    url: https://... (optional: the page's own address, for "open the original page")
    ---
    (body)

A plain ``.txt``/``.md`` file without a header works too: its first non-empty line is the title.
Offsets in chunks and citations are into the body, the text after the header.
Unreadable files are reported and skipped; this module never changes a file.
"""

from __future__ import annotations

import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.schema import Document

SUFFIXES = (".txt", ".md")
HEADER_KEYS = ("title", "site", "date", "archived", "source", "url")


class CorpusError(RuntimeError):
    """The corpus cannot be used at all (missing folder, no readable documents)."""


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


def parse_document(doc_id: str, raw: str) -> Document:
    """Split a file's text into header fields and body; raises ValueError on a broken header."""
    meta: dict[str, str] = {}
    body = raw
    if raw.startswith("---\n"):
        end = raw.find("\n---\n", 3)
        if end == -1:
            raise ValueError(f"{doc_id}: header opened with '---' but never closed")
        for line_no, line in enumerate(raw[4:end].splitlines(), start=2):
            if not line.strip():
                continue
            key, sep, value = line.partition(":")
            key = key.strip().lower()
            if not sep or key not in HEADER_KEYS:
                raise ValueError(f"{doc_id}:{line_no}: expected one of {', '.join(HEADER_KEYS)} as 'key: value', got {line!r}")
            meta[key] = value.strip()
        body = raw[end + len("\n---\n"):]
    title = meta.get("title") or _first_line(body) or Path(doc_id).stem
    archived = meta.get("archived", "false").lower()
    if archived not in ("true", "false"):
        raise ValueError(f"{doc_id}: archived must be true or false, got {meta['archived']!r}")
    return Document(
        doc_id=doc_id,
        title=title,
        body=body,
        source=meta.get("source", ""),
        site=meta.get("site", ""),
        date=meta.get("date", ""),
        archived=archived == "true",
        url=meta.get("url", ""),
    )


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:120]
    return ""


def corpus_files(corpus_dir: Path, warn=None) -> list[Path]:
    """The corpus's text files, sorted. Only regular files whose real path lies inside the corpus
    folder: a symlink pointing outside it (at /etc/passwd, say) or a FIFO or device named ``.txt``
    is refused, and ``warn`` (default: stderr) names it."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    warn = warn or (lambda msg: print(msg, file=sys.stderr))
    root = corpus_dir.resolve()
    kept = []
    for p in sorted(corpus_dir.rglob("*")):
        rel = p.relative_to(corpus_dir)
        if p.suffix.lower() not in SUFFIXES or any(part.startswith(".") for part in rel.parts):
            continue
        refused = _refused(p, root)
        if refused:
            warn(f"corpus: skipping {rel.as_posix()}: {refused}")
        elif p.is_file():
            kept.append(p)
    return kept


def _refused(path: Path, root: Path) -> str:
    """Why ``path`` must not be read ("" if it may): outside the corpus, or no regular file."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # a dangling or looping link
        return f"unresolvable link ({type(exc).__name__})"
    if not real.is_relative_to(root):
        return f"a link to {real}, outside the corpus folder (refused)"
    try:
        mode = real.stat().st_mode
    except OSError:
        return ""  # unreadable: load_corpus reports it when reading
    if stat.S_ISDIR(mode):
        return ""  # a folder named like a file: not a document, nothing to say
    if not stat.S_ISREG(mode):
        return "not a regular file (FIFO, socket or device)"
    return ""


def load_corpus(corpus_dir: Path, warn=None) -> tuple[list[Document], list[SkippedFile]]:
    """All readable documents, sorted by doc_id, and the files that were skipped (with why)."""
    warn = warn or (lambda msg: print(msg, file=sys.stderr))
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    for path in corpus_files(corpus_dir, warn):
        doc_id = path.relative_to(corpus_dir).as_posix()
        try:
            raw = path.read_bytes().decode("utf-8")
            if "\x00" in raw:
                raise ValueError("contains NUL bytes (binary file?)")
            doc = parse_document(doc_id, raw.replace("\r\n", "\n"))
            if not doc.body.strip():
                raise ValueError("has no text")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            warn(f"corpus: skipping {doc_id}: {reason}")
            skipped.append(SkippedFile(doc_id, reason))
            continue
        documents.append(doc)
    if not documents:
        raise CorpusError(f"no readable documents in {corpus_dir} (looked for {', '.join(SUFFIXES)} files)")
    return documents, skipped
