"""Turn the raw seed pages (text scraped from web pages) into clean corpus/ files.

Cleaning removes extraction debris without changing the wording:
page chrome ("top of page", "↑ Back to top", "Click to enlarge", image file names),
bullet glyphs (kept as "- " list markers), words broken by a stray space ("responsib le"),
hyphens followed by a stray space ("counter- terrorism"), spaces before punctuation and
runs of blank lines or spaces. Dates ("Updated June 2017", "As of April 2025",
"Update | November 2023") and the "archived material" warning are detected from the text.
Titles and publishers are editorial: they come from a small TOML file (``sources.toml``),
never invented here. This module is used by ``python -m bot ingest``, which is ``bot add``'s
text path (``sources.py``) applied to the seed folder; it is not on the answering path.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.text.spelling import read_dictionary

# Whole lines that are page furniture, not content.
CHROME_LINES = [
    r"top of page",
    r"bottom of page",
    r"↑?\s*back to top",
    r"click to enlarge\.?",
    r"you are in:?",
    r"search result",
    r"send an e-mail linking to this page",
    r"more about this area",
    r"the logo of .{1,80}",
    r".{1,120}\.(png|jpe?g|gif|svg|webp)",
]
_CHROME = re.compile(r"^\s*(?:" + "|".join(CHROME_LINES) + r")\s*$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[•●▪◦·‣∙]\s*")

DATE_PATTERNS = [
    re.compile(r"\bUpdated\s+((?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{4})\b"),
    re.compile(r"\bUpdate\s*\|\s*((?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{4})\b"),
    re.compile(r"\bAs of\s+((?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{4})\b"),
]
ARCHIVED = re.compile(r"\bthis is archived material\b", re.IGNORECASE)


def load_vocabulary(vocab_file: Path) -> set[str]:
    """Whole words (not '##' pieces) of a WordPiece vocabulary, used to mend broken words."""
    return set(read_dictionary(vocab_file))


def mend_broken_words(text: str, vocabulary: set[str]) -> str:
    """Join 'responsib le' -> 'responsible' when only the joined form is a known word."""

    def join(match: re.Match[str]) -> str:
        left, right = match.group(1), match.group(2)
        if left.lower() not in vocabulary and (left + right).lower() in vocabulary:
            return left + right
        return match.group(0)

    return re.sub(r"\b([A-Za-z]{3,}) ([a-z]{1,4})\b", join, text)


def clean_text(raw: str, vocabulary: set[str] | None = None) -> str:
    lines: list[str] = []
    for line in raw.replace("\r\n", "\n").replace("\u00a0", " ").split("\n"):
        if _CHROME.match(line):
            continue
        is_item = bool(_BULLET.match(line))
        line = _BULLET.sub("", line)
        line = re.sub(r"[ \t]+", " ", line).strip()
        line = re.sub(r"(\w)- (\w)", r"\1-\2", line)  # "counter- terrorism"
        line = re.sub(r"(\w) +([,;])", r"\1\2", line)  # "Wardens , Directors"
        if vocabulary:
            line = mend_broken_words(line, vocabulary)
        if is_item and line:
            line = "- " + line
        lines.append(line)
    text = "\n".join(lines)
    # A list is one block: drop the blank lines between its items.
    text = re.sub(r"(?m)^(- .*)\n\n+(?=- )", r"\1\n", text)
    # A wrapped list item ("...the cultural issues\nthat have led to that.") is one line.
    text = re.sub(r"(?m)^(- .*)\n(?=[a-z])", r"\1 ", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"


def detect_date(text: str) -> str:
    for pattern in DATE_PATTERNS:
        found = pattern.findall(text)
        if found:
            return found[-1]
    return ""


@dataclass(frozen=True)
class SeedEntry:
    seed: str  # file name in the seed folder
    file: str  # file name to write under corpus/
    title: str
    site: str = ""


def read_sources(path: Path) -> list[SeedEntry]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = []
    for seed, fields in data.items():
        if not isinstance(fields, dict) or "file" not in fields or "title" not in fields:
            raise ValueError(f"{path}: entry [{seed!r}] needs at least 'file' and 'title'")
        entries.append(SeedEntry(seed=seed, file=fields["file"], title=fields["title"], site=fields.get("site", "")))
    return entries


def render(entry: SeedEntry, raw: str, vocabulary: set[str] | None) -> str:
    """The corpus/ file for one seed page: ``python -m bot add``'s text path with the entry's title."""
    from bot.corpus.sources import _from_text, _replace  # sources builds on this module's cleaner

    return _replace(_from_text(raw, vocabulary, entry.seed), title=entry.title, site=entry.site,
                    source=entry.seed).render()


def ingest(seed_dir: Path, sources: Path, corpus_dir: Path, vocabulary: set[str] | None) -> list[Path]:
    """Every seed page of ``sources`` read like ``python -m bot add`` reads a text file, written
    under its fixed file name (replacing the previous version: no duplicate check)."""
    from bot.corpus.sources import read_source

    corpus_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for entry in read_sources(sources):
        source = read_source(seed_dir / entry.seed, vocabulary=vocabulary, title=entry.title, site=entry.site)
        target = corpus_dir / entry.file
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(source.render(), encoding="utf-8")
        tmp.replace(target)
        written.append(target)
    return written
