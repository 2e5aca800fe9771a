"""Calibrated confidence: the probability that the lead the engine quotes is right.

The hand rules' confidence (answer.Extractor.confidence) is a score squashed into [0, 1], not a
probability: on text nobody tuned them for, answers at 0.99 are right less than half the time.
A ``Calibrator`` maps what the engine knows about the lead it chose (``lead_evidence``: the rules'
confidence and margin, the fitted ranker's view of the lead when it ranks, the lead's similarity
and coverage, the kind of question, whether it is a follow-up, the retrieval's evidence) to the
probability that the lead is right, as ``python -m bot eval`` judges it. Calibrators are fitted by
``python -m bot train`` (tools/calibrate.py) on the leads each answer scorer chooses, and stored,
per scorer and variant, in ``bot/data/scorer.json`` beside the fitted ranker (scorer.py).

Two variants:
- ``mapped``: a strictly increasing function of the rules' confidence (one per threshold kind:
  ordinary questions and follow-ups). The hand-set thresholds are mapped through it, so the
  engine answers and abstains exactly as before; only the number it reports changes.
- ``chosen``: a logistic model over all of ``EVIDENCE``, made monotone-calibrated by an isotonic
  curve, with thresholds chosen on validation data by the training command.

Nothing here knows any corpus, and nothing here fits anything (no scikit-learn at run time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from bot.answering.scorer import Linear, sigmoid
from bot.query.qtype import WH_CLASSES
from bot.schema import Hit, ScoredSpan

VARIANTS = ("mapped", "chosen")
# What the engine knows about the lead it chose, by name (general features only).
EVIDENCE = (
    ("rules_logit", "rules_margin", "lead_rules_gap", "lead_cos_span", "lead_cos_chunk", "lead_coverage",
     "max_coverage", "ranker_prob", "ranker_margin", "leans_on_answer", "leans_x_rules_logit", "yes_no",
     "log_lead_chars", "lead_pieces", "supporting", "unheard_of", "top_dense", "lead_hit_rank",
     "log_candidates")
    + tuple(f"wh_{w}" for w in WH_CLASSES)
)
# The mapped variant sees only the rules' confidence and which threshold it is held against.
MAPPED_EVIDENCE = ("rules_logit", "leans_on_answer", "leans_x_rules_logit")
_LOGIT_CLIP = 15.0


def logit(p: float) -> float:
    p = min(max(p, 1e-7), 1 - 1e-7)
    return max(-_LOGIT_CLIP, min(_LOGIT_CLIP, math.log(p / (1 - p))))


def rules_evidence(rules_confidence: float, leans_on_answer: bool) -> dict[str, float]:
    """The part of ``EVIDENCE`` a ``mapped`` calibrator reads: known before any lead is chosen."""
    r, leans = logit(rules_confidence), float(leans_on_answer)
    return {"rules_logit": r, "leans_on_answer": leans, "leans_x_rules_logit": leans * r}


def lead_evidence(kind: str, rules_confidence: float, by_rules: Sequence[ScoredSpan], lead: ScoredSpan,
                  ranker_logits: np.ndarray | None, leans_on_answer: bool, yes_no: bool, lead_chars: int,
                  lead_pieces: int, supporting: int, adjustments: Mapping[str, float], hits: Sequence[Hit]
                  ) -> dict[str, float]:
    """``EVIDENCE`` for one answer. ``kind``: the question's (qtype.wh_class); ``by_rules``: the candidates in the rules' order; ``lead``: the
    candidate the lead was chosen as; ``ranker_logits``: the fitted ranker's logits of the ranked
    candidates (None when the rules alone rank)."""
    if not by_rules:
        raise ValueError("lead evidence needs at least one candidate")
    r = logit(rules_confidence)
    best = by_rules[0].score
    ranker_prob = ranker_margin = 0.0
    if ranker_logits is not None and len(ranker_logits) and lead.fitted is not None:
        z = np.asarray(ranker_logits, dtype=np.float64)
        e = np.exp(z - z.max())
        ranker_prob = float(np.exp(lead.fitted - z.max()) / e.sum())
        others = np.sort(z)[::-1]
        ranker_margin = float(lead.fitted - (others[1] if len(others) > 1 and lead.fitted >= others[0] else others[0]))
    hit_rank = {h.chunk_id: i for i, h in enumerate(sorted(hits, key=lambda h: -h.score), start=1)}
    out = {
        "rules_logit": r,
        "rules_margin": best - by_rules[1].score if len(by_rules) > 1 else 1.0,
        "lead_rules_gap": lead.score - best,
        "lead_cos_span": lead.cos_span, "lead_cos_chunk": lead.cos_chunk, "lead_coverage": lead.coverage,
        "max_coverage": max(s.coverage for s in by_rules),
        "ranker_prob": ranker_prob, "ranker_margin": ranker_margin,
        "leans_on_answer": float(leans_on_answer), "leans_x_rules_logit": float(leans_on_answer) * r,
        "yes_no": float(yes_no), "log_lead_chars": math.log1p(lead_chars), "lead_pieces": float(lead_pieces),
        "supporting": float(supporting),
        "unheard_of": float("unheard_of" in adjustments),
        "top_dense": max((h.dense_score for h in hits), default=0.0),
        "lead_hit_rank": 1.0 / hit_rank[lead.span.chunk_id] if lead.span.chunk_id in hit_rank else 0.0,
        "log_candidates": math.log1p(len(by_rules)),
    }
    out.update({f"wh_{w}": float(kind == w) for w in WH_CLASSES})
    return out


@dataclass(frozen=True)
class Calibrator:
    """P(lead right) = curve(sigmoid(model(evidence))): a logistic model over some of ``EVIDENCE``,
    then, for ``chosen``, an isotonic curve (points, interpolated linearly; none for ``mapped``).
    ``threshold`` and ``followup_threshold`` are in the same probability space; a ``mapped``
    calibrator works them out from the hand-set ones instead (``thresholds``)."""

    variant: str
    model: Linear
    curve_x: tuple[float, ...] = ()
    curve_y: tuple[float, ...] = ()
    threshold: float = 0.5
    followup_threshold: float = 0.5

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"calibrator variant must be one of {', '.join(VARIANTS)}, got {self.variant!r}")
        unknown = [n for n in self.model.names if n not in EVIDENCE]
        if unknown:
            raise ValueError(f"calibrator feature {unknown[0]!r} is not lead evidence this code computes: retrain "
                             "it (python -m bot train)")
        if len(self.curve_x) != len(self.curve_y) or list(self.curve_x) != sorted(self.curve_x) \
                or list(self.curve_y) != sorted(self.curve_y) or not all(0.0 <= y <= 1.0 for y in self.curve_y):
            raise ValueError("a calibration curve needs as many x as y points, both non-decreasing, y within [0, 1]")
        for name in ("threshold", "followup_threshold"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"calibrator {name} must be within [0, 1], got {getattr(self, name)!r}")
        if self.variant == "mapped":
            # Strictly increasing in the rules' confidence for both kinds, so that mapping the
            # hand-set thresholds through it keeps every decision.
            if set(self.model.names) != set(MAPPED_EVIDENCE) or self.curve_x:
                raise ValueError(f"a mapped calibrator is a logistic model over {', '.join(MAPPED_EVIDENCE)} alone")
            w = dict(zip(self.model.names, self.model.coef / self.model.scale))
            if not (w["rules_logit"] > 0 and w["rules_logit"] + w["leans_x_rules_logit"] > 0):
                raise ValueError("a mapped calibrator must increase with the rules' confidence")

    @property
    def reads_lead(self) -> bool:
        """Whether it needs evidence of the lead itself (else it decides before a lead is chosen)."""
        return any(n not in MAPPED_EVIDENCE for n in self.model.names)

    def probability(self, evidence: Mapping[str, float]) -> float:
        x = np.array([evidence[n] for n in self.model.names], dtype=np.float64)
        p = float(sigmoid(float(self.model.logits(x))))
        if self.curve_x:
            p = float(np.interp(p, self.curve_x, self.curve_y))
        return p

    def threshold_for(self, leans_on_answer: bool, hand: float) -> float:
        """The threshold in probability space for a question held against the hand-set threshold
        ``hand`` (a follow-up leaning on an answer has its own): ``hand`` mapped through a
        ``mapped`` calibrator, the chosen one otherwise."""
        if self.variant != "mapped":
            return self.followup_threshold if leans_on_answer else self.threshold
        return self.probability(rules_evidence(hand, leans_on_answer))

    def to_dict(self) -> dict[str, Any]:
        return {"variant": self.variant, "model": self.model.to_dict(), "curve_x": list(self.curve_x),
                "curve_y": list(self.curve_y), "threshold": self.threshold, "followup_threshold": self.followup_threshold}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Calibrator":
        return cls(d["variant"], Linear.from_dict(d["model"]), tuple(float(x) for x in d.get("curve_x", ())),
                   tuple(float(y) for y in d.get("curve_y", ())), float(d["threshold"]), float(d["followup_threshold"]))


def calibrator_for(calibration: Mapping[str, Any], scorer: str, variant: str) -> Calibrator | None:
    """The calibrator of answer scorer ``scorer`` ("rules", "hybrid") and ``variant`` in a scorer
    file's ``calibration`` section; None for variant "off" or when the file has none."""
    if variant == "off":
        return None
    if variant not in VARIANTS:
        raise ValueError(f"calibration must be 'off' or one of {', '.join(VARIANTS)}, got {variant!r}")
    entry = calibration.get(scorer, {}).get(variant)
    return Calibrator.from_dict(entry) if entry else None
