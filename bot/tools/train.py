"""``python -m bot train``: fit the answer scorer (scorer.py) from data, seeded, and write it with
its SHA-256 and a model card.

Data, split by article or by set, never by question:
- SQuAD 2.0 articles (``../shared/data/squad/train-8-articles.json``, CC BY-SA 4.0): the training
  articles of ``squad.split_articles`` are fitted on; the validation articles choose the
  abstention threshold and are reported. Unanswerable questions are hard negatives.
- The development question sets of tests/data/sets.toml (never the measure-only ones): the sets
  named in ``VALIDATION_SETS`` are held out like the validation articles; the rest are fitted on.

For each question the engine's own candidates are scored by the hand rules (their parts become
features) and ``scorer.candidate_features`` describes each; a candidate is positive when it holds
a gold answer. The ranker is listwise (a softmax over each question's candidates, fitted to put
its weight on the right ones); the confidence model a logistic regression over the lead's
question-level features, fitted on out-of-fold ranker
scores (grouped by article/set) so it sees the ranker as it is on unseen text.
Last, the confidence calibrators of the ``rules`` and ``hybrid`` scorers are fitted on the leads
they choose (tools/calibrate.py) and stored in the same file, in its ``calibration`` section.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from bot.answering.answer import MAX_CANDIDATES
from bot.tools.evaluate import reliability
from bot.tools.squad import SquadSplit
from bot.answering.scorer import (CANDIDATE_FEATURES, QUESTION_FEATURES, SCORER_FILE, FittedScorer, Linear, question_features,
                     sigmoid)

VALIDATION_SETS = ("fresh5", "fresh6", "fresh9", "fresh10", "fresh11", "fresh12", "fresh13", "fresh14", "fresh15", "fresh16")
SEED = 0
# The ranker's L2 penalty: of 0, 1 and 10, 1 ranked the validation articles and sets best (docs/quality.md, "The fitted scorer").
RANKER_L2 = 1.0
# A development question's weight in the ranker's fit against a SQuAD question's. ×4 ranked the
# held-out sets better (0.836 against 0.828) and the validation articles worse (0.792 against
# 0.800); 1 is kept: the engine must answer any corpus (docs/quality.md, "The fitted scorer").
SETS_WEIGHT = 1.0
LONG_ANSWER = 500


@dataclass
class Example:
    """One question's candidates, ready to fit: features, labels and where it came from."""

    group: str  # article or question set: folds and splits never cut through one
    split: str  # "train" | "validation"
    source: str  # "squad" | "sets"
    answerable: bool
    followup: bool
    x: np.ndarray  # candidates x CANDIDATE_FEATURES
    y: np.ndarray  # 1 where the candidate holds a gold answer (and is short enough to read)
    adjustments: tuple[tuple[str, float], ...]


def _collect(engine, question: str, history, answers: Callable[[object], bool], answerable: bool, group: str,
             split: str, source: str) -> Example | None:
    _, trace = engine.explain(question, history, threshold=0.0)
    scored = trace.decision.scored[:MAX_CANDIDATES]
    if not scored or trace.query is None:
        return None
    q = trace.query
    x = engine.extractor.features(q, scored)
    y = np.array([float(answerable and answers(s.span) and len(s.span.text) <= LONG_ANSWER) for s in scored])
    return Example(group, split, source, answerable, q.followup, x, y, trace.decision.adjustments)


def squad_examples(splits: list[SquadSplit], log: Callable[[str], None], limit: int | None = None) -> list[Example]:
    out: list[Example] = []
    for split in splits:
        for a in split.articles:
            qs = a.questions[:limit] if limit else a.questions
            started = time.perf_counter()
            for q in qs:
                # mypy infers no type for a lambda with a default argument (q=q binds this question).
                ex = _collect(split.engine, q.question, (), lambda span, q=q: any(t in span.text for t in q.answers),  # type: ignore[misc]
                              q.answerable, a.title, split.name, "squad")
                if ex is not None:
                    out.append(ex)
            log(f"  squad {split.name:10s} {a.title}: {len(qs)} questions ({time.perf_counter() - started:.0f} s)")
    return out


def set_examples(engine, log: Callable[[str], None]) -> list[Example]:
    from bot.tools.evaluate import read_rows, read_sets

    out: list[Example] = []
    for qs in read_sets():
        if qs.measure_only:
            continue  # never trained on, never used to choose anything
        split = "validation" if qs.name in VALIDATION_SETS else "train"
        rows = read_rows(qs.path)
        for row in rows:
            def holds(span, row=row) -> bool:
                texts = [row.expected_text] if row.expected_text else []
                return span.doc_id == row.expected_doc and any(t in span.text for t in texts)
            ex = _collect(engine, row.question, row.history, holds, row.answerable, qs.name, split, "sets")
            if ex is not None:
                out.append(ex)
        log(f"  set   {split:10s} {qs.name}: {len(rows)} questions")
    return out


