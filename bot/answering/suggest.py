"""What to show beside an answer, found in the corpus itself: no generated text.

- ``Supersessions``: where a source says a body was replaced ("The Harbour Board has been
  replaced by the Harbour Trust", "our predecessor the Old Docks Company (ODC)"), an answer
  quoting the old body also
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
from bm25s.stopwords import STOPWORDS_EN_PLUS

from bot.query.acronyms import AcronymMap, name_run
from bot.schema import Answer, Document, Span

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
        # Each document's sentence spans: a match is looked up among its own page's, not every span.
        sentences: dict[str, list[int]] = {}
        for i, s in enumerate(spans):
            if s.kind == "sentence":
                sentences.setdefault(s.doc_id, []).append(i)
        for doc in documents.values():
            for pattern in _REPLACED:
                for match in pattern.finditer(doc.body):
                    old = " ".join(match.group("old").split())
                    if old.lower() in items:
                        continue
                    span_id = _sentence_span(spans, sentences.get(doc.doc_id, []), match.start("old"))
                    if span_id is None:
                        continue
                    acr = [a for a, names in acronyms.pairs.items() if any(n.lower() == old.lower() for n in names)]
                    items[old.lower()] = Supersession(old, (old, *acr), span_id)
        return cls(list(items.values()))

    def for_text(self, text: str) -> list[Supersession]:
        return [s for s in self.items if s.mentioned_in(text)]


def _sentence_span(spans: Sequence[Span], sentence_ids: Sequence[int], offset: int) -> int | None:
    """The shortest of the sentence spans ``sentence_ids`` (one document's, in order) containing ``offset``."""
    best = None
    for i in sentence_ids:
        s = spans[i]
        if s.start <= offset < s.end:
            if best is None or (s.end - s.start) < (spans[best].end - spans[best].start):
                best = i
    return best


# Words a question opens with (English grammar, not corpus knowledge): a heading that starts
# with one reads as a question ("How to complain", "What we do"); any text ending in "?" does.
_WH_WORDS = frozenset("who whom whose what when where why how which".split())
_QUESTION_OPENERS = _WH_WORDS | frozenset(
    "can could do does did is are was were will would should shall may must have has".split()
)
_WORD = re.compile(r"[a-z0-9]+")
# A near-repeat is judged on content words: English function words (NLTK's standard list, as
# bm25s ships it) left out, but not the question words, nor "mean" (which ``terms()``'s list
# drops): "What does X mean?" is not a repeat of "X", while "Where do I complain?" is one of
# "Where can I complain?".
_FILLER = frozenset(STOPWORDS_EN_PLUS) - _WH_WORDS


def reads_as_question(text: str) -> bool:
    words = _WORD.findall(text.lower())
    return text.rstrip().endswith("?") or bool(words and words[0] in _QUESTION_OPENERS)


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _FILLER}


def same_question(a: str, b: str) -> bool:
    """The same question or a near-repeat: the same words, or content words overlapping by over 4/5."""
    wa, wb = _WORD.findall(a.lower()), _WORD.findall(b.lower())
    if wa == wb:
        return True
    ca, cb = _content_words(a), _content_words(b)
    return bool(ca and cb) and len(ca & cb) / len(ca | cb) > 0.8


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
        # A heading is offered only when it reads as a question ("How we assess staff"); a bare
        # name or title ("Appointment and discipline of ...") is not something to ask.
        texts += [h for h in headings if 3 <= len(h.split()) <= 10 and " | " not in h and reads_as_question(h)]
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
             encode: Callable[[list[str]], np.ndarray], n: int = 3, asked: Sequence[str] = ()) -> list[str]:
        """Up to ``n`` candidates nearest ``vector``, never ``question`` or one of the questions
        ``asked`` earlier in the conversation (or a rewording of one), nor one answered by the
        passage just cited."""
        candidates = self._build(ask, encode)
        if not candidates:
            return []
        sims = np.stack([c.vector for c in candidates]) @ vector
        cited = {(c.doc_id, c.start) for c in answer.citations}
        out = []
        for i in np.argsort(-sims):
            cand = candidates[int(i)]
            if any(same_question(cand.question, q) for q in (question, *asked)) or any(
                c.doc_id == cand.doc_id and c.start <= cand.start < c.end for c in answer.citations
            ) or (cand.doc_id, cand.start) in cited:
                continue
            out.append(cand.question)
            if len(out) == n:
                break
        return out
