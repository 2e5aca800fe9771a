"""A corpus nobody tuned for: SQuAD 2.0-format articles as a throw-away corpus (``eval --squad``).

Each article becomes one document (its title line, then its paragraphs); its questions, answerable
and unanswerable, are asked with no history. Reported beside the engine, on the same index and in
the same run: two baselines that always answer with one sentence (an answer span of the index),
BM25's top sentence and the dense model's top sentence.

A lead is right when it contains one of the question's gold answers and is at most
``LONG_ANSWER`` characters long; an unanswerable question is right when the engine abstains.
Articles are split into training and validation by title (``split_articles``: seeded, never by
question), so a scorer fitted on some articles is judged on others.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from bot.tools.evaluate import LONG_ANSWER, best_threshold_of, lead_lengths, reliability
from bot.progress import question_progress, to_stderr
from bot.settings import PROJECT_ROOT

DEFAULT_SQUAD_FILE = PROJECT_ROOT.parent / "shared" / "data" / "squad" / "train-8-articles.json"
VALIDATION_ARTICLES = 3  # of the 8 shipped: the rest train the scorer
SPLIT_SEED = 0


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    article: str
    question: str
    answers: tuple[str, ...]  # gold answer texts; empty when unanswerable
    answerable: bool

    def __post_init__(self) -> None:
        if self.answerable and not self.answers:
            raise ValueError(f"SQuAD question {self.id!r} is answerable but has no answer text")


@dataclass(frozen=True)
class SquadArticle:
    title: str  # as in the file ("Scottish_Parliament")
    paragraphs: tuple[str, ...]
    questions: tuple[SquadQuestion, ...]

    @property
    def name(self) -> str:
        return self.title.replace("_", " ")

    @property
    def text(self) -> str:
        """The document: the title line, then the paragraphs, a blank line between each."""
        return "\n\n".join([self.name, *self.paragraphs]) + "\n"

    @property
    def file_name(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "-", self.title).strip("-").lower() + ".txt"


def read_squad(path: Path) -> list[SquadArticle]:
    """The articles of a SQuAD 2.0 JSON file (``data`` -> ``title``, ``paragraphs`` -> ``context``, ``qas``)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        articles = []
        for a in data["data"]:
            questions = []
            for p in a["paragraphs"]:
                for qa in p["qas"]:
                    impossible = bool(qa.get("is_impossible", False))
                    answers = () if impossible else tuple(dict.fromkeys(x["text"] for x in qa["answers"] if x["text"].strip()))
                    questions.append(SquadQuestion(str(qa["id"]), a["title"], qa["question"].strip(), answers, not impossible))
            articles.append(SquadArticle(a["title"], tuple(p["context"].strip() for p in a["paragraphs"]), tuple(questions)))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read SQuAD file {path}: {exc}") from None
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not in SQuAD 2.0 format (missing {exc})") from None
    if not articles:
        raise ValueError(f"{path} holds no articles")
    return articles


def split_articles(titles: list[str], n_validation: int = VALIDATION_ARTICLES, seed: int = SPLIT_SEED) -> tuple[list[str], list[str]]:
    """(training titles, validation titles): a seeded shuffle of the sorted titles, split by article."""
    if not 0 < n_validation < len(titles):
        raise ValueError(f"need 0 < validation articles < {len(titles)}, got {n_validation}")
    order = sorted(titles)
    random.Random(seed).shuffle(order)
    return sorted(order[n_validation:]), sorted(order[:n_validation])


def select_articles(articles: list[SquadArticle], which: str | None) -> list[SquadArticle]:
    """``None``/``"validation"``: the validation split; ``"train"``; ``"all"``; or titles, comma-separated."""
    titles = [a.title for a in articles]
    if which in (None, "", "validation", "train"):
        train, validation = split_articles(titles)
        chosen = train if which == "train" else validation
    elif which == "all":
        chosen = titles
    else:
        chosen = [t.strip() for t in which.split(",") if t.strip()]
        unknown = [t for t in chosen if t not in titles]
        if unknown:
            raise ValueError(f"no article {unknown[0]!r} in the file; articles: {', '.join(titles)}")
    return [a for a in articles if a.title in chosen]


