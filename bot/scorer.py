"""The fitted answer scorer: general features of each candidate span, weights learned from data.

Two logistic models, fitted by ``python -m bot train`` (train.py) and shipped as JSON in
``bot/data/scorer.json`` with its SHA-256 beside it (``scorer.json.sha256``), checked on load:

- the *ranker* gives each candidate span the probability that it holds the answer, from
  features any corpus has: dense similarity of span and chunk, term coverage, BM25/RRF rank,
  word and bigram overlap, length, form, the kind of answer the question asks for (a date, a
  figure, a name...) crossed with what the span holds (a year, a number, a capitalised name),
  and the hand rules' parts (answer.py) as features whose weights are fitted, not set;
- the *confidence* model gives the probability that the chosen lead is right, from the
  ranker's top scores and the lead's own evidence; below the fitted threshold the engine abstains.

Nothing here knows any corpus; no pickle (weights are plain JSON numbers).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .retrieve import terms
from .schema import ScoredSpan

SCORER_FILE = Path(__file__).parent / "data" / "scorer.json"
FORMAT = 1

# The hand rules' named parts (answer.Extractor.score) used as features.
RULE_PARTS = ("answer_type", "type_mismatch", "change", "duty", "succession", "echo", "recency", "missing_entity",
              "missing_name", "form_penalty", "no_action", "repeated", "continuation", "elaboration")
# What a question asks for, by its opening word.
_WH = (("when", r"^(when|what year|which year|in what year|what date|how long ago)\b"),
       ("who", r"^(who|whom|whose)\b"), ("count", r"^(how many|how much)\b"), ("where", r"^where\b"),
       ("which", r"^(which|what)\b"), ("why", r"^why\b"), ("how", r"^how\b"))
_WH_RE = [(name, re.compile(pattern)) for name, pattern in _WH]
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})s?\b")
_NUMBER = re.compile(r"\d")
_MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b")
# A capitalised word not opening its sentence: a name is likely.
_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-Z][a-z]+")
_SPAN_FLAGS = ("year", "number", "month", "name")


def wh_class(question: str) -> str:
    q = question.strip().lower()
    q = re.sub(r"^(and|so|but|also|ok|okay|then)\b[, ]*", "", q)
    for name, pattern in _WH_RE:
        if pattern.search(q):
            return name
    return "other"


def _span_flags(text: str) -> dict[str, float]:
    return {"year": float(bool(_YEAR.search(text))), "number": float(bool(_NUMBER.search(text))),
            "month": float(bool(_MONTH.search(text))), "name": float(bool(_NAME.search(text)))}


WH_CLASSES = [name for name, _ in _WH] + ["other"]
CANDIDATE_FEATURES = (
    ["cos_span", "cos_chunk", "coverage", "rrf", "cos_span_rank", "coverage_rank", "cos_span_gap", "coverage_gap",
     "word_overlap", "bigram_overlap", "log_chars", "is_block", "yes_no", "followup"]
    + [f"span_{f}" for f in _SPAN_FLAGS]
    + [f"{wh}_x_{f}" for wh in WH_CLASSES for f in _SPAN_FLAGS]
    + [f"rule_{r}" for r in RULE_PARTS]
    # The hand rules' total (a sum of the parts above, weighted by hand): stacked as one more
    # feature, it lets the fit keep what the hand weights got right (README "Fitted scorer").
    + ["hand_score", "hand_gap", "hand_rank"]
)
QUESTION_FEATURES = ["top_logit", "margin_logit", "top_cos_span", "top_coverage", "max_coverage", "top_cos_chunk",
                     "top_word_overlap", "followup", "yes_no", "adj_yes_no", "adj_unheard_of", "adj_no_figure",
                     "hand_best_score"]


def _bigrams(seq: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(seq, seq[1:]))


def _ranks(values: np.ndarray) -> np.ndarray:
    """1 for the largest value, 2 for the next..."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    return ranks


