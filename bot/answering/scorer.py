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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet, Any, Callable, Sequence, overload

import numpy as np

from bot.query.conversation import Query
from bot.query.qtype import REQUIRED_TYPES, WH_CLASSES
from bot.text.terms import STOPWORDS, terms
from bot.schema import ScoredSpan

SCORER_FILE = Path(__file__).parent.parent / "data" / "scorer.json"  # bot/data: shared by the subpackages
FORMAT = 2  # 2: IDF, neighbour and novel-content features; a listwise ranker

# The hand rules' named parts (answer.Extractor.score) used as features.
RULE_PARTS = ("answer_type", "type_mismatch", "change", "succession", "echo", "recency", "missing_entity",
              "missing_name", "form_penalty", "no_action", "repeated", "continuation", "elaboration", "negation",
              "missing_figure")
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})s?\b")
_NUMBER = re.compile(r"\d")
_MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b")
# A capitalised word not opening its sentence: a name is likely.
_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-Z][a-z]+")
_SPAN_FLAGS = ("year", "number", "month", "name")


def _span_flags(text: str) -> dict[str, float]:
    return {"year": float(bool(_YEAR.search(text))), "number": float(bool(_NUMBER.search(text))),
            "month": float(bool(_MONTH.search(text))), "name": float(bool(_NAME.search(text)))}


