"""Calibrated confidence (answering/calibration.py) and its fitting (tools/calibrate.py), on tiny data."""

import json

import numpy as np
import pytest

from bot.answering.calibration import EVIDENCE, MAPPED_EVIDENCE, Calibrator, calibrator_for, logit
from bot.answering.explain import Trace
from bot.answering.scorer import SCORER_FILE, FittedScorer, Linear
from bot.engine import Engine
from bot.index.embed import HashingEmbedder
from bot.tools.calibrate import Lead, choose_threshold, ece, fit_chosen, fit_mapped, probabilities

QUESTIONS = ["When was the service founded?", "Who leads the service?", "How do I complain?",
             "What is the capital of Mars?", "How many officers are there?"]


def _mapped(slope=1.0, followup_slope=0.5, bias=-1.0):
    coef = np.array([slope, 0.3, followup_slope - slope])
    return Calibrator("mapped", Linear(MAPPED_EVIDENCE, np.zeros(3), np.ones(3), coef, bias))


def _evidence(confidence, leans):
    r = logit(confidence)
    return {"rules_logit": r, "leans_on_answer": float(leans), "leans_x_rules_logit": float(leans) * r}


def test_a_mapped_calibrator_is_bounded_and_increasing_for_both_kinds():
    c = _mapped()
    grid = np.linspace(0.001, 0.999, 200)
    for leans in (False, True):
        p = [c.probability(_evidence(x, leans)) for x in grid]
        assert all(0.0 <= v <= 1.0 for v in p) and all(b > a for a, b in zip(p, p[1:]))
    # The hand-set thresholds mapped through it: a confidence reaches one exactly when it did before.
    t, t_follow = c.threshold_for(False, 0.5), c.threshold_for(True, 0.45)
    for x in grid:
        assert (c.probability(_evidence(x, False)) >= t) == (x >= 0.5)
        assert (c.probability(_evidence(x, True)) >= t_follow) == (x >= 0.45)


def test_a_calibrator_that_would_change_decisions_or_read_unknown_evidence_is_refused():
    with pytest.raises(ValueError, match="increase"):
        _mapped(slope=-1.0)
    with pytest.raises(ValueError, match="increase"):
        _mapped(followup_slope=-0.5)
    with pytest.raises(ValueError, match="not lead evidence"):
        Calibrator("chosen", Linear(("made_up",), np.zeros(1), np.ones(1), np.ones(1), 0.0))
    with pytest.raises(ValueError, match="curve"):
        Calibrator("chosen", Linear(("rules_logit",), np.zeros(1), np.ones(1), np.ones(1), 0.0), (0.0, 1.0), (0.9, 0.1))
    with pytest.raises(ValueError, match="variant"):
        Calibrator("guess", Linear(("rules_logit",), np.zeros(1), np.ones(1), np.ones(1), 0.0))


def test_the_shipped_calibrators_load_hash_checked_and_are_monotone():
    scorer = FittedScorer.load(SCORER_FILE)  # refuses a file that does not match its SHA-256
    for mode in ("rules", "hybrid"):
        mapped = calibrator_for(scorer.calibration, mode, "mapped")
        chosen = calibrator_for(scorer.calibration, mode, "chosen")
        assert mapped is not None and chosen is not None and calibrator_for(scorer.calibration, mode, "off") is None
        assert 0 < chosen.threshold < 1 and 0 < chosen.followup_threshold < 1
        grid = np.linspace(0.01, 0.99, 50)
        p = [mapped.probability(_evidence(x, False)) for x in grid]
        assert all(b > a for a, b in zip(p, p[1:])) and 0 < p[0] < p[-1] < 1
        assert list(chosen.curve_y) == sorted(chosen.curve_y)
    assert "calibration" in scorer.meta and "SQuAD" in scorer.meta["licence"]


def test_a_calibration_edited_by_hand_is_refused(tmp_path):
    scorer = FittedScorer.load(SCORER_FILE)
    path = tmp_path / "scorer.json"
    scorer.save(path)
    data = json.loads(path.read_text())
    data["calibration"]["rules"]["mapped"]["model"]["bias"] += 1.0
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    with pytest.raises(ValueError, match="SHA-256"):
        FittedScorer.load(path)


