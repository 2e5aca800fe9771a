"""Score the engine on a JSON Lines question set (``tests/data/eval.jsonl`` is the dev set).

Each row: ``question``, ``history``, ``answerable``, ``kind`` and, when answerable,
``expected_doc`` and ``expected_text`` (a verbatim piece any correct answer contains);
``conflict`` rows also list ``expected_texts``: every differing value the answer must show;
``replaced`` rows list the passage about a body's replacement that must be quoted too. Ordinary
rows are judged on the lead answer (``answer``) alone; conflict and replaced rows on the lead
with its supporting quotes.
Reported: answerable hit rate, abstention rate on unanswerable questions, follow-up and
conflict hit rates, retrieval recall@1/@5 and MRR, latency p50/p95, answer length, whether every
answer was verbatim from the corpus, and how well the confidence is calibrated (a reliability
table, the expected calibration error, and the threshold that would have done best on the set).

Each question is asked once with the threshold at 0 (``Engine.explain``), which gives the answer
the engine would quote and its confidence; the engine's real outcome is that answer when the
confidence reaches the threshold it would have used, an abstention otherwise. So one run also
tells how any other threshold would have done.

Question sets are listed in ``tests/data/sets.toml``: development sets (free to study) and
measure-only sets (figures only: ``eval --all`` never prints their rows, and their outcomes are
stored as counts, never per row).
"""

from __future__ import annotations

import json
import random
import re
import time
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from bot.answering.answer import NOT_COVERED
from bot.engine import Engine
from bot.schema import Answer
from bot.settings import PROJECT_ROOT
from bot.query.validate import Turn

SETS_FILE = PROJECT_ROOT / "tests" / "data" / "sets.toml"
LONG_ANSWER = 500  # characters: a lead longer than this is too long to read in a chat bubble


@dataclass(frozen=True)
class QuestionSet:
    """One question set: ``measure_only`` sets are reported as figures, never row by row."""

    name: str
    path: Path
    measure_only: bool
    about: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9_]+", self.name):
            raise ValueError(f"set names are lower-case words, got {self.name!r}")


