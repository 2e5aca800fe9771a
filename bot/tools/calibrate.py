"""Fit the confidence calibrators (answering/calibration.py) for ``python -m bot train``.

Every question of the SQuAD articles and of the development sets (never the measure-only ones) is
asked with the threshold at 0, once per answer scorer that reports the hand-set confidence
(``rules``, and ``hybrid`` with the ranker just fitted): the lead each chooses, what the engine
knows about it (``Decision.evidence``) and whether it is right as ``python -m bot eval`` judges it
(an unanswerable question answered is wrong). Calibrators are fitted on the training split (the
training articles and sets of train.py) and judged on the validation split, where the ``chosen``
variant's thresholds are also chosen. Reported: expected calibration error (ECE) of the answered
questions, per source and together, and answers and abstentions at the thresholds in use.

This module only fits and reports; the engine reads the result from ``bot/data/scorer.json``.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from bot.answering.calibration import EVIDENCE, MAPPED_EVIDENCE, Calibrator, calibrator_for
from bot.answering.scorer import FittedScorer, Linear
from bot.tools.evaluate import reliability
from bot.tools.squad import SquadSplit

SEED = 0
MODES = ("rules", "hybrid")
# The SQuAD articles and the development sets count alike in a fit (each lead weighted by the
# inverse of its source's size). No general feature of a lead tells SQuAD 2.0's adversarial
# unanswerable questions from answerable ones, so one source's base rate pulls the calibrator
# off the other's: fitted lead by lead (SQuAD has 2.7 times as many), the validation ECE was
# 0.10 on SQuAD and 0.24 on the sets (mapped; chosen 0.06 and 0.18); counted alike, 0.18 and
# 0.18 (chosen 0.14 and 0.13): the worse of the two is lower (docs/quality.md, "Calibrated confidence").
SOURCES_ALIKE = True
UNANSWERABLE_SHARE = 1 / 3  # the mix a chosen threshold is best for (as train.py's)


@dataclass(frozen=True)
class Lead:
    """One question's lead as one answer scorer chose it: its evidence and whether it is right."""

    group: str  # article or question set
    split: str  # "train" | "validation"
    source: str  # "squad" | "sets"
    mode: str  # "rules" | "hybrid"
    answerable: bool
    leans_on_answer: bool
    evidence: dict[str, float]
    right: bool


def engine_as(engine, mode: str, scorer: FittedScorer | None):
    """A copy of ``engine`` ranking as answer scorer ``mode`` with ``scorer``'s ranker, its
    confidence uncalibrated (the hand-set one)."""
    extractor = copy.copy(engine.extractor)
    extractor.scorer = scorer if mode == "hybrid" else None
    extractor.fitted_confidence = False
    extractor.calibrator = None
    return dataclasses.replace(engine, extractor=extractor)


def ask(engines: dict[str, Any], question: str, history, judge: Callable[[Any], bool], answerable: bool,
        group: str, split: str, source: str) -> list[Lead]:
    """The lead of each engine (one per mode) for one question, asked with the threshold at 0."""
    out = []
    for mode, engine in engines.items():
        answer, trace = engine.explain(question, history, threshold=0.0)
        if not answer.answered or not trace.decision.evidence:
            continue  # no candidate at all: an abstention at any threshold
        out.append(Lead(group, split, source, mode, answerable, bool(trace.decision.evidence["leans_on_answer"]),
                        dict(trace.decision.evidence), bool(answerable and judge(answer))))
    return out


def squad_leads(splits: list[SquadSplit], scorer: FittedScorer, log: Callable[[str], None],
                limit: int | None = None) -> list[Lead]:
    from bot.tools.squad import is_right

    out: list[Lead] = []
    for split in splits:
        engines = {mode: engine_as(split.engine, mode, scorer) for mode in MODES}
        for a in split.articles:
            for q in a.questions[:limit] if limit else a.questions:
                def judge(answer, q=q) -> bool:
                    return is_right(answer.answer, q.answers)
                out += ask(engines, q.question, (), judge, q.answerable, a.title, split.name, "squad")
            log(f"  calibration: squad {split.name:10s} {a.title}")
    return out


