"""``python -m bot report``: what people asked over a period and what the sources missed.

From the stores the app writes (``outcomes.py``, ``feedback.py``): questions answered and
abstained, abstentions by reason (nothing close in the sources vs a near miss), answered and
abstained per day, the passages most often down-voted, and, only where the operator kept
question text (``keep_question_text``; the text is redacted), the refused questions grouped by
topic: agglomerative clusters of their vectors (cosine), each shown by its most central
question. Output is a ``Report`` (text or JSON) and optionally a PNG plot per day.
This module reads the stores and the corpus; it changes nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bot.web.feedback import Vote
from bot.web.outcomes import Outcome
from bot.schema import Document

# Refused questions closer than this cosine distance (average linkage) share a topic. With MiniLM,
# twelve off-topic questions on five subjects (parking, weather, football, passports, neighbours:
# tests/tools/test_report.py) fall into exactly their five groups anywhere from 0.5 to 0.7.
TOPIC_DISTANCE = 0.6
TOP_PASSAGES = 10


@dataclass(frozen=True)
class Topic:
    question: str  # the most central question of the cluster
    size: int
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Passage:
    doc_id: str
    start: int
    end: int
    down: int
    up: int
    quote: str = ""


@dataclass(frozen=True)
class Report:
    since: str
    until: str
    answered: int
    abstained: int
    reasons: dict[str, int]  # abstentions by reason: nothing_close, near_miss
    errors: int
    per_day: list[dict[str, Any]]  # {"day", "answered", "abstained"}
    down_voted: list[Passage]
    topics: list[Topic] | None  # None: question text is not kept, so there is nothing to group
    votes: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.answered < 0 or self.abstained < 0:
            raise ValueError(f"counts must be >= 0, got {self.answered}, {self.abstained}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        total = self.answered + self.abstained
        lines = [f"Report {self.since or 'start'} to {self.until or 'now'}",
                 f"questions: {total} (answered {self.answered}, abstained {self.abstained}"
                 + (f", {self.answered / total:.0%} answered" if total else "") + ")"]
        if self.errors:
            lines.append(f"refused as invalid: {self.errors}")
        lines.append("abstentions: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in self.reasons.items()))
        lines.append(f"votes: up {self.votes.get('up', 0)}, down {self.votes.get('down', 0)}")
        if self.down_voted:
            lines.append("")
            lines.append("Most down-voted passages:")
            for p in self.down_voted:
                quote = " ".join(p.quote.split())
                quote = quote if len(quote) <= 100 else quote[:99] + "…"
                lines.append(f"  {p.down} down, {p.up} up — {p.doc_id} [{p.start}-{p.end}] \"{quote}\"")
        lines.append("")
        if self.topics is None:
            lines.append("Refused questions by topic: not available (question text is not kept; "
                         "set BOT_KEEP_QUESTION_TEXT=true to keep it, redacted)")
        else:
            lines.append("Refused questions by topic:" if self.topics else "Refused questions by topic: none")
            for t in self.topics:
                lines.append(f"  {t.size} × \"{t.question}\"")
        if self.per_day:
            lines.append("")
            lines.append("Per day (answered / abstained):")
            lines.extend(f"  {d['day']}  {d['answered']:4d} / {d['abstained']:4d}" for d in self.per_day)
        return "\n".join(lines)


def refused_topics(questions: Sequence[str], vectors: np.ndarray, distance: float = TOPIC_DISTANCE) -> list[Topic]:
    """Clusters of refused questions (by cosine), largest first, each named by its most central question."""
    if len(questions) != len(vectors):
        raise ValueError(f"{len(questions)} questions but {len(vectors)} vectors")
    if not questions:
        return []
    vectors = np.asarray(vectors, dtype=np.float32)
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    if len(questions) == 1:
        labels = np.zeros(1, dtype=int)
    else:
        from sklearn.cluster import AgglomerativeClustering

        labels = AgglomerativeClustering(n_clusters=None, distance_threshold=distance, metric="cosine",
                                         linkage="average").fit_predict(vectors)
    topics = []
    for label in sorted(set(labels.tolist())):
        members = np.flatnonzero(labels == label)
        sims = vectors[members] @ vectors[members].T
        central = int(members[int(np.argmax(sims.mean(axis=1)))])
        topics.append(Topic(questions[central], len(members), tuple(questions[i] for i in members.tolist())))
    return sorted(topics, key=lambda t: (-t.size, t.question))


def build_report(outcomes: Sequence[Outcome], votes: Sequence[Vote], documents: dict[str, Document],
                 encode=None, since: str = "", until: str = "") -> Report:
    """The report over ``outcomes`` and ``votes`` (already limited to the period).

    ``encode`` (texts -> unit vectors) is needed only when refused questions have kept text."""
    answered = sum(o.answered for o in outcomes)
    abstentions = [o for o in outcomes if not o.answered and o.reason != "error"]
    reasons = {"nothing_close": 0, "near_miss": 0} | dict(Counter(o.reason for o in abstentions))
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for o in outcomes:
        if o.reason != "error":
            days[o.created_at[:10]][0 if o.answered else 1] += 1
    per_day = [{"day": d, "answered": a, "abstained": b} for d, (a, b) in sorted(days.items())]

    tally: dict[tuple[str, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for v in votes:
        for c in v.citations:
            if {"doc_id", "start", "end"} <= c.keys():
                tally[(c["doc_id"], c["start"], c["end"])][0 if v.vote == "down" else 1] += 1
    ranked = sorted(((k, d, u) for k, (d, u) in tally.items() if d), key=lambda x: (-x[1], x[2], x[0]))[:TOP_PASSAGES]
    down_voted = []
    for (doc_id, start, end), down, up in ranked:
        doc = documents.get(doc_id)
        quote = doc.body[start:end] if doc is not None and 0 <= start < end <= len(doc.body) else ""
        down_voted.append(Passage(doc_id, start, end, down, up, quote))

    kept = [o.question for o in abstentions if o.question]
    topics = None
    if kept:
        if encode is None:
            raise ValueError("refused questions have kept text: an encoder is needed to group them")
        topics = refused_topics(kept, encode(kept))
    return Report(since, until, answered, len(abstentions), reasons, sum(o.reason == "error" for o in outcomes),
                  per_day, down_voted, topics, dict(Counter(v.vote for v in votes)))


def plot(report: Report, path: Path) -> Path:
    """A PNG bar chart of answered and abstained questions per day."""
    import matplotlib

    matplotlib.use("Agg")  # no display: write files only
    import matplotlib.pyplot as plt

    days = [d["day"] for d in report.per_day]
    answered = [d["answered"] for d in report.per_day]
    abstained = [d["abstained"] for d in report.per_day]
    fig, ax = plt.subplots(figsize=(max(4.0, 0.5 * len(days) + 2), 3.2), dpi=100)
    x = np.arange(len(days))
    ax.bar(x, answered, label="answered", color="#2b6cb0")
    ax.bar(x, abstained, bottom=answered, label="abstained", color="#dd6b20")
    ax.set_xticks(x, days, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("questions")
    ax.set_title(f"Questions per day, {report.since or 'start'} to {report.until or 'now'}", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    plt.close(fig)
    return path