def read_sets(path: Path = SETS_FILE) -> list[QuestionSet]:
    """The question sets listed in ``sets.toml`` (``[sets.NAME]`` with ``file``, ``role``, ``about``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read the question-set list {path}: {exc}") from None
    out = []
    for name, entry in data.get("sets", {}).items():
        role = entry.get("role")
        if role not in ("development", "measure-only"):
            raise ValueError(f"{path}: set {name!r} needs role 'development' or 'measure-only', got {role!r}")
        out.append(QuestionSet(name, path.parent / entry["file"], role == "measure-only", entry.get("about", "")))
    if not out:
        raise ValueError(f"{path} lists no question sets")
    return out


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
    answer: Answer  # what the engine gave
    correct: bool
    verbatim: bool
    retrieval_rank: int | None  # 1-based rank of the first chunk holding the expected text
    seconds: float
    # The answer the engine would have quoted whatever the threshold, whether it is right, and
    # the threshold the engine held its confidence against (a follow-up's may differ).
    would_be_correct: bool = False
    threshold: float = 0.5

    @property
    def lead(self) -> str:
        return self.answer.answer if self.answer.answered else ""


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
            **lead_lengths([r.lead for r in self.results if r.answer.answered]),
            "expected_calibration_error": calibration(self.results)[1],
            "latency_p50_ms": float(np.percentile(latencies, 50)) if len(latencies) else float("nan"),
            "latency_p95_ms": float(np.percentile(latencies, 95)) if len(latencies) else float("nan"),
        }

    def failures(self) -> list[RowResult]:
        return [r for r in self.results if not r.correct or not r.verbatim]

    def outcomes(self) -> dict[str, bool]:
        """Row id -> right or wrong (the per-row baseline)."""
        return {r.row.id: r.correct for r in self.results}


def lead_lengths(leads: list[str]) -> dict[str, float]:
    """Median and 95th percentile length of the answers given, and the share over ``LONG_ANSWER``."""
    n = np.array([len(a) for a in leads])
    if not len(n):
        return {"lead_chars_p50": float("nan"), "lead_chars_p95": float("nan"), "lead_over_500_share": float("nan")}
    return {"lead_chars_p50": float(np.percentile(n, 50)), "lead_chars_p95": float(np.percentile(n, 95)),
            "lead_over_500_share": float((n > LONG_ANSWER).mean())}


def calibration(results: list[RowResult], bins: int = 10) -> tuple[list[dict[str, float]], float]:
    """Reliability of the confidence on answered questions: per equal-width bin, how many, their
    mean confidence and the share right; and the expected calibration error (bin-weighted mean
    gap between confidence and share right)."""
    return reliability([(r.answer.confidence, r.correct) for r in results if r.answer.answered], bins)


def reliability(pairs: list[tuple[float, bool]], bins: int = 10) -> tuple[list[dict[str, float]], float]:
    """(confidence, right) pairs -> the reliability table and the expected calibration error."""
    table, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(c, ok) for c, ok in pairs if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if not inside:
            continue
        conf = float(np.mean([c for c, _ in inside]))
        right = float(np.mean([ok for _, ok in inside]))
        table.append({"from": lo, "to": hi, "n": len(inside), "confidence": conf, "right": right})
        ece += len(inside) / len(pairs) * abs(conf - right)
    return table, (ece if pairs else float("nan"))


def best_threshold(results: list[RowResult], configured: float) -> tuple[float, float, float]:
    """The threshold that would have got most of these rows right, with its accuracy and the
    accuracy at ``configured``. Only rows held against ``configured`` count (a follow-up's
    threshold is advised on separately). Ties go to the value nearest the configured one."""
    return best_threshold_of([(r.answer.confidence, r.row.answerable, r.would_be_correct) for r in results
                              if abs(r.threshold - configured) < 1e-9 and not r.answer.error], configured)


def best_threshold_of(rows: list[tuple[float, bool, bool]], configured: float) -> tuple[float, float, float]:
    """``best_threshold`` on (confidence, answerable, would-be answer right) triples."""
    if not rows:
        return configured, float("nan"), float("nan")

    def accuracy(t: float) -> float:
        return float(np.mean([(conf >= t and right) if answerable else conf < t for conf, answerable, right in rows]))

    grid = [round(x, 2) for x in np.arange(0.0, 1.0001, 0.01)]
    best = max(grid, key=lambda t: (round(accuracy(t), 9), -abs(t - configured)))
    return best, accuracy(best), accuracy(configured)


def is_verbatim(engine: Engine, answer: Answer) -> bool:
    """Every citation is a slice of its document and the answer is exactly the lead's quotes."""
    for c in answer.citations:
        doc = engine.document(c.doc_id)
        if doc is None or doc.body[c.start:c.end] != c.quote:
            return False
    if answer.answered:
        from bot.answering.answer import JOINER

        return answer.answer == JOINER.join(c.quote for c in answer.lead)
    return True


# Typographic and plain quotes are the same character to a reader: "Harbour’s Trust" holds
# "Harbour's Trust". Runs of white space (a line break in a block) are one space.
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def _holds(text: str, expected: str) -> bool:
    """Whether ``text`` contains ``expected``, quotes and white space as a reader sees them."""
    def norm(s: str) -> str:
        return " ".join(s.translate(_QUOTES).split())
    return norm(expected) in norm(text)


def is_correct(row: Row, answer: Answer) -> bool:
    """An ordinary row is judged on the lead answer alone; a ``conflict`` or ``replaced`` row on
    the lead and the supporting quotes (every source's value, the replacement passage)."""
    if not row.answerable:
        return not answer.answered
    if not answer.answered:
        return False
    assert row.expected_text is not None  # Row.__post_init__: an answerable row has one
    if row.kind in ("conflict", "replaced"):
        shown = "\n".join([answer.answer] + [s.citation.quote for s in answer.supporting])
        return all(_holds(shown, t) for t in row.expected_texts or (row.expected_text,))
    return _holds(answer.answer, row.expected_text)