def write_corpus(articles: list[SquadArticle], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for a in articles:
        (folder / a.file_name).write_text(a.text, encoding="utf-8")


def is_right(lead: str, answers: tuple[str, ...]) -> bool:
    """A lead is right when it holds a gold answer and stays short enough to read."""
    return len(lead) <= LONG_ANSWER and any(a in lead for a in answers)


@dataclass
class SquadResult:
    question: SquadQuestion
    answered: bool
    lead: str  # the answer the engine would quote, also when it abstained
    first_quote: str
    confidence: float
    bm25_top: str
    dense_top: str

    @property
    def right(self) -> bool:
        if not self.question.answerable:
            return not self.answered
        return self.answered and is_right(self.lead, self.question.answers)

    @property
    def would_be_right(self) -> bool:
        return self.question.answerable and bool(self.lead) and is_right(self.lead, self.question.answers)


def squad_metrics(results: list[SquadResult]) -> dict[str, float]:
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]

    def share(xs: list[bool]) -> float:
        return float(np.mean(xs)) if xs else float("nan")

    return {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "lead_right": share([r.right for r in answerable]),
        "first_quote_right": share([r.answered and is_right(r.first_quote, r.question.answers) for r in answerable]),
        "unanswerable_abstained": share([r.right for r in unanswerable]),
        "overall": share([r.right for r in results]),
        "answered_share": share([r.answered for r in results]),
        **lead_lengths([r.lead for r in results if r.answered]),
        "expected_calibration_error": reliability([(r.confidence, r.right) for r in results if r.answered])[1],
        "bm25_top_sentence_right": share([is_right(r.bm25_top, r.question.answers) for r in answerable]),
        "dense_top_sentence_right": share([is_right(r.dense_top, r.question.answers) for r in answerable]),
    }


class SentenceBaselines:
    """BM25's and the dense model's top sentence over the index's own answer spans."""

    def __init__(self, engine) -> None:
        import bm25s

        from bot.text.terms import terms

        self.engine = engine
        self.texts = [s.text for s in engine.index.spans]
        self._terms = terms
        self._bm25 = bm25s.BM25()
        self._bm25.index([terms(t) or ["\u2205"] for t in self.texts], show_progress=False)
        self._vocab = {t for text in self.texts for t in terms(text)}

    def bm25_top(self, question: str) -> str:
        known = [t for t in self._terms(question) if t in self._vocab]
        if not known:
            return ""
        scores = self._bm25.get_scores(known)
        return self.texts[int(np.argmax(scores))] if scores.max() > 0 else ""

    def dense_top(self, question: str) -> str:
        q = self.engine.embedder.encode([question])[0]
        return self.texts[int(np.argmax(self.engine.index.span_vectors @ q))]


def evaluate_squad(engine, articles: list[SquadArticle], limit: int | None = None,
                   progress: Callable[[int, int], None] | None = None) -> list[SquadResult]:
    """Ask every question of ``articles`` (at most ``limit`` per article) of an engine built on them."""
    baselines = SentenceBaselines(engine)
    questions = [q for a in articles for q in (a.questions[:limit] if limit else a.questions)]
    results = []
    for n, q in enumerate(questions, start=1):
        # Asked at threshold 0: the would-be answer and its confidence tell any threshold's outcome.
        answer, trace = engine.explain(q.question, (), threshold=0.0)
        results.append(SquadResult(
            q, answer.answered and answer.confidence >= trace.configured_threshold, answer.answer if answer.answered else "",
            answer.citations[0].quote if answer.answered and answer.citations else "",
            answer.confidence, baselines.bm25_top(q.question), baselines.dense_top(q.question),
        ))
        if progress:
            progress(n, len(questions))
    return results


def build_engine(articles: list[SquadArticle], workdir: Path, settings, log: Callable[[str], None]):
    """An engine over a throw-away corpus of ``articles`` in ``workdir`` (the model export is reused)."""
    from bot.engine import Engine

    write_corpus(articles, workdir / "corpus")
    squad_settings = settings.replace(corpus_dir=workdir / "corpus", index_dir=workdir / "embeddings",
                                      model_cache_dir=settings.model_export_dir)
    return Engine.load(squad_settings, progress=log)


@dataclass(frozen=True)
class SquadSplit:
    """One split of the SQuAD articles (split_articles) and an engine over them alone."""

    name: str  # "train" | "validation"
    articles: list[SquadArticle]
    engine: Any


@contextlib.contextmanager
def engines_by_split(squad_file: Path, settings, prefix: str) -> Iterator[list[SquadSplit]]:
    """The training and the validation articles of ``squad_file`` (split_articles), each with an
    engine over them, built once in a temporary folder that lasts as long as the ``with`` block:
    ``python -m bot train`` collects the ranker's examples and, after the fit, the calibration
    leads from the same engines (building them costs about 40 s a time)."""
    articles = read_squad(squad_file)
    train, validation = split_articles([a.title for a in articles])
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        splits = []
        for name, titles in (("train", train), ("validation", validation)):
            chosen = [a for a in articles if a.title in titles]
            splits.append(SquadSplit(name, chosen, build_engine(chosen, Path(tmp) / name, settings, lambda m: None)))
        yield splits