# What a span holds that the question does not: a year, a figure or a name the question doesn't
# give is what a when / how many / who question is waiting for.
_NOVEL = ("year", "number", "name")
_FIGURE = re.compile(r"\d+(?:[.,]\d+)?")
_CAPITALISED = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-Z][\w'-]+")
# "What is X?" answered by "X is ..." or "X: ...": the span opens with the question's subject
# (Asks.definition) and a copula or a colon.
_SUBJECT_COPULA = re.compile(r"^(?:the |an? )?(.{1,80}?)(?:\s+(?:is|are|was|were)\b|:\s)", re.I)
_WORD = re.compile(r"[\w'-]+")
CANDIDATE_FEATURES = (
    ["cos_span", "cos_chunk", "coverage", "rrf", "cos_span_rank", "coverage_rank", "cos_span_gap", "coverage_gap",
     "word_overlap", "bigram_overlap", "log_chars", "is_block", "yes_no", "followup"]
    + [f"span_{f}" for f in _SPAN_FLAGS]
    + [f"{wh}_x_{f}" for wh in WH_CLASSES for f in _SPAN_FLAGS]
    + [f"rule_{r}" for r in RULE_PARTS]
    # The hand rules' total (a sum of the parts above, weighted by hand): stacked as one more
    # feature, it lets the fit keep what the hand weights got right (docs/quality.md, "The fitted scorer").
    + ["hand_score", "hand_gap", "hand_rank"]
    # Term weights of the corpus (IDF): a rare question word in the span counts for more than a
    # common one; the neighbours' overlap finds the sentence after the one that names the subject.
    + ["idf_overlap", "idf_overlap_context", "missing_max_idf", "bm25", "bm25_rank", "bm25_gap", "prev_idf_overlap",
       "next_idf_overlap", "first_in_chunk", "relative_position", "novel_share", "density", "window", "question_terms",
       "idf_gap", "idf_rank", "cos_x_idf"]
    + [f"{wh}_x_novel_{f}" for wh in WH_CLASSES for f in _NOVEL]
    + ["definition", "by_agent"]
    # "Which charter...?" answered by "the Harbour Charter", "charter 12": the asked-for noun
    # beside a capitalised word or a figure the question does not give.
    + ["names_noun"]
    # A span lacking the kind of text the question requires, by that kind: a missing expansion
    # ("What does X stand for?") rules a span out; a missing date of a when-question often does not.
    + [f"mismatch_x_{t}" for t in REQUIRED_TYPES]
    # A follow-up is often answered near its thread's last answer: in its chunk, a chunk beside
    # it, its document.
    + ["thread_chunk", "thread_near", "thread_doc", "thread_after"]
    # The same, weighted by the span's term coverage: near the last answer counts for more when
    # the span also holds the thread's words ("which part handles that?" after "X leads on Y").
    + ["thread_chunk_x_coverage", "thread_near_x_coverage", "thread_doc_x_coverage", "thread_after_x_coverage"]
)
QUESTION_FEATURES = ["top_logit", "margin_logit", "top_cos_span", "top_coverage", "max_coverage", "top_cos_chunk",
                     "top_word_overlap", "followup", "yes_no", "adj_yes_no", "adj_unheard_of", "hand_best_score"]


@dataclass(frozen=True)
class Placement:
    """Where a candidate span sits: its chunk, its position among the chunk's spans, and the
    words around it that are not its text (the page title and section heading)."""

    chunk_id: int
    position: int
    spans_in_chunk: int
    context: str
    # Where it sits against the last answer of a follow-up's thread: in the same chunk, in the
    # chunk before or after it, in the same document (all False for a question on its own).
    thread_chunk: bool = False
    thread_near: bool = False
    thread_doc: bool = False
    thread_after: bool = False  # in the same document, after the last answer

    def __post_init__(self) -> None:
        if not 0 <= self.position < self.spans_in_chunk:
            raise ValueError(f"span position {self.position} is outside its chunk's {self.spans_in_chunk} spans")


def _bigrams(seq: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(seq, seq[1:]))


def _ranks(values: np.ndarray) -> np.ndarray:
    """1 for the largest value, 2 for the next..."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    return ranks


def candidate_features(query: Query, scored: Sequence[ScoredSpan], idf: Callable[[str], float],
                       placements: Sequence[Placement]) -> np.ndarray:
    """One row of ``CANDIDATE_FEATURES`` per candidate span (in the order given), from what the
    question was read into (``query``: its terms, kind, yes/no and follow-up status...). ``idf``
    is the corpus's inverse document frequency of a term; ``placements`` says where each span sits."""
    if not scored:
        return np.zeros((0, len(CANDIDATE_FEATURES)))
    if len(placements) != len(scored):
        raise ValueError(f"{len(scored)} candidates need as many placements, got {len(placements)}")
    question_terms, yes_no, followup = query.focus_terms, query.yes_no, query.followup
    q_set, q_bigrams = set(question_terms), _bigrams(question_terms)
    wh = query.asks.kind
    cos = np.array([s.cos_span for s in scored])
    cov = np.array([s.coverage for s in scored])
    cos_rank, cov_rank = _ranks(cos), _ranks(cov)
    hand = np.array([s.score for s in scored])
    hand_rank = _ranks(hand)
    # Sums run over terms in sorted order: a set's order changes with Python's hash seed, and
    # floating-point sums in another order break exact ties (ranks) differently from run to run.
    weights = {t: idf(t) for t in sorted(q_set)}
    total = sum(weights.values()) or 1.0
    span_terms = [terms(s.span.text) for s in scored]
    overlap = np.array([sum(weights[t] for t in sorted(q_set.intersection(found))) / total for found in span_terms])
    bm25 = _bm25(span_terms, weights)
    bm25_rank, overlap_rank = _ranks(bm25), _ranks(overlap)
    at = {(p.chunk_id, p.position): i for i, p in enumerate(placements)}
    wanted = query.asks.wanted
    definition = query.asks.definition
    rows = []
    for i, s in enumerate(scored):
        found = set(span_terms[i])
        place = placements[i]
        flags = _span_flags(s.span.text)
        parts = dict(s.parts)
        prev, after = at.get((place.chunk_id, place.position - 1)), at.get((place.chunk_id, place.position + 1))
        novel = _novel_flags(s.span.text, query.written)
        row = [s.cos_span, s.cos_chunk, s.coverage, s.rank, 1.0 / cos_rank[i], 1.0 / cov_rank[i],
               s.cos_span - cos.max(), s.coverage - cov.max(),
               len(q_set & found) / len(q_set) if q_set else 0.0,
               len(q_bigrams & _bigrams(span_terms[i])) / len(q_bigrams) if q_bigrams else 0.0,
               math.log1p(len(s.span.text)), float(s.span.kind == "block"), float(yes_no), float(followup)]
        row += [flags[f] for f in _SPAN_FLAGS]
        row += [flags[f] if wh == w else 0.0 for w in WH_CLASSES for f in _SPAN_FLAGS]
        row += [parts.get(r, 0.0) for r in RULE_PARTS]
        row += [s.score, s.score - hand.max(), 1.0 / hand_rank[i]]
        row += [overlap[i], sum(weights[t] for t in sorted(q_set & (found | set(terms(place.context))))) / total,
                max([weights[t] for t in q_set - found] or [0.0]), bm25[i], 1.0 / bm25_rank[i], bm25[i] - bm25.max(),
                overlap[prev] if prev is not None else 0.0, overlap[after] if after is not None else 0.0,
                float(place.position == 0), place.position / max(1, place.spans_in_chunk - 1),
                len(found - q_set) / max(1, len(found)), len(found & q_set) / max(1, len(span_terms[i])),
                _window(span_terms[i], q_set), math.log1p(len(q_set)), overlap[i] - overlap.max(),
                1.0 / overlap_rank[i], s.cos_span * overlap[i]]
        row += [novel[f] if wh == w else 0.0 for w in WH_CLASSES for f in _NOVEL]
        row += [_opens_with(s.span.text, definition), _by_agent(s.span.text, q_set) if wh == "who" else 0.0]
        row += [_names_noun(s.span.text, query.asks.noun, query.asks.words)]
        missing = wanted.name if wanted is not None and parts.get("type_mismatch") else ""
        row += [float(missing == t) for t in REQUIRED_TYPES]
        thread = [float(place.thread_chunk), float(place.thread_near), float(place.thread_doc), float(place.thread_after)]
        row += thread + [flag * s.coverage for flag in thread]
        rows.append(row)
    return np.array(rows, dtype=np.float64)


def _bm25(span_terms: Sequence[Sequence[str]], weights: dict[str, float], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """BM25 of each span for the question's terms, lengths normalised among the candidates
    (the standard k1 and b of Robertson and Zaragoza)."""
    mean_len = float(np.mean([len(t) for t in span_terms])) or 1.0
    out = []
    for seq in span_terms:
        tf = Counter(seq)
        norm = k1 * (1 - b + b * len(seq) / mean_len)
        out.append(sum(w * tf[t] * (k1 + 1) / (tf[t] + norm) for t, w in weights.items() if tf[t]))
    return np.array(out, dtype=np.float64)


def _window(seq: Sequence[str], q_set: set[str]) -> float:
    """How tightly the question's terms sit together in the span: the number of distinct
    question terms it holds over the shortest stretch holding them all (0 for fewer than two)."""
    matched = q_set.intersection(seq)
    if len(matched) < 2:
        return 0.0
    best, have, lo, count = len(seq), 0, 0, Counter[str]()
    for hi, t in enumerate(seq):
        if t in matched:
            count[t] += 1
            have += count[t] == 1
        while have == len(matched):
            best = min(best, hi - lo + 1)
            if seq[lo] in matched:
                count[seq[lo]] -= 1
                have -= count[seq[lo]] == 0
            lo += 1
    return len(matched) / best


def _novel_flags(text: str, written: Sequence[str]) -> dict[str, float]:
    """Whether the span has a year, a figure, a capitalised word the question doesn't write
    (``written``: the question's words; none of these has a space, so each is in the question
    exactly when it is in one of its words)."""
    lowered = [w.lower() for w in written]

    def new(found: str, words: Sequence[str]) -> bool:
        return not any(found in w for w in words)
    return {"year": float(any(new(m.group(0), written) for m in _YEAR.finditer(text))),
            "number": float(any(new(m.group(0), written) for m in _FIGURE.finditer(text))),
            "name": float(any(new(m.group(0).lower(), lowered) for m in _CAPITALISED.finditer(text)))}


def _opens_with(text: str, subject: AbstractSet[str]) -> float:
    """1 when the span opens "X is/was ..." with X holding the question's subject."""
    m = _SUBJECT_COPULA.match(text.strip()) if subject else None
    return float(m is not None and subject <= set(terms(m.group(1))))


def _names_noun(text: str, noun: str, asked: AbstractSet[str]) -> float:
    """1 when the span names the noun a which/what-question asks about: the noun (or its plural)
    right after or before a capitalised word, or before a figure, that the question does not give."""
    if not noun:
        return 0.0
    n = re.escape(noun)
    for m in re.finditer(rf"\b(?i:{n}s?)\s+([A-Z][\w'-]*|\d[\w./-]*)|\b([A-Z][\w'-]*)\s+(?i:{n}s?)\b", text):
        word = (m.group(1) or m.group(2)).lower()
        # A capitalised word opening a sentence ("Several charters...", "The charter...") names nothing.
        opens = m.group(2) is not None and (m.start() == 0 or text[:m.start()].rstrip()[-1:] in ".!?:")
        if word not in asked and word != noun and word not in STOPWORDS and not opens:
            return 1.0
    return 0.0


def _by_agent(text: str, q_set: set[str]) -> float:
    """1 when a question word is followed by "by": "Who commissioned it?" -> "commissioned by ..."."""
    words = _WORD.findall(text)
    for word, following in zip(words, words[1:]):
        if following.lower() == "by" and q_set.intersection(terms(word)):
            return 1.0
    return 0.0


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
        adj.get("yes_no", 0.0), adj.get("unheard_of", 0.0), hand_best,
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


@overload
def sigmoid(x: float) -> float: ...
@overload
def sigmoid(x: np.ndarray) -> np.ndarray: ...
def sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))


@dataclass(frozen=True)
class FittedScorer:
    ranker: Linear
    confidence: Linear
    threshold: float  # abstain below this probability that the lead is right
    followup_threshold: float
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    # The confidence calibrators per answer scorer and variant, as JSON (read by calibration.py).
    calibration: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.ranker.names != tuple(CANDIDATE_FEATURES) or self.confidence.names != tuple(QUESTION_FEATURES):
            raise ValueError("the scorer file was fitted on other features than this code computes: retrain it "
                             "(python -m bot train)")
        for name in ("threshold", "followup_threshold"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {getattr(self, name)!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "ranker": self.ranker.to_dict(), "confidence": self.confidence.to_dict(),
                "threshold": self.threshold, "followup_threshold": self.followup_threshold, "meta": self.meta,
                "calibration": self.calibration}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "FittedScorer":
        if d.get("format") != FORMAT:
            raise ValueError(f"scorer format {d.get('format')!r} is not {FORMAT}: retrain it (python -m bot train)")
        return cls(Linear.from_dict(d["ranker"]), Linear.from_dict(d["confidence"]), float(d["threshold"]),
                   float(d["followup_threshold"]), d.get("meta", {}), d.get("calibration", {}))

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