def candidate_features(question: str, question_terms: Sequence[str], scored: Sequence[ScoredSpan],
                       yes_no: bool, followup: bool) -> np.ndarray:
    """One row of ``CANDIDATE_FEATURES`` per candidate span (in the order given)."""
    if not scored:
        return np.zeros((0, len(CANDIDATE_FEATURES)))
    q_terms = list(dict.fromkeys(question_terms))
    q_set, q_bigrams = set(q_terms), _bigrams(list(question_terms))
    wh = wh_class(question)
    cos = np.array([s.cos_span for s in scored])
    cov = np.array([s.coverage for s in scored])
    cos_rank, cov_rank = _ranks(cos), _ranks(cov)
    hand = np.array([s.score for s in scored])
    hand_rank = _ranks(hand)
    rows = []
    for i, s in enumerate(scored):
        span_terms = terms(s.span.text)
        found = set(span_terms)
        flags = _span_flags(s.span.text)
        parts = dict(s.parts)
        row = [s.cos_span, s.cos_chunk, s.coverage, s.rank, 1.0 / cos_rank[i], 1.0 / cov_rank[i],
               s.cos_span - cos.max(), s.coverage - cov.max(),
               len(q_set & found) / len(q_set) if q_set else 0.0,
               len(q_bigrams & _bigrams(span_terms)) / len(q_bigrams) if q_bigrams else 0.0,
               math.log1p(len(s.span.text)), float(s.span.kind == "block"), float(yes_no), float(followup)]
        row += [flags[f] for f in _SPAN_FLAGS]
        row += [flags[f] if wh == w else 0.0 for w in WH_CLASSES for f in _SPAN_FLAGS]
        row += [parts.get(r, 0.0) for r in RULE_PARTS]
        row += [s.score, s.score - hand.max(), 1.0 / hand_rank[i]]
        rows.append(row)
    return np.array(rows, dtype=np.float64)


def question_features(features: np.ndarray, logits: np.ndarray, adjustments: Sequence[tuple[str, float]]) -> np.ndarray:
    """``QUESTION_FEATURES`` for the lead (the top-logit candidate) of one question."""
    order = np.argsort(-logits, kind="stable")
    top = order[0]
    second = logits[order[1]] if len(order) > 1 else logits[top] - 5.0
    col = {name: i for i, name in enumerate(CANDIDATE_FEATURES)}
    adj = dict(adjustments)
    hand_best = features[:, col["hand_score"]].max() + sum(v for _, v in adjustments)
    return np.array([
        logits[top], logits[top] - second, features[top, col["cos_span"]], features[top, col["coverage"]],
        features[:, col["coverage"]].max(), features[top, col["cos_chunk"]], features[top, col["word_overlap"]],
        features[top, col["followup"]], features[top, col["yes_no"]],
        adj.get("yes_no", 0.0), adj.get("unheard_of", 0.0), adj.get("no_figure", 0.0), hand_best,
    ])


@dataclass(frozen=True)
class Linear:
    """A standardised logistic model: sigmoid(((x - mean) / scale) @ coef + bias)."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    bias: float

    def __post_init__(self) -> None:
        n = len(self.names)
        if not (self.mean.shape == self.scale.shape == self.coef.shape == (n,)):
            raise ValueError(f"a linear model over {n} features needs {n} means, scales and weights")

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.bias

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.names), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "bias": self.bias}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Linear":
        return cls(tuple(d["features"]), np.array(d["mean"], dtype=np.float64), np.array(d["scale"], dtype=np.float64),
                   np.array(d["coef"], dtype=np.float64), float(d["bias"]))


def sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))


@dataclass(frozen=True)
class FittedScorer:
    ranker: Linear
    confidence: Linear
    threshold: float  # abstain below this probability that the lead is right
    followup_threshold: float
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.ranker.names != tuple(CANDIDATE_FEATURES) or self.confidence.names != tuple(QUESTION_FEATURES):
            raise ValueError("the scorer file was fitted on other features than this code computes: retrain it "
                             "(python -m bot train)")
        for name in ("threshold", "followup_threshold"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {getattr(self, name)!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "ranker": self.ranker.to_dict(), "confidence": self.confidence.to_dict(),
                "threshold": self.threshold, "followup_threshold": self.followup_threshold, "meta": self.meta}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "FittedScorer":
        if d.get("format") != FORMAT:
            raise ValueError(f"scorer format {d.get('format')!r} is not {FORMAT}: retrain it (python -m bot train)")
        return cls(Linear.from_dict(d["ranker"]), Linear.from_dict(d["confidence"]), float(d["threshold"]),
                   float(d["followup_threshold"]), d.get("meta", {}))

    def save(self, path: Path) -> str:
        """Write the JSON and its SHA-256 beside it; returns the hash."""
        data = (json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n").encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        path.with_name(path.name + ".sha256").write_text(digest + "\n", encoding="utf-8")
        return digest

    @classmethod
    def load(cls, path: Path = SCORER_FILE) -> "FittedScorer":
        """The scorer in ``path``, after checking its bytes against the SHA-256 beside it."""
        data = path.read_bytes()
        hash_file = path.with_name(path.name + ".sha256")
        expected = hash_file.read_text(encoding="utf-8").strip() if hash_file.is_file() else ""
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise ValueError(f"{path} does not match its SHA-256 in {hash_file.name} "
                             f"({actual[:12]}… vs {expected[:12] or 'none'}…): damaged or edited by hand")
        return cls.from_dict(json.loads(data))