def set_leads(engine, scorer: FittedScorer, validation_sets: Iterable[str], log: Callable[[str], None]) -> list[Lead]:
    from bot.tools.evaluate import is_correct, read_rows, read_sets

    engines = {mode: engine_as(engine, mode, scorer) for mode in MODES}
    out: list[Lead] = []
    for qs in read_sets():
        if qs.measure_only:
            continue  # never fitted on, never used to choose anything
        split = "validation" if qs.name in validation_sets else "train"
        for row in read_rows(qs.path):
            def judge(answer, row=row) -> bool:  # as ``python -m bot eval`` judges it
                return is_correct(row, answer)
            out += ask(engines, row.question, row.history, judge, row.answerable, qs.name, split, "sets")
        log(f"  calibration: set   {split:10s} {qs.name}")
    return out


def _matrix(leads: list[Lead], names: Iterable[str]) -> np.ndarray:
    names = list(names)
    return np.array([[lead.evidence[n] for n in names] for lead in leads], dtype=np.float64)


def _logistic(x: np.ndarray, y: np.ndarray, names: Iterable[str], weights: np.ndarray | None = None,
              c: float = 1.0) -> Linear:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=5000, random_state=SEED).fit((x - mean) / scale, y, sample_weight=weights)
    return Linear(tuple(names), mean, scale, model.coef_[0].astype(np.float64), float(model.intercept_[0]))


def _weights(leads: list[Lead]) -> np.ndarray:
    """Each source (SQuAD, the sets) counts as much as the other in a fit."""
    sources = [lead.source for lead in leads]
    counts = {s: sources.count(s) for s in set(sources)}
    return np.array([len(leads) / (len(counts) * counts[s]) for s in sources])


def fit_mapped(train: list[Lead]) -> Calibrator:
    """A logistic map of the rules' confidence, one per threshold kind (strictly increasing)."""
    y = np.array([lead.right for lead in train], dtype=float)
    weights = _weights(train) if SOURCES_ALIKE else None
    return Calibrator("mapped", _logistic(_matrix(train, MAPPED_EVIDENCE), y, MAPPED_EVIDENCE, weights, c=100.0))


def fit_chosen(train: list[Lead], validation: list[Lead], folds: int = 5) -> Calibrator:
    """A logistic model over all the lead's evidence, its out-of-fold probabilities on the training
    leads (folds by article or set) straightened by an isotonic curve; thresholds chosen on
    ``validation`` (``choose_threshold``)."""
    from sklearn.isotonic import IsotonicRegression

    y = np.array([lead.right for lead in train], dtype=float)
    x = _matrix(train, EVIDENCE)
    w = _weights(train) if SOURCES_ALIKE else np.ones(len(train))
    groups = sorted({lead.group for lead in train})
    rng = np.random.default_rng(SEED)
    rng.shuffle(groups)
    fold = np.array([groups.index(lead.group) % folds for lead in train])
    oof = np.zeros(len(train))
    for k in range(folds):
        held = fold == k
        if held.any() and (~held).any():
            m = _logistic(x[~held], y[~held], EVIDENCE, w[~held])
            oof[held] = 1 / (1 + np.exp(-m.logits(x[held])))
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(oof, y, sample_weight=w)
    model = _logistic(x, y, EVIDENCE, w)
    curve_x, curve_y = tuple(float(v) for v in iso.X_thresholds_), tuple(float(v) for v in iso.y_thresholds_)
    draft = Calibrator("chosen", model, curve_x, curve_y)
    probs = probabilities(draft, validation)
    leans = np.array([lead.leans_on_answer for lead in validation])
    t = choose_threshold(probs[~leans], [lead for lead, f in zip(validation, leans) if not f])
    t_follow = choose_threshold(probs[leans], [lead for lead, f in zip(validation, leans) if f]) if leans.sum() >= 20 else t
    return dataclasses.replace(draft, threshold=t, followup_threshold=t_follow)


def probabilities(calibrator: Calibrator, leads: list[Lead]) -> np.ndarray:
    return np.array([calibrator.probability(lead.evidence) for lead in leads])


def choose_threshold(probs: np.ndarray, leads: list[Lead]) -> float:
    """The threshold getting most questions right (answered and right, or unanswerable and
    abstained) on a mix with ``UNANSWERABLE_SHARE`` unanswerable, each source weighted alike."""
    right = np.array([lead.right for lead in leads])
    answerable = np.array([lead.answerable for lead in leads])
    weights = np.zeros(len(leads))
    for source in {lead.source for lead in leads}:
        mine = np.array([lead.source == source for lead in leads])
        for kind, share in ((True, 1 - UNANSWERABLE_SHARE), (False, UNANSWERABLE_SHARE)):
            cell = mine & (answerable == kind)
            if cell.any():
                weights[cell] = share / cell.sum()
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    accuracy = [float(np.average(np.where(probs >= t, right, ~answerable), weights=weights)) for t in grid]
    return float(grid[int(np.argmax(accuracy))])