def format_metrics(m: dict[str, Any]) -> str:
    def pct(x: float) -> str:
        return "  -  " if x != x else f"{x:6.1%}"

    return "\n".join([
        f"questions {m['questions']} ({m['answerable']} answerable, {m['unanswerable']} unanswerable)",
        f"  engine: lead right {pct(m['lead_right'])}   first quote right {pct(m['first_quote_right'])}   "
        f"unanswerable abstained {pct(m['unanswerable_abstained'])}   overall {pct(m['overall'])}",
        f"          answered {pct(m['answered_share'])}   lead median {m['lead_chars_p50']:.0f} chars, "
        f"{pct(m['lead_over_500_share'])} over {LONG_ANSWER}",
        f"  BM25 top sentence right {pct(m['bm25_top_sentence_right'])}   "
        f"dense top sentence right {pct(m['dense_top_sentence_right'])}   (baselines never abstain)",
    ])


def _ablate_each(engine, articles: list[SquadArticle], base: list[SquadResult], limit: int | None) -> int:
    """For every rule: how many of these questions it gets right that are wrong without it, and the reverse."""
    from bot.tools.ablation import configure, rules

    right = [r.right for r in base]
    print(f"{len(base)} questions, {sum(right)} right with every rule on\n")
    print(f"{'rule':22s} {'gains':>5s} {'loses':>5s}   (answerable gains/loses, unanswerable gains/loses)")
    for rule in rules():
        off = [r.right for r in evaluate_squad(configure(engine, ablate=[rule]), articles, limit)]
        ans = [r.question.answerable for r in base]
        g = [a and not b for a, b in zip(right, off)]
        lo = [b and not a for a, b in zip(right, off)]
        print(f"{rule:22s} {sum(g):5d} {sum(lo):5d}   ({sum(x for x, a in zip(g, ans) if a)}/{sum(x for x, a in zip(lo, ans) if a)}, "
              f"{sum(x for x, a in zip(g, ans) if not a)}/{sum(x for x, a in zip(lo, ans) if not a)})", flush=True)
    return 0


def cmd_squad_eval(args) -> int:
    """``python -m bot eval --squad FILE [--articles A,B|validation|train|all] [--limit N]``."""
    from bot.tools.ablation import configure, parse_overrides
    from bot.cli import _settings  # settings the same way as every command
    from bot.settings import Settings

    articles = select_articles(read_squad(Path(args.squad)), args.articles)
    print(f"articles: {', '.join(a.title for a in articles)}", file=sys.stderr)
    settings: Settings = _settings(args)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="squad-") as tmp:
        engine = build_engine(articles, Path(tmp), settings, to_stderr)
        built = time.perf_counter() - started
        engine = configure(engine, parse_overrides(args.set or []), args.ablate or [])
        results = evaluate_squad(engine, articles, args.limit, progress=question_progress("squad"))
        if args.ablate_each:
            return _ablate_each(engine, articles, results, args.limit)
    m = squad_metrics(results)
    m["build_seconds"] = built
    print(f"SQuAD: {', '.join(a.title for a in articles)} (built in {built:.0f} s)")
    print(format_metrics(m))
    from bot.cli import confidence_kind

    table, ece = reliability([(r.confidence, r.right) for r in results if r.answered])
    print(f"calibration (answered questions; confidence: {confidence_kind(engine)}):\n"
          "  confidence   n    mean conf  share right")
    for b in table:
        print(f"  {b['from']:.1f}-{b['to']:.1f}  {b['n']:5d}   {b['confidence']:.3f}      {b['right']:.3f}")
    configured = engine.threshold()  # in the confidence's own space (fitted or calibrated)
    best, acc_best, acc_now = best_threshold_of([(r.confidence, r.question.answerable, r.would_be_right)
                                                 for r in results], configured)
    print(f"  expected calibration error: {ece:.3f}\n  abstain_threshold: configured {configured:.2f} gets "
          f"{acc_now:.3f} right; best on these questions {best:.2f} ({acc_best:.3f}) — advice, not applied")
    m.update(best_threshold=best, best_threshold_accuracy=acc_best)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(m, indent=2), encoding="utf-8")
    return 0