def retrieval_rank(engine: Engine, row: Row, depth: int = 10) -> int | None:
    if not row.answerable:
        return None
    assert row.expected_text is not None  # Row.__post_init__: an answerable row has one
    hits = engine.retrieve(row.question, row.history, depth)
    for rank, hit in enumerate(hits, start=1):
        chunk = engine.index.chunks[hit.chunk_id]
        if chunk.doc_id == row.expected_doc and _holds(chunk.text, row.expected_text):
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


def evaluate(engine: Engine, rows: list[Row], progress: Callable[[int, int], None] | None = None) -> Report:
    """Ask every row's question; right or wrong, verbatim, retrieval rank, time, would-be answer."""
    report = Report()
    for n, row in enumerate(rows, start=1):
        started = time.perf_counter()
        would_be, trace = engine.explain(row.question, row.history, threshold=0.0)
        seconds = time.perf_counter() - started
        threshold = trace.configured_threshold
        answer = would_be
        if would_be.answered and would_be.confidence < threshold:
            answer = Answer(False, NOT_COVERED, confidence=would_be.confidence)
        report.results.append(RowResult(
            row, answer, is_correct(row, answer), is_verbatim(engine, answer), retrieval_rank(engine, row), seconds,
            would_be_correct=row.answerable and is_correct(row, would_be), threshold=threshold,
        ))
        if progress:
            progress(n, len(rows))
    return report


# --- per-row baselines -------------------------------------------------------------------

BASELINE_FORMAT = 1


def baseline_record(reports: dict[str, tuple[QuestionSet, Report]]) -> dict[str, Any]:
    """What ``--save-baseline`` stores: per development set each row's outcome; per measure-only
    set only its figures (its rows are nobody's to look at)."""
    sets: dict[str, Any] = {}
    for name, (qs, report) in reports.items():
        m = report.metrics
        figures = {k: m[k] for k in ("questions", "answerable_hit_rate", "unanswerable_abstain_rate", "followup_hit_rate")}
        sets[name] = {"measure_only": qs.measure_only, "figures": figures}
        if not qs.measure_only:
            sets[name]["rows"] = report.outcomes()
    return {"format": BASELINE_FORMAT, "sets": sets}


def read_baseline(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read baseline {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT or not isinstance(data.get("sets"), dict):
        raise ValueError(f"{path} is not a format-{BASELINE_FORMAT} baseline (made by eval --save-baseline)")
    return data


@dataclass(frozen=True)
class SetDiff:
    """How one set moved since a baseline: rows gained and lost (development sets only), and
    rows new to the set or gone from it."""

    name: str
    gained: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    figures: dict[str, tuple[float, float]] = field(default_factory=dict)  # name -> (then, now)


def diff_baseline(baseline: dict[str, Any], current: dict[str, Any]) -> list[SetDiff]:
    """Per set in ``current``: the row ids gained and lost since ``baseline`` (both as made by
    ``baseline_record``); for measure-only sets only the figures' change."""
    out = []
    for name, now in current["sets"].items():
        then = baseline["sets"].get(name)
        if then is None:
            out.append(SetDiff(name, added=tuple(now.get("rows", {}))))
            continue
        figures = {k: (then["figures"].get(k, float("nan")), v) for k, v in now["figures"].items()}
        if now.get("measure_only") or "rows" not in then or "rows" not in now:
            out.append(SetDiff(name, figures=figures))
            continue
        old, new = then["rows"], now["rows"]
        out.append(SetDiff(
            name,
            gained=tuple(sorted(i for i in new if i in old and new[i] and not old[i])),
            lost=tuple(sorted(i for i in new if i in old and old[i] and not new[i])),
            added=tuple(sorted(set(new) - set(old))), removed=tuple(sorted(set(old) - set(new))),
            figures=figures,
        ))
    return out
