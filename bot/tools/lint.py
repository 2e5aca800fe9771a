"""``python -m bot lint``: what the operator should look at in the corpus, as findings.

- ``undated``: a document whose header states no date.
- ``old``: a document dated longer ago than ``max_age_years`` ("dated June 2017: check it is
  still current").
- ``unreached``: a passage (chunk) that no heading, listed question or sentence of the corpus
  from elsewhere retrieves in the top ``k``: a question about it is unlikely to find it either.
  A chunk's own text is not counted as reaching it.
- ``duplicate``: two documents that are the same or nearly (shingle resemblance, as ``bot add``
  checks), and the same sentence (eight words or more) standing in two documents.
- ``superseded``: a document that names a body another document says was replaced ("... has
  been replaced by ..."), where that document is not newer than the one saying so.

Findings are data (``Finding``); the CLI prints them as text or JSON. This module reads the
engine's index and retriever; it changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from bot.corpus.add import CONTAINED, NEAR_DUPLICATE, shingles, similarity, words
from bot.query import qtype
from bot.text.terms import terms

KINDS = ("undated", "old", "unreached", "duplicate", "superseded")
MONTHS = {m: i for i, m in enumerate(qtype.MONTHS, start=1)}
MIN_SENTENCE_WORDS = 8
# Cosine below which a hit that shares no word with the query does not count as reached: it only
# filled a top-k slot. With MiniLM on the shipped corpus, a sentence scores 0.35 or more with its
# own chunk 92% of the time and with a chunk of another document 45% of the time (median 0.33: the
# pages share one subject), so below it a hit by meaning alone is as likely noise as not.
MIN_DENSE_REACH = 0.35


@dataclass(frozen=True)
class Finding:
    kind: str
    doc_id: str
    message: str
    start: int | None = None  # the passage in doc_id's body, when the finding is about one
    end: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")

    def line(self) -> str:
        where = f" [{self.start}-{self.end}]" if self.start is not None else ""
        return f"{self.kind:10s} {self.doc_id}{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_date(text: str) -> date | None:
    """A header date as the pages give it: "June 2017", "2024-03-14", "14 March 2024", "2017"."""
    text = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?(?:[T ].*)?", text)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    m = re.fullmatch(r"(?:(\d{1,2})\s+)?([A-Za-z]+)\s+(\d{4})", text)
    if m and m.group(2).lower() in MONTHS:
        return date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1) or 1))
    m = re.fullmatch(r"(\d{4})", text)
    return date(int(m.group(1)), 1, 1) if m else None


def check_dates(documents: list, max_age_years: float, today: date) -> list[Finding]:
    out = []
    for doc in documents:
        if not doc.date:
            out.append(Finding("undated", doc.doc_id, "no date: add 'date:' to its header where the page states one"))
            continue
        when = parse_date(doc.date)
        if when is None:
            out.append(Finding("undated", doc.doc_id, f"date {doc.date!r} is not one lint can read"))
        elif (today - when).days > max_age_years * 365.25:
            out.append(Finding("old", doc.doc_id, f"dated {doc.date}: check it is still current"))
    return out


def check_duplicates(documents: list) -> list[Finding]:
    out = []
    sets = {d.doc_id: shingles(d.body) for d in documents}
    for i, a in enumerate(documents):
        for b in documents[i + 1:]:
            resemblance, contained = similarity(sets[a.doc_id], sets[b.doc_id])
            _, contained_back = similarity(sets[b.doc_id], sets[a.doc_id])
            if resemblance >= NEAR_DUPLICATE or max(contained, contained_back) >= CONTAINED:
                out.append(Finding("duplicate", b.doc_id, f"{resemblance:.0%} the same as {a.doc_id}: keep one"))
    seen: dict[str, tuple[str, int, int]] = {}
    for doc in documents:
        for m in re.finditer(r"[^.!?\n]+[.!?]", doc.body):
            sentence = " ".join(words(m.group(0)))
            if len(sentence.split()) < MIN_SENTENCE_WORDS:
                continue
            first = seen.setdefault(sentence, (doc.doc_id, m.start(), m.end()))
            if first[0] != doc.doc_id:
                start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
                out.append(Finding("duplicate", doc.doc_id, f"the same sentence stands in {first[0]}", start, m.end()))
    return out


def replacements(documents: list) -> list[tuple[str, tuple[str, ...], str, str]]:
    """(old name, its names and acronyms, the document saying it was replaced, that sentence)."""
    from bot.query.acronyms import AcronymMap
    from bot.answering.suggest import _REPLACED  # the answer path's own patterns, so lint and answers agree

    acronyms = AcronymMap.from_documents(documents)
    found: dict[str, tuple[str, tuple[str, ...], str, str]] = {}
    for doc in documents:
        for pattern in _REPLACED:
            for match in pattern.finditer(doc.body):
                # A name run may reach back over a line break into a heading: keep its last line.
                old = " ".join(match.group("old").split("\n")[-1].split())
                old = re.sub(r"^[Tt]he\s+", "", old)
                if not old or old.lower() in found:
                    continue
                line_start = doc.body.rfind("\n", 0, match.start("old") + len(match.group("old"))) + 1
                line_end = doc.body.find("\n", match.end())
                sentence = " ".join(doc.body[line_start:line_end if line_end != -1 else None].split())
                acr = [a for a, names in acronyms.pairs.items() if any(n.lower() == old.lower() for n in names)]
                found[old.lower()] = (old, (old, *acr), doc.doc_id, sentence)
    return list(found.values())


def check_superseded(documents: list) -> list[Finding]:
    by_id = {d.doc_id: d for d in documents}
    out = []
    for old, names, says_id, sentence in replacements(documents):
        says = by_id[says_id]
        said_on = parse_date(says.date)
        for doc in documents:
            if doc.doc_id == says_id or not any(
                    re.search(rf"\b{re.escape(n)}\b", doc.body, re.IGNORECASE if len(n) > 8 else 0) for n in names):
                continue
            dated = parse_date(doc.date)
            if said_on is not None and dated is not None and dated > said_on:
                continue  # newer than the statement: it may well know
            out.append(Finding("superseded", doc.doc_id,
                               f"names {old}, which {says_id} ({says.date or 'undated'}) says was "
                               f"replaced: \"{sentence[:160]}\""))
    return out


def check_reach(engine, k: int) -> list[Finding]:
    """Chunks that no query taken from the rest of the corpus retrieves in the top ``k``."""
    index = engine.index
    queries: list[tuple[str, int]] = []  # (text, the chunk it comes from)
    for chunk_id, chunk in enumerate(index.chunks):
        if chunk.heading:
            queries.append((chunk.heading, chunk_id))  # a heading names what its section answers
    for span in index.spans:
        if span.kind == "sentence" and len(span.text.split()) >= 4:
            queries.append((" ".join(span.text.split()), span.chunk_id))
    texts = list(dict.fromkeys(q for q, _ in queries))
    origin: dict[str, set[int]] = {}
    for text, chunk_id in queries:
        origin.setdefault(text, set()).add(chunk_id)
    reached: set[int] = set()
    vectors = engine.embedder.encode(texts) if texts else []
    for text, vector in zip(texts, vectors):
        for hit in engine.retriever.search(vector, terms(text), k)[:k]:
            # A hit by meaning alone, far from the query, is rank filling, not reach.
            related = hit.lexical_rank is not None or hit.dense_score >= MIN_DENSE_REACH
            if related and hit.chunk_id not in origin[text]:
                reached.add(hit.chunk_id)
    out = []
    for chunk_id, chunk in enumerate(index.chunks):
        body = chunk.text.strip()
        if chunk_id in reached or not body or body == chunk.heading:
            continue
        first = " ".join(body.split())[:80]
        out.append(Finding("unreached", chunk.doc_id, f"no other heading or sentence retrieves \"{first}...\" "
                           f"in the top {k}: is it findable, or does it belong here?", chunk.start, chunk.end))
    return out


def lint(engine, *, max_age_years: float = 5.0, k: int = 3, today: date | None = None) -> list[Finding]:
    """Every finding for the engine's corpus, grouped by kind."""
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    if max_age_years <= 0:
        raise ValueError(f"max_age_years must be positive, got {max_age_years}")
    documents = sorted(engine.index.documents.values(), key=lambda d: d.doc_id)
    return (check_dates(documents, max_age_years, today or date.today()) + check_duplicates(documents)
            + check_superseded(documents) + check_reach(engine, k))
