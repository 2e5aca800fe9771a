"""Why an answer won: the trace of one question through retrieval and scoring (``ask --explain``).

``Engine.explain`` fills a ``Trace``: the query as retrieval saw it, the retrieved chunks with
their dense, BM25 and fused ranks, and the ``Decision`` the extractor made (every candidate's
score parts by rule name, the answer-level adjustments, the confidence and the threshold).
``trace_dict`` and ``trace_text`` turn it into JSON or lines a person reads, with one line saying
why the lead won and why each runner-up lost, or why the bot abstained. Nothing here changes an
answer; it only reads what the engine decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.answering.answer import Decision
from bot.query.conversation import Query
from bot.index.store import Index
from bot.schema import Answer, Hit, ScoredSpan

# An abstention whose confidence reached this share of the threshold is a near miss: the sources
# hold a passage close to the question that was not sure enough to give; below it, retrieval found
# nothing close. The outcome log (outcomes.py) and the report use the same split. Measured on the
# development sets (eval, extra, fresh; threshold 0.5, so 0.25): of the 21 answerable questions
# the engine abstained on, 7 score 0.25 or more, and of the 81 unanswerable ones 4 do; "near miss"
# is right 7 times in 11, "nothing close" 77 times in 91. At 0.1 "near miss" is right 9 in 23.
NEAR_MISS_SHARE = 0.5


@dataclass
class Trace:
    question: str
    spelled: str = ""
    query: Query | None = None
    hits: list[Hit] = field(default_factory=list)
    decision: Decision = field(default_factory=Decision)
    configured_threshold: float = 0.0


def abstain_reason(confidence: float, threshold: float) -> str:
    """``"near_miss"`` when the best candidate came close to the threshold, else ``"nothing_close"``."""
    return "near_miss" if confidence >= NEAR_MISS_SHARE * threshold else "nothing_close"


def _part_gaps(lead: ScoredSpan, other: ScoredSpan, n: int = 3) -> list[tuple[str, float]]:
    """The rules whose contributions differ most between the lead and another candidate."""
    a, b = dict(lead.parts), dict(other.parts)
    gaps = [(name, a.get(name, 0.0) - b.get(name, 0.0)) for name in dict.fromkeys([*a, *b])]
    gaps = [(name, gap) for name, gap in gaps if abs(gap) >= 0.005]
    return sorted(gaps, key=lambda g: -abs(g[1]))[:n]


def _gaps_text(gaps: list[tuple[str, float]]) -> str:
    return ", ".join(f"{name} {gap:+.3f}" for name, gap in gaps) or "no rule differs"


def verdict(trace: Trace, answer: Answer) -> str:
    """One line: why the lead won, or why the bot abstained."""
    d = trace.decision
    if answer.error:
        return f"error: {answer.error}"
    if not d.scored:
        return "abstained: retrieval found no candidate passage"
    if not answer.answered:
        reason = abstain_reason(d.confidence, d.threshold)
        if reason == "near_miss":
            return (f"abstained, a near miss: the best candidate's confidence {d.confidence:.3f} is below the "
                    f"threshold {d.threshold:.2f}")
        best = d.scored[0]
        return (f"abstained: retrieval found nothing close (best candidate's confidence {d.confidence:.3f}, "
                f"threshold {d.threshold:.2f}; its coverage of the question's terms {best.coverage:.2f}, "
                f"dense similarity {best.cos_span:.2f})")
    lead = d.scored[0]
    if lead.fitted is not None:
        return (f"answered: the fitted ranker put this passage first (logit {lead.fitted:+.2f}); the probability "
                f"that it is right is {d.confidence:.3f} >= threshold {d.threshold:.2f}")
    if len(d.scored) == 1:
        return f"answered: the only candidate, confidence {d.confidence:.3f} >= threshold {d.threshold:.2f}"
    second = d.scored[1]
    return (f"answered: the lead scored {lead.score:.3f}, {lead.score - second.score:.3f} above the runner-up "
            f"({_gaps_text(_part_gaps(lead, second))}); confidence {d.confidence:.3f} >= threshold {d.threshold:.2f}")


def _hit_ranks(trace: Trace) -> dict[int, dict[str, Any]]:
    ranks = {}
    for fused_rank, hit in enumerate(sorted(trace.hits, key=lambda h: -h.score), start=1):
        ranks[hit.chunk_id] = {"fused_rank": fused_rank, "fused_score": round(hit.score, 5),
                               "dense_rank": hit.dense_rank, "bm25_rank": hit.lexical_rank,
                               "dense_score": round(hit.dense_score, 4)}
    return ranks


def trace_dict(trace: Trace, answer: Answer, index: Index, n: int = 5) -> dict[str, Any]:
    """The trace as JSON: query, retrieval, the top ``n`` candidates with their parts, the decision."""
    d = trace.decision
    ranks = _hit_ranks(trace)
    lead = d.scored[0] if d.scored else None
    candidates = []
    for position, s in enumerate(d.scored[:n], start=1):
        chunk = index.chunks[s.span.chunk_id]
        entry: dict[str, Any] = {
            "position": position, "doc_id": s.span.doc_id, "start": s.span.start, "end": s.span.end,
            "text": s.span.text, "heading": chunk.heading, "score": round(s.score, 4),
            "parts": {name: round(value, 4) for name, value in s.parts},
            **({"fitted_logit": round(s.fitted, 4)} if s.fitted is not None else {}),
            "retrieval": ranks.get(s.span.chunk_id, {"fused_rank": None, "note": "added outside retrieval's top chunks"}),
        }
        if lead is not None and position > 1:
            gaps = _part_gaps(lead, s)
            entry["why_not"] = f"{lead.score - s.score:.3f} below the lead: {_gaps_text(gaps)}"
        candidates.append(entry)
    q = trace.query
    wanted = q.asks.wanted if q is not None else None
    return {
        "question": trace.question,
        "spelled": trace.spelled,
        "query": None if q is None else {
            "encoded": q.text, "terms": list(q.terms), "focus_terms": list(q.focus_terms),
            "followup": q.followup, "yes_no": q.yes_no, "expected_type": wanted.name if wanted else None,
        },
        "retrieval": [{"chunk_id": c, "doc_id": index.chunks[c].doc_id, "heading": index.chunks[c].heading, **r}
                      for c, r in sorted(ranks.items(), key=lambda kv: kv[1]["fused_rank"])],
        "candidates": candidates,
        "adjustments": {name: round(value, 4) for name, value in d.adjustments},
        "score": round(d.score, 4),
        "confidence": round(d.confidence, 4),
        "rules_confidence": round(d.rules_confidence, 4),  # the hand-set score, before calibration
        "threshold": d.threshold,
        "answered": answer.answered,
        "abstain_reason": None if answer.answered or answer.error else abstain_reason(d.confidence, d.threshold),
        "verdict": verdict(trace, answer),
    }


def trace_text(trace: Trace, answer: Answer, index: Index, n: int = 5) -> str:
    """The trace as lines a person reads (``python -m bot ask --explain``)."""
    t = trace_dict(trace, answer, index, n)
    lines = [f"question: {t['question']}"]
    if t["spelled"] and t["spelled"] != t["question"]:
        lines.append(f"spelled:  {t['spelled']}")
    if t["query"]:
        q = t["query"]
        lines += [f"encoded:  {q['encoded']}", f"terms:    {' '.join(q['focus_terms'])}",
                  f"kind:     expects {q['expected_type'] or 'anything'}; follow-up {q['followup']}; yes/no {q['yes_no']}"]
    lines.append("")
    lines.append("retrieval (fused rank: dense rank / BM25 rank):")
    for r in t["retrieval"]:
        lines.append(f"  {r['fused_rank']:>2}. dense {r['dense_rank'] or '-':>3} / bm25 {r['bm25_rank'] or '-':>3}  "
                     f"{r['doc_id']} § {r['heading'] or '(top)'}")
    lines.append("")
    lines.append("candidates (score = sum of parts):")
    for c in t["candidates"]:
        text = " ".join(c["text"].split())
        lines.append(f"  #{c['position']} {c['score']:+.3f}  \"{text[:100]}{'…' if len(text) > 100 else ''}\"  ({c['doc_id']})")
        lines.append("      " + "  ".join(f"{name} {value:+.3f}" for name, value in c["parts"].items()))
        if "why_not" in c:
            lines.append(f"      why not: {c['why_not']}")
    if t["adjustments"]:
        lines.append("answer-level: " + "  ".join(f"{name} {value:+.3f}" for name, value in t["adjustments"].items()))
    calibrated = f", calibrated from the rules' {t['rules_confidence']:.3f}" if t["confidence"] != t["rules_confidence"] else ""
    lines.append(f"score {t['score']:+.3f} -> confidence {t['confidence']:.3f}{calibrated} (threshold {t['threshold']:.2f})")
    lines.append(t["verdict"])
    return "\n".join(lines)