def _fit_linear(x: np.ndarray, y: np.ndarray, names: list[str], c: float) -> Linear:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=5000, random_state=SEED)
    model.fit((x - mean) / scale, y)
    return Linear(tuple(names), mean, scale, model.coef_[0].astype(np.float64), float(model.intercept_[0]))


def fit_ranker(examples: list[Example], l2: float = 1.0, sets_weight: float = 1.0) -> Linear:
    """A listwise ranker: a linear score whose softmax over each question's candidates puts as
    much probability as it can on the candidates holding the answer (a conditional logit, fitted
    by L-BFGS with an L2 penalty). Only questions with a right candidate teach it anything.

    Trained on whole questions rather than on candidates one by one, it learns which candidate
    beats the others of the same question: what choosing a lead is."""
    from scipy.optimize import minimize

    used = [e for e in examples if e.y.any()]
    x = np.vstack([e.x for e in used])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    x = (x - mean) / scale
    right = np.concatenate([e.y for e in used]) > 0
    starts = np.cumsum([0] + [len(e.y) for e in used])[:-1]
    owner = np.repeat(np.arange(len(used)), [len(e.y) for e in used])
    # A question of the development sets counts ``sets_weight`` times one of SQuAD's.
    weight = np.array([sets_weight if e.source == "sets" else 1.0 for e in used])
    total = weight.sum()

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w
        z = z - np.maximum.reduceat(z, starts)[owner]
        e = np.exp(z)
        p = e / np.add.reduceat(e, starts)[owner]
        p_right = np.add.reduceat(np.where(right, p, 0.0), starts)  # per question
        q = np.where(right, p / p_right[owner], 0.0)  # the right candidates' share of it
        value = -(weight * np.log(p_right + 1e-12)).sum() / total + l2 * (w @ w) / total
        grad = -((weight[owner] * (q - p)) @ x) / total + 2 * l2 * w / total
        return float(value), grad

    w = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 1000}).x
    return Linear(tuple(CANDIDATE_FEATURES), mean, scale, w.astype(np.float64), 0.0)


def lead_outcome(ranker: Linear, e: Example) -> tuple[np.ndarray, bool]:
    """The question-level features of the ranker's lead, and whether that lead is right."""
    logits = ranker.logits(e.x)
    return question_features(e.x, logits, e.adjustments), bool(e.y[int(np.argmax(logits))])