def ece(probs: np.ndarray, right: np.ndarray) -> float:
    return reliability(list(zip(probs.tolist(), right.astype(bool).tolist())))[1]


def figures(calibrator: Calibrator | None, leads: list[Lead], hand: tuple[float, float]) -> dict[str, float]:
    """ECE of the answered questions and what the thresholds do (the hand-set confidence without a calibrator)."""
    if not leads:
        return {}
    leans = np.array([lead.leans_on_answer for lead in leads])
    if calibrator is None:
        probs = np.array([1 / (1 + np.exp(-lead.evidence["rules_logit"])) for lead in leads])
        thresholds = np.where(leans, hand[1], hand[0])
    else:
        probs = probabilities(calibrator, leads)
        thresholds = np.where(leans, calibrator.threshold_for(True, hand[1]), calibrator.threshold_for(False, hand[0]))
    right = np.array([lead.right for lead in leads])
    answerable = np.array([lead.answerable for lead in leads])
    answered = probs >= thresholds
    return {
        "leads": len(leads),
        "ece_answered": ece(probs[answered], right[answered]) if answered.any() else float("nan"),
        "ece_all_leads": ece(probs, right),
        "answerable_answered_right": float(np.mean((answered & right)[answerable])) if answerable.any() else float("nan"),
        "unanswerable_abstained": float(np.mean(~answered[~answerable])) if (~answerable).any() else float("nan"),
        "threshold": float(thresholds[~leans][0]) if (~leans).any() else float("nan"),
    }


def fit(leads: list[Lead], hand: tuple[float, float]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the scorer file's ``calibration`` section, the metrics) for every mode and variant."""
    section: dict[str, Any] = {}
    metrics: dict[str, Any] = {}
    for mode in MODES:
        mine = [lead for lead in leads if lead.mode == mode]
        train = [lead for lead in mine if lead.split == "train"]
        validation = [lead for lead in mine if lead.split == "validation"]
        calibrators = {"mapped": fit_mapped(train), "chosen": fit_chosen(train, validation)}
        section[mode] = {variant: c.to_dict() for variant, c in calibrators.items()}
        for variant, calibrator in [("off", None), *calibrators.items()]:
            for split in ("train", "validation"):
                for source in ("squad", "sets", "both"):
                    chosen = [lead for lead in mine if lead.split == split and source in (lead.source, "both")]
                    metrics[f"{mode}/{variant}/{split}/{source}"] = figures(calibrator, chosen, hand)
    return section, metrics


def card_lines(scorer: FittedScorer, hand: tuple[float, float]) -> list[str]:
    """The model card's calibration section."""
    m = scorer.meta.get("calibration", {})
    lines = [
        "",
        "## Confidence calibration (bot/answering/calibration.py, fitted by bot/tools/calibrate.py)",
        "",
        "Per answer scorer (`rules`, `hybrid`), on the leads it chooses, asked at threshold 0: `mapped`, a logistic map "
        "of the rules' confidence per threshold kind (strictly increasing, the hand-set thresholds "
        f"{hand[0]:.2f} / {hand[1]:.2f} mapped through it: the same answers); `chosen`, a logistic regression over "
        f"{len(EVIDENCE)} general features of the lead straightened by an isotonic curve (scikit-learn), its thresholds "
        "chosen on the validation split. `off` is the hand-set confidence. ECE: expected calibration error (10 bins) of "
        "the answered questions.",
        "",
        "| scorer / variant / split / source | leads | ECE (answered) | ECE (every lead) | answerable: answered and right "
        "| unanswerable abstained | threshold |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, f in m.items():
        if f:
            lines.append(f"| {name} | {f['leads']} | {f['ece_answered']:.3f} | {f['ece_all_leads']:.3f} "
                         f"| {f['answerable_answered_right']:.3f} | {f['unanswerable_abstained']:.3f} | {f['threshold']:.3f} |")
    for mode in MODES:
        for variant in ("mapped", "chosen"):
            c = calibrator_for(scorer.calibration, mode, variant)
            if c is not None:
                t = (c.threshold_for(False, hand[0]), c.threshold_for(True, hand[1]))
                lines.append(f"\n`{mode}` `{variant}`: thresholds {t[0]:.3f} (follow-ups {t[1]:.3f}).")
    return lines
