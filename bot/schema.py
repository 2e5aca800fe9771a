"""The small dataclasses passed between stages: Document -> Chunk/Span -> Hit -> Answer.

Each checks its own invariants in ``__post_init__`` so bad data fails where it is made.
``Answer.to_dict()`` is the JSON contract shared by the CLI (``ask --json``) and the web API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args


@dataclass(frozen=True)
class Document:
    """One source text from corpus/. ``body`` is what offsets point into (header removed)."""

    doc_id: str  # path under corpus/, e.g. "met-about-us.md"
    title: str
    body: str
    source: str = ""  # the seed file it was made from, when known
    site: str = ""
    date: str = ""  # as the text gives it ("June 2017"); "" when undated
    archived: bool = False
    url: str = ""  # the page's own address, only where the page (or the operator) states it

    def __post_init__(self) -> None:
        if not self.doc_id or self.doc_id.startswith("/") or ".." in self.doc_id.split("/"):
            raise ValueError(f"doc_id must be a relative path under corpus/, got {self.doc_id!r}")
        if not self.title.strip():
            raise ValueError(f"document {self.doc_id!r} has an empty title")


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: ``doc.body[start:end] == text``."""

    doc_id: str
    start: int
    end: int
    text: str
    heading: str = ""  # the section heading it falls under ("" at the top of a document)

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"chunk offsets must satisfy 0 <= start < end, got {self.start}..{self.end}")
        if len(self.text) != self.end - self.start:
            raise ValueError(f"chunk text length {len(self.text)} != end - start {self.end - self.start}")


@dataclass(frozen=True)
class Span:
    """An answer candidate inside a chunk: a sentence, a list item, or a short block kept whole."""

    chunk_id: int
    doc_id: str
    start: int
    end: int
    text: str
    kind: str = "sentence"  # "sentence" | "block"

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"span offsets must satisfy 0 <= start < end, got {self.start}..{self.end}")
        if self.kind not in ("sentence", "block"):
            raise ValueError(f"span kind must be 'sentence' or 'block', got {self.kind!r}")


@dataclass(frozen=True)
class ScoredSpan:
    """A candidate span and how it scored for one question (answer.py): the total, its main
    features, and ``parts``: every rule's contribution by name (they add up to ``score``)."""

    span_id: int
    span: Span
    score: float
    cos_span: float
    cos_chunk: float
    coverage: float
    rank: float
    parts: tuple[tuple[str, float], ...] = ()
    fitted: float | None = None  # the fitted ranker's logit (scorer.py), when one ranks the candidates


@dataclass(frozen=True)
class Hit:
    """A chunk found by retrieval, with the evidence of each retriever."""

    chunk_id: int
    score: float  # fused score (reciprocal rank fusion)
    dense_score: float = 0.0
    dense_rank: int | None = None
    lexical_rank: int | None = None


@dataclass(frozen=True)
class Citation:
    doc_id: str
    title: str
    start: int
    end: int
    quote: str
    date: str = ""
    archived: bool = False
    url: str = ""  # the source page's own address, when its header states one

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end or len(self.quote) != self.end - self.start:
            raise ValueError(f"citation quote must be body[{self.start}:{self.end}], got {len(self.quote)} characters")

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "date": self.date or "undated",
            "archived": self.archived,
            **({"url": self.url} if self.url else {}),
        }


# Why a quote is offered beside the lead answer.
SupportReason = Literal[
    "other_source",  # another source says the same thing
    "conflicting_value",  # another source gives a different figure of the same thing
    "replaced_by",  # a source says a body the answer names was replaced
    "continues",  # the same source goes on with something the lead lacks
]
SUPPORT_REASONS: tuple[str, ...] = get_args(SupportReason)


@dataclass(frozen=True)
class Support:
    """A quote offered beside the lead answer, and why (one of ``SUPPORT_REASONS``)."""

    citation: Citation
    why: str

    def __post_init__(self) -> None:
        if self.why not in SUPPORT_REASONS:
            raise ValueError(f"support reason must be one of {SUPPORT_REASONS}, got {self.why!r}")

    def to_dict(self) -> dict[str, Any]:
        return {**self.citation.to_dict(), "why": self.why}


@dataclass(frozen=True)
class Answer:
    """What the engine returns. When ``answered`` is false, ``suggestions`` hold the nearest passages.

    ``answer`` is the lead alone: the quotes of the lead's citations joined. ``citations`` holds
    the lead's citations first, then those of the ``supporting`` quotes, in the same order.
    """

    answered: bool
    answer: str
    citations: tuple[Citation, ...] = ()
    confidence: float = 0.0
    suggestions: tuple[Citation, ...] = ()
    error: str | None = None
    related: tuple[str, ...] = ()  # questions from the corpus the bot can answer, to offer next
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)
    supporting: tuple[Support, ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be within [0, 1], got {self.confidence!r}")
        if self.answered and not self.lead:
            raise ValueError("an answered question must carry at least one citation of its lead")
        n = len(self.supporting)
        if n and tuple(s.citation for s in self.supporting) != self.citations[len(self.citations) - n:]:
            raise ValueError("the supporting quotes' citations must end the citations, in the same order")

    @property
    def lead(self) -> tuple[Citation, ...]:
        """The citations of the lead answer (those before the supporting quotes')."""
        return self.citations[:len(self.citations) - len(self.supporting)]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "answered": self.answered,
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "confidence": round(float(self.confidence), 4),
            "supporting": [s.to_dict() for s in self.supporting],
        }
        if not self.answered:
            out["suggestions"] = [c.to_dict() for c in self.suggestions]
        out["related"] = list(self.related)
        if self.error is not None:
            out["error"] = self.error
        return out

    @classmethod
    def failure(cls, message: str) -> "Answer":
        return cls(answered=False, answer="", error=message)
