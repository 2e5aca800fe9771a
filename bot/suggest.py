"""What to show beside an answer, found in the corpus itself: no generated text.

- ``Supersessions``: where a source says a body was replaced ("The Metropolitan Police Authority
  has been replaced by the Mayor's Office for Policing and Crime", "our predecessor the
  Independent Police Complaints Commission (IPCC)"), an answer quoting the old body also
  quotes and cites that passage.
- ``RelatedQuestions``: the questions the corpus lists and its section headings, kept only if
  the engine really answers them, offered as "related questions" after an answer and as
  "questions I can answer" after an abstention.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .acronyms import AcronymMap, name_run
from .schema import Answer, Document, Span

_NAME = name_run(("of", "for", "and", "the"))
_REPLACED = [
    re.compile(rf"(?:[Tt]he\s+)?(?P<old>{_NAME})(?:\s+\([A-Z]{{2,8}}\))?\s+(?:has|had|was|have been|were)\s+(?:been\s+)?replaced\s+by"),
    re.compile(rf"\bpredecessor,?\s+(?:the\s+)?(?P<old>{_NAME})"),
]


@dataclass(frozen=True)
class Supersession:
    old_name: str
    aliases: tuple[str, ...]  # the name and its acronyms, as whole words
    span_id: int  # the passage that says so

    def mentioned_in(self, text: str) -> bool:
        return any(re.search(rf"\b{re.escape(a)}\b", text, re.IGNORECASE if len(a) > 8 else 0) for a in self.aliases)


class Supersessions:
    def __init__(self, items: Sequence[Supersession]) -> None:
        self.items = list(items)

    @classmethod
    def from_index(cls, documents: dict[str, Document], spans: Sequence[Span], acronyms: AcronymMap) -> "Supersessions":
        items: dict[str, Supersession] = {}
        for doc in documents.values():
            for pattern in _REPLACED:
                for match in pattern.finditer(doc.body):
                    old = " ".join(match.group("old").split())
                    span_id = _sentence_span(spans, doc.doc_id, match.start("old"))
                    if span_id is None or old.lower() in items:
                        continue
                    acr = [a for a, names in acronyms.pairs.items() if any(n.lower() == old.lower() for n in names)]
                    items[old.lower()] = Supersession(old, (old, *acr), span_id)
        return cls(list(items.values()))

    def for_text(self, text: str) -> list[Supersession]:
        return [s for s in self.items if s.mentioned_in(text)]


def _sentence_span(spans: Sequence[Span], doc_id: str, offset: int) -> int | None:
    """The shortest sentence span of ``doc_id`` containing ``offset``."""
    best = None
    for i, s in enumerate(spans):
        if s.doc_id == doc_id and s.kind == "sentence" and s.start <= offset < s.end:
            if best is None or (s.end - s.start) < (spans[best].end - spans[best].start):
                best = i
    return best


@dataclass(frozen=True)
class Candidate:
    question: str
    vector: np.ndarray
    doc_id: str
    start: int  # where the engine's answer to it starts: don't suggest what was just answered


class RelatedQuestions:
    """Questions taken from the corpus (listed questions, section headings) that the engine answers.

    Built lazily on first use (it asks the engine each candidate once), then read-only.
    """

    def __init__(self, documents: dict[str, Document], spans: Sequence[Span], headings: Sequence[str]) -> None:
        texts: list[str] = []
        for s in spans:
            text = " ".join(s.text.split())
            if s.kind == "sentence" and text.endswith("?") and " | " not in text and 3 <= len(text.split()) <= 16:
                texts.append(text)
        # Headings name what a section answers ("Appointment and discipline of senior MPS officers").
        texts += [h for h in headings if 3 <= len(h.split()) <= 10 and " | " not in h]
        self._texts = list(dict.fromkeys(texts))
        self._candidates: list[Candidate] | None = None
        self._lock = threading.Lock()

    @property
    def texts(self) -> list[str]:
        """The candidate questions and headings, before the engine checks that it answers them."""
        return list(self._texts)

    def _build(self, ask: Callable[[str], Answer], encode: Callable[[list[str]], np.ndarray]) -> list[Candidate]:
        with self._lock:
            if self._candidates is None:
                kept = []
                for text in self._texts:
                    answer = ask(text)
                    if answer.answered:
                        kept.append((text, answer.citations[0]))
                vectors = encode([t for t, _ in kept]) if kept else np.zeros((0, 1), dtype=np.float32)
                self._candidates = [Candidate(t, v, c.doc_id, c.start) for (t, c), v in zip(kept, vectors)]
            return self._candidates

    def pick(self, question: str, vector: np.ndarray, answer: Answer, ask: Callable[[str], Answer],
             encode: Callable[[list[str]], np.ndarray], n: int = 3) -> list[str]:
        candidates = self._build(ask, encode)
        if not candidates:
            return []
        sims = np.stack([c.vector for c in candidates]) @ vector
        cited = {(c.doc_id, c.start) for c in answer.citations}
        out = []
        for i in np.argsort(-sims):
            cand = candidates[int(i)]
            if cand.question.lower() == question.lower() or any(
                c.doc_id == cand.doc_id and c.start <= cand.start < c.end for c in answer.citations
            ) or (cand.doc_id, cand.start) in cited:
                continue
            out.append(cand.question)
            if len(out) == n:
                break
        return out