def _engine(settings, calibration):
    return Engine.load(settings.replace(calibration=calibration), embedder=HashingEmbedder(), progress=lambda _: None)


def test_mapped_calibration_changes_the_confidence_and_no_answer(tiny_settings):
    off, mapped = _engine(tiny_settings, "off"), _engine(tiny_settings, "mapped")
    calibrator = mapped.extractor.calibrator
    assert off.extractor.calibrator is None and calibrator is not None and calibrator.variant == "mapped"
    assert mapped.threshold() == pytest.approx(calibrator.threshold_for(False, tiny_settings.abstain_threshold))
    assert mapped.threshold() != tiny_settings.abstain_threshold
    for question in QUESTIONS:
        before = off.ask(question)
        trace = Trace(question)
        after = mapped.ask(question, (), trace)
        assert (after.answered, after.answer, after.citations) == (before.answered, before.answer, before.citations)
        assert trace.decision.rules_confidence == pytest.approx(before.confidence)
        if trace.decision.evidence:  # the reported confidence is the calibrator's probability of this lead
            assert after.confidence == pytest.approx(calibrator.probability(trace.decision.evidence))


def test_chosen_calibration_holds_the_confidence_against_its_own_threshold(tiny_settings):
    engine = _engine(tiny_settings, "chosen")
    calibrator = engine.extractor.calibrator
    assert calibrator is not None and engine.threshold() == calibrator.threshold
    assert engine.threshold(leans_on_answer=True) == calibrator.followup_threshold
    for question in QUESTIONS:
        trace = Trace(question)
        answer = engine.ask(question, (), trace)
        assert answer.answered == (answer.confidence >= trace.configured_threshold)


def _leads(n, seed, source="squad", split="train"):
    """Leads whose chance of being right is a known function of the rules' confidence."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        conf = rng.uniform(0.05, 0.999)
        leans = bool(rng.random() < 0.3)
        truth = 1 / (1 + np.exp(-(1.2 * logit(conf) - 2.0)))
        evidence = {name: 0.0 for name in EVIDENCE} | _evidence(conf, leans)
        evidence["lead_coverage"] = rng.random()
        right = bool(rng.random() < truth)
        out.append(Lead(f"g{i % 6}", split, source, "rules", answerable=right or rng.random() < 0.5,
                        leans_on_answer=leans, evidence=evidence, right=right))
    return out


def test_fitted_calibrators_are_calibrated_on_held_out_leads():
    train, held = _leads(3000, 0), _leads(2000, 1, split="validation")
    right = np.array([lead.right for lead in held])
    raw = np.array([1 / (1 + np.exp(-lead.evidence["rules_logit"])) for lead in held])
    assert ece(raw, right) > 0.2  # the rules' confidence, as it comes, is far from a probability
    mapped = fit_mapped(train)
    chosen = fit_chosen(train, held)
    assert ece(probabilities(mapped, held), right) < 0.05 and ece(probabilities(chosen, held), right) < 0.05
    assert 0.05 <= chosen.threshold <= 0.95


def test_a_threshold_is_chosen_for_a_third_unanswerable_with_each_source_alike():
    def lead(source, answerable, right):
        return Lead("g", "validation", source, "rules", answerable, False, {}, right)

    # SQuAD-like: many unanswerable questions answered at 0.6; the sets: answered right at 0.6.
    leads = [lead("squad", False, False)] * 40 + [lead("squad", True, True)] * 10 + \
            [lead("sets", True, True)] * 10 + [lead("sets", False, False)] * 2
    probs = np.array([0.6] * 40 + [0.9] * 10 + [0.6] * 10 + [0.3] * 2)
    t = choose_threshold(probs, leads)
    assert 0.3 < t <= 0.6  # the sets' right answers at 0.6 are kept although SQuAD has 40 wrong ones there