def out_of_fold(examples: list[Example], folds: int = 5, l2: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Question features and lead outcomes of each example, from a ranker fitted without its group."""
    groups = sorted({e.group for e in examples})
    rng = np.random.default_rng(SEED)
    rng.shuffle(groups)
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    xs, ys = [], []
    for fold in range(folds):
        held = [e for e in examples if fold_of[e.group] == fold]
        if not held:
            continue
        ranker = fit_ranker([e for e in examples if fold_of[e.group] != fold], l2)
        for e in held:
            x, right = lead_outcome(ranker, e)
            xs.append(x)
            ys.append(right)
    return np.array(xs), np.array(ys, dtype=float)


# The mix of questions a threshold is chosen for: a third unanswerable. SQuAD 2.0 holds about
# half; chosen on that mix, the threshold abstains far too often on the questions people ask.
UNANSWERABLE_SHARE = 1 / 3


def best_threshold(probs: np.ndarray, right: np.ndarray, answerable: np.ndarray) -> tuple[float, float]:
    """The threshold maximising accuracy (answered and right, or unanswerable and abstained) on
    a mix reweighted to ``UNANSWERABLE_SHARE`` unanswerable questions."""
    if answerable.all() or not answerable.any():
        weights = np.ones(len(probs))
    else:
        weights = np.where(answerable, (1 - UNANSWERABLE_SHARE) / answerable.mean(),
                           UNANSWERABLE_SHARE / (~answerable).mean())
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    acc = [float(np.average(np.where(probs >= t, right, ~answerable), weights=weights)) for t in grid]
    i = int(np.argmax(acc))
    return float(grid[i]), acc[i]


def ece(probs: np.ndarray, right: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error (evaluate.reliability, on arrays)."""
    return reliability(list(zip(probs.tolist(), right.astype(bool).tolist())), bins)[1]


def report(scorer: FittedScorer, examples: list[Example]) -> dict[str, dict[str, float]]:
    """Per split and source: lead right (answerable), abstained (unanswerable), ECE, top-1 hit."""
    out = {}
    for split in ("train", "validation"):
        for source in ("squad", "sets"):
            chosen = [e for e in examples if e.split == split and e.source == source]
            if not chosen:
                continue
            feats, right = zip(*(lead_outcome(scorer.ranker, e) for e in chosen))
            probs = sigmoid(scorer.confidence.logits(np.array(feats)))
            thresholds = np.array([scorer.followup_threshold if e.followup else scorer.threshold for e in chosen])
            answered = probs >= thresholds
            right_a = np.array(right)
            answerable = np.array([e.answerable for e in chosen])
            hand_top = np.array([bool(e.y[0]) for e in chosen])  # the hand rules' own first candidate
            out[f"{split}/{source}"] = {
                "questions": len(chosen),
                "lead_right_if_answered": float(np.mean(right_a[answerable])) if answerable.any() else float("nan"),
                "hand_rules_top_right": float(np.mean(hand_top[answerable])) if answerable.any() else float("nan"),
                "answered_and_right": float(np.mean((answered & right_a)[answerable])) if answerable.any() else float("nan"),
                "unanswerable_abstained": float(np.mean(~answered[~answerable])) if (~answerable).any() else float("nan"),
                "ece_answered": ece(probs[answered], right_a[answered]) if answered.any() else float("nan"),
            }
    return out


def fit_scorer(examples: list[Example], squad_file: Path, limit: int | None, c: float, started: float) -> FittedScorer:
    """The ranker, the confidence model and its thresholds fitted on ``examples``, with the
    metadata the model card shows (its calibration comes after)."""
    train_ex = [e for e in examples if e.split == "train"]
    valid_ex = [e for e in examples if e.split == "validation"]
    ranker = fit_ranker(train_ex, RANKER_L2, SETS_WEIGHT)
    qx, qy = out_of_fold(train_ex, l2=RANKER_L2)
    confidence = _fit_linear(qx, qy, QUESTION_FEATURES, c)
    # The threshold is chosen on validation data, per kind: follow-ups have their own.
    feats, right = zip(*(lead_outcome(ranker, e) for e in valid_ex))
    probs = sigmoid(confidence.logits(np.array(feats)))
    right_a, answerable = np.array(right), np.array([e.answerable for e in valid_ex])
    followup = np.array([e.followup for e in valid_ex])
    threshold, _ = best_threshold(probs[~followup], right_a[~followup], answerable[~followup])
    followup_threshold = best_threshold(probs[followup], right_a[followup], answerable[followup])[0] \
        if followup.sum() >= 20 else threshold
    metrics = report(FittedScorer(ranker, confidence, threshold, followup_threshold), examples)
    meta = {
        "trained": datetime.date.today().isoformat(),
        "command": "python -m bot train",
        "seed": SEED,
        "c": c,
        "ranker_l2": RANKER_L2,
        "sets_weight": SETS_WEIGHT,
        "data": {
            "squad_file": squad_file.name,
            "squad_train_articles": sorted({e.group for e in train_ex if e.source == "squad"}),
            "squad_validation_articles": sorted({e.group for e in valid_ex if e.source == "squad"}),
            "train_sets": sorted({e.group for e in train_ex if e.source == "sets"}),
            "validation_sets": sorted({e.group for e in valid_ex if e.source == "sets"}),
            "questions_per_article_limit": limit,
        },
        "licence": "Fitted partly on SQuAD 2.0 (Rajpurkar, Jia and Liang, 2018), CC BY-SA 4.0",
        "metrics": metrics,
        "seconds": round(time.perf_counter() - started, 1),
    }
    return FittedScorer(ranker, confidence, threshold, followup_threshold, meta)


def train(squad_file: Path, out: Path, settings, log: Callable[[str], None], limit: int | None = None,
          c: float = 1.0) -> FittedScorer:
    from bot.engine import Engine
    from bot.tools import calibrate
    from bot.tools.squad import engines_by_split

    started = time.perf_counter()
    hand = (settings.abstain_threshold, settings.followup_abstain_threshold)
    # One engine per SQuAD split, built once: it gives the ranker's examples and, once the ranker
    # is fitted on all of them, the leads the confidence calibrators are fitted on.
    with engines_by_split(squad_file, settings, "train-squad-") as squad:
        log(f"collecting candidates (SQuAD articles from {squad_file}, development sets)...")
        examples = squad_examples(squad, log, limit)
        examples += set_examples(Engine.load(settings, progress=lambda m: None), log)
        train_ex = [e for e in examples if e.split == "train"]
        log(f"{len(train_ex)} training and {len(examples) - len(train_ex)} validation questions "
            f"({sum(len(e.y) for e in train_ex)} training candidates); fitting...")
        scorer = fit_scorer(examples, squad_file, limit, c, started)
        # The confidence calibrators (tools/calibrate.py), fitted on the leads each scorer chooses with this ranker.
        log("calibrating the confidence (rules and hybrid leads)...")
        leads = calibrate.squad_leads(squad, scorer, log, limit)
    leads += calibrate.set_leads(Engine.load(settings, progress=lambda m: None), scorer, VALIDATION_SETS, log)
    meta = scorer.meta
    calibration, meta["calibration"] = calibrate.fit(leads, hand)
    meta["seconds"] = round(time.perf_counter() - started, 1)
    scorer = dataclasses.replace(scorer, calibration=calibration)
    digest = scorer.save(out)
    out.with_name(out.stem + "-card.md").write_text(model_card(scorer, digest, hand), encoding="utf-8")
    log(f"wrote {out} (sha256 {digest}) in {meta['seconds']:.0f} s; threshold {scorer.threshold:.2f}, "
        f"follow-ups {scorer.followup_threshold:.2f}")
    for name, m in meta["metrics"].items():
        log(f"  {name:18s} " + "  ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in m.items()))
    return scorer


def model_card(scorer: FittedScorer, digest: str, hand: tuple[float, float] = (0.5, 0.45)) -> str:
    """A short model card: what was fitted, on what, its licence, its figures and its hash."""
    m, d = scorer.meta, scorer.meta["data"]
    lines = [
        "# The fitted answer scorer (`bot/data/scorer.json`)",
        "",
        f"Made by `{m['command']}` on {m['trained']} (seed {m['seed']}, ranker L2 {m.get('ranker_l2')}, confidence C {m['c']}, "
        f"{m['seconds']:.0f} s). "
        f"SHA-256 `{digest}`, checked on load against `scorer.json.sha256`.",
        "",
        "Two linear models stored as plain JSON weights (bot/answering/scorer.py): a listwise ranker (a conditional logit over each "
        "question's candidates, fitted with SciPy's L-BFGS) over "
        f"{len(CANDIDATE_FEATURES)} general features of each candidate span, and a confidence model over "
        f"{len(QUESTION_FEATURES)} features of the chosen lead (a scikit-learn logistic regression), fitted on "
        "out-of-fold ranker scores. The abstention "
        f"thresholds were chosen on the validation data: {scorer.threshold:.2f} ({scorer.followup_threshold:.2f} "
        "for follow-ups).",
        "",
        "## Data (split by article or by question set, never by question)",
        "",
        f"- SQuAD 2.0 `{d['squad_file']}`: trained on {', '.join(d['squad_train_articles'])}; "
        f"validation {', '.join(d['squad_validation_articles'])}.",
        f"- Development question sets (tests/data/sets.toml): trained on {', '.join(d['train_sets'])}; "
        f"validation {', '.join(d['validation_sets'])}. Measure-only sets are never used.",
        "",
        f"Licence and attribution: {m['licence']}.",
        "",
        "## Figures (the ranker's lead; candidates from the engine's retrieval)",
        "",
        "| split | questions | lead right (answerable) | hand rules' first candidate right | answered and right "
        "| unanswerable abstained | ECE (answered) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, f in m["metrics"].items():
        lines.append(f"| {name} | {f['questions']} | {f['lead_right_if_answered']:.3f} | {f['hand_rules_top_right']:.3f} "
                     f"| {f['answered_and_right']:.3f} | {f['unanswerable_abstained']:.3f} | {f['ece_answered']:.3f} |")
    if scorer.calibration:
        from bot.tools.calibrate import card_lines

        lines += card_lines(scorer, hand)
    return "\n".join(lines) + "\n"


# Python's hash seed for training. Two fits run under different seeds differed in the third digit
# of a weight and chose another threshold (0.19 against 0.21), although the candidates' features
# were the same under seeds 1 and 2 for every training question checked: the cause is not found.
# Under one seed the command gives the same scorer, so it always runs under this one.
HASH_SEED = "0"


def _with_hash_seed(argv: list[str]) -> None:
    """Run ``python -m bot <argv>`` again under ``HASH_SEED`` unless this process already runs under it."""
    if os.environ.get("PYTHONHASHSEED") != HASH_SEED:
        os.execve(sys.executable, [sys.executable, "-m", "bot", *argv], {**os.environ, "PYTHONHASHSEED": HASH_SEED})


def cmd_train(args) -> int:
    from bot.cli import _settings
    from bot.tools.squad import DEFAULT_SQUAD_FILE

    _with_hash_seed(sys.argv[1:])

    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ValueError("training needs scikit-learn: pip install -r requirements-dev.txt") from None
    squad = Path(args.squad) if args.squad else DEFAULT_SQUAD_FILE
    if not squad.is_file():
        raise ValueError(f"no SQuAD file at {squad} (give one with --squad)")
    train(squad, Path(args.out) if args.out else SCORER_FILE, _settings(args).replace(scorer="rules", calibration="off"),
          lambda m: print(m, file=sys.stderr, flush=True), args.limit, args.c)
    return 0
