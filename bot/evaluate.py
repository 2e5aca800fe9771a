"""Score the engine on a JSON Lines question set (``tests/data/eval.jsonl`` is the dev set).

Each row: ``question``, ``history``, ``answerable``, ``kind`` and, when answerable,
``expected_doc`` and ``expected_text`` (a verbatim piece any correct answer contains);
``conflict`` rows also list ``expected_texts``: every differing value the answer must show;
``replaced`` rows list the passage about a body's replacement that must be quoted too.
Reported: answerable hit rate, abstention rate on unanswerable questions, follow-up and
conflict hit rates, retrieval recall@1/@5 and MRR, latency p50/p95, and whether every answer
was verbatim from the corpus.
"""

from __future__ import annotations

import json
import random
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .engine import Engine
from .schema import Answer
from .validate import Turn


@dataclass(frozen=True)
class Row:
    id: str
    question: str
    history: tuple[Turn, ...]
    answerable: bool
    kind: str
    expected_doc: str | None = None
    expected_text: str | None = None
    expected_texts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.answerable and not (self.expected_doc and self.expected_text):
            raise ValueError(f"row {self.id}: answerable rows need expected_doc and expected_text")


def read_rows(path: Path) -> list[Row]:
    rows = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            rows.append(Row(
                id=str(d["id"]), question=d["question"],
                history=tuple(Turn(t["role"], t["content"]) for t in d.get("history") or []),
                answerable=bool(d["answerable"]), kind=d.get("kind", "fact"),
                expected_doc=d.get("expected_doc"), expected_text=d.get("expected_text"),
                expected_texts=tuple(d.get("expected_texts") or ()),
            ))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}:{line_no}: bad eval row ({type(exc).__name__}: {exc})") from None
    return rows


@dataclass
class RowResult:
    row: Row
    answer: Answer
    correct: bool
    verbatim: bool
    retrieval_rank: int | None  # 1-based rank of the first chunk holding the expected text
    seconds: float


@dataclass
class Report:
    results: list[RowResult] = field(default_factory=list)

    def _rate(self, rows: list[RowResult]) -> float:
        return sum(r.correct for r in rows) / len(rows) if rows else float("nan")

    @property
    def metrics(self) -> dict[str, float]:
        answerable = [r for r in self.results if r.row.answerable and r.row.kind != "followup"]
        unanswerable = [r for r in self.results if not r.row.answerable]
        followups = [r for r in self.results if r.row.kind == "followup"]
        conflicts = [r for r in self.results if r.row.kind == "conflict"]
        replaced = [r for r in self.results if r.row.kind == "replaced"]
        ranked = [r for r in self.results if r.row.answerable]
        ranks = [r.retrieval_rank for r in ranked]
        latencies = np.array([r.seconds for r in self.results]) * 1000
        return {
            "questions": len(self.results),
            "answerable_hit_rate": self._rate(answerable),
            "unanswerable_abstain_rate": self._rate(unanswerable),
            "followup_hit_rate": self._rate(followups),
            "conflict_hit_rate": self._rate(conflicts),
            "replaced_body_hit_rate": self._rate(replaced),
            "recall_at_1": sum(1 for k in ranks if k is not None and k <= 1) / max(len(ranks), 1),
            "recall_at_5": sum(1 for k in ranks if k is not None and k <= 5) / max(len(ranks), 1),
            "mrr": sum(1.0 / k for k in ranks if k) / max(len(ranks), 1),
            "verbatim_rate": sum(r.verbatim for r in self.results) / max(len(self.results), 1),
            "latency_p50_ms": float(np.percentile(latencies, 50)) if len(latencies) else float("nan"),
            "latency_p95_ms": float(np.percentile(latencies, 95)) if len(latencies) else float("nan"),
        }

    def failures(self) -> list[RowResult]:
        return [r for r in self.results if not r.correct or not r.verbatim]


def is_verbatim(engine: Engine, answer: Answer) -> bool:
    """Every citation is a slice of its document and the answer is exactly the cited quotes."""
    for c in answer.citations:
        doc = engine.document(c.doc_id)
        if doc is None or doc.body[c.start:c.end] != c.quote:
            return False
    if answer.answered:
        from .answer import JOINER

        return answer.answer == JOINER.join(c.quote for c in answer.citations)
    return True


def is_correct(row: Row, answer: Answer) -> bool:
    if not row.answerable:
        return not answer.answered
    if not answer.answered:
        return False
    if row.kind in ("conflict", "replaced") and row.expected_texts:
        return all(t in answer.answer for t in row.expected_texts)
    return row.expected_text in answer.answer


def retrieval_rank(engine: Engine, row: Row, depth: int = 10) -> int | None:
    if not row.answerable:
        return None
    hits = engine.retrieve(row.question, row.history, depth)
    for rank, hit in enumerate(hits, start=1):
        chunk = engine.index.chunks[hit.chunk_id]
        if chunk.doc_id == row.expected_doc and row.expected_text in chunk.text:
            return rank
    return None


def with_typos(rows: list[Row], seed: int = 0) -> list[Row]:
    """The rows with one typo in each question: in one of its words of five letters or more, a
    letter dropped, doubled, swapped with the next or changed to a vowel. Seeded, so runs compare."""
    rng = random.Random(seed)
    out = []
    for row in rows:
        words = list(re.finditer(r"[a-z]{5,}", row.question))
        if not words:
            out.append(row)
            continue
        word = rng.choice(words)
        w, i = word.group(0), rng.randrange(1, len(word.group(0)) - 1)
        slip = rng.choice(["drop", "double", "swap", "vowel"])
        typed = {"drop": w[:i] + w[i + 1:], "double": w[:i] + w[i] + w[i:],
                 "swap": w[:i] + w[i + 1] + w[i] + w[i + 2:], "vowel": w[:i] + rng.choice("aeiou") + w[i + 1:]}[slip]
        out.append(replace(row, question=row.question[:word.start()] + typed + row.question[word.end():]))
    return out


def evaluate(engine: Engine, rows: list[Row]) -> Report:
    report = Report()
    for row in rows:
        started = time.perf_counter()
        answer = engine.ask(row.question, row.history)
        seconds = time.perf_counter() - started
        report.results.append(RowResult(
            row, answer, is_correct(row, answer), is_verbatim(engine, answer), retrieval_rank(engine, row), seconds,
        ))
    return report
