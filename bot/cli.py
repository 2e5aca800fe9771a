"""Command line: ``python -m bot build | ask | eval | ingest | add | lint | report | privacy | train | bench
| count-rules``.

``ask --json`` is a contract other tools rely on: one JSON object per question on stdout
(JSON Lines in, JSON Lines out when no question is given), flushed per line, exit 0 even
when some lines are bad (and for one bad question given as an argument). A person's
``ask "QUESTION"`` without --json exits 1 on a bad question, with the message on stderr.
Progress and warnings go to stderr, never to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, BinaryIO, Iterator, TextIO

from bot.settings import PROJECT_ROOT, Settings


def _settings(args: argparse.Namespace) -> Settings:
    changes: dict[str, Any] = {}  # checked by Settings
    if getattr(args, "corpus", None):
        changes["corpus_dir"] = Path(args.corpus).resolve()
    if getattr(args, "index", None):
        changes["index_dir"] = Path(args.index).resolve()
    if getattr(args, "model", None):
        changes["model"] = str(Path(args.model).resolve())
        changes["model_sha256"] = getattr(args, "model_sha256", None) or ""
    return Settings.from_env().replace(**changes)


def _load_engine(args: argparse.Namespace):
    from bot.engine import Engine

    return Engine.load(_settings(args))


def format_answer(answer) -> str:
    """The human-readable form: the quoted answer, then its numbered citations."""
    if answer.error:
        return f"error: {answer.error}"
    lines = []
    if answer.answered:
        lines.append(answer.answer)
        if answer.supporting:  # beside the lead: other sources, other values, a replacement
            lines.append("")
            lines.append("Also in the sources:")
            first = len(answer.lead) + 1
            lines.extend(f"  [{i}] ({s.why}) \"{_clip(s.citation.quote, 240)}\"" for i, s in enumerate(answer.supporting, start=first))
        lines.append("")
        for i, c in enumerate(answer.citations, start=1):
            lines.append(f"[{i}] {c.title} ({_when(c)}) — {c.doc_id}, characters {c.start}–{c.end}")
        lines.append(f"confidence: {answer.confidence:.2f}")
    else:
        lines.append(answer.answer)
        if answer.suggestions:
            lines.append("")
            lines.append("Closest passages (not an answer):")
            for i, c in enumerate(answer.suggestions, start=1):
                lines.append(f"  {i}. \"{_clip(c.quote)}\" — {c.title} ({_when(c)}), {c.doc_id}")
    if answer.related:
        lines.append("")
        lines.append("Related questions:" if answer.answered else "Questions the sources do answer:")
        lines.extend(f"  - {q}" for q in answer.related)
    return "\n".join(lines)


def _when(c) -> str:
    return (c.date or "undated") + (", archived" if c.archived else "")


def _clip(text: str, n: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _error_object(message: str) -> dict:
    return {"answered": False, "error": message, "answer": "", "citations": [], "confidence": 0, "supporting": []}


def _printable(text: str) -> str:
    """``text`` with lone surrogates (which UTF-8 cannot encode) spelled as ``\\udXXX`` escapes.

    Inside a JSON string that escape is valid JSON for the same character; in plain text it is
    at least visible. Without this, one odd request could stop the batch at the write."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# Characters that some line readers (Python's str.splitlines among them) take as line breaks,
# though JSON leaves them unescaped: escaped, one object stays on one line for every reader.
_LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_line(obj: object) -> str:
    """One JSON Lines record: readable UTF-8, with no character any reader splits a line on."""
    text = json.dumps(obj, ensure_ascii=False)
    for char, escape in _LINE_BREAKS.items():
        text = text.replace(char, escape)
    return text


def _decode_line(line: str | bytes, first: bool) -> str:
    """One input line as text; bytes are decoded as UTF-8 (a BOM on the first line is dropped)."""
    if isinstance(line, str):
        return line
    return line.decode("utf-8-sig" if first else "utf-8")


def _ends_line(line: str | bytes) -> bool:
    return line.endswith(b"\n") if isinstance(line, bytes) else line.endswith("\n")


def _lines(stdin: TextIO | BinaryIO, limit: int) -> Iterator[tuple[str | bytes, bool]]:
    """(line, too_long) for each input line; a line over ``limit`` is skipped in pieces, never held whole."""
    while True:
        line = stdin.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or _ends_line(line):
            yield line, False
            continue
        while line and not _ends_line(line):
            line = stdin.readline(limit)
        yield line[:0], True


def _notices(engine):
    """The notices (bot/data/notices.toml or BOT_NOTICES_FILE), as the web app gives them."""
    from bot.web.notices import Notices

    settings = getattr(engine, "settings", None)
    return Notices.load(getattr(settings, "notices_file", None))


def _with_notices(out, question: str, answer, notices, as_json: bool):
    """The API's ``notices`` field in JSON; in text, the urgent notice first and where to ask
    instead last (as the chat shows them)."""
    if as_json:
        out["notices"] = notices.for_answer(question, answer)
        return out
    lead, trail = notices.leading(question), notices.trailing(answer)
    return (f"{lead}\n\n" if lead else "") + out + (f"\n{trail}\n" if trail else "")


def ask_stream(engine, stdin: TextIO | BinaryIO, stdout: TextIO, as_json: bool, explain: bool = False) -> None:
    """One answer per input line, in order, flushed per line; bad lines get an error object.

    ``stdin`` may be binary (``sys.stdin.buffer``): each line is then decoded by itself, so
    bytes that are not UTF-8 spoil only their own line, which gets an error naming them.
    """
    from bot.answering.explain import Trace, trace_dict, trace_text
    from bot.query.validate import MAX_REQUEST_BYTES, RequestError, parse_line

    notices = _notices(engine)

    for n, (raw, too_long) in enumerate(_lines(stdin, MAX_REQUEST_BYTES)):
        out: Any  # the JSON object when as_json, else the text to print
        if too_long:  # the API's body limit: a longer line is refused unread, as a body would be
            message = f"line {n + 1} is too long: over {MAX_REQUEST_BYTES} bytes"
            stdout.write((json.dumps(_error_object(message)) if as_json else f"error: {message}") + "\n")
            stdout.flush()
            continue
        try:
            line = _decode_line(raw, first=n == 0)
        except UnicodeDecodeError as exc:
            message = f"line {n + 1} is not valid UTF-8: byte 0x{raw[exc.start]:02x} at position {exc.start}"
            out = _error_object(message) if as_json else f"error: {message}\n"
            stdout.write(json.dumps(out) + "\n" if as_json else out)
            stdout.flush()
            continue
        if not line.strip() and not as_json:
            continue
        try:
            request = parse_line(line, max_chars=engine.settings.max_question_chars,
                                 max_turns=engine.settings.max_history_turns)
            trace = Trace(request.question) if explain else None
            answer = engine.ask_request(request, trace)
            out = answer.to_dict() if as_json else format_answer(answer) + "\n"
            if not answer.error:
                out = _with_notices(out, request.question, answer, notices, as_json)
            if trace is not None:
                if as_json:
                    out["explain"] = trace_dict(trace, answer, engine.index)
                else:
                    out += "\n" + trace_text(trace, answer, engine.index) + "\n"
        except RequestError as exc:
            out = _error_object(str(exc)) if as_json else f"error: {exc}\n"
        except Exception as exc:  # one bad question must not end the batch
            out = _error_object(f"internal error: {type(exc).__name__}: {exc}") if as_json else f"error: {exc}\n"
        stdout.write(_printable(json_line(out) + "\n" if as_json else out))
        stdout.flush()


def cmd_ask(args: argparse.Namespace) -> int:
    engine = _load_engine(args)
    if args.question is None:
        ask_stream(engine, sys.stdin.buffer, sys.stdout, args.json, args.explain)
        return 0
    from bot.answering.explain import Trace, trace_dict, trace_text

    trace = Trace(args.question) if args.explain else None
    answer = engine.handle(args.question, trace)
    notices = _notices(engine) if not answer.error else None
    if args.json:
        payload = answer.to_dict()
        if answer.error:
            payload = _error_object(answer.error)
        else:
            payload = _with_notices(payload, args.question, answer, notices, True)
        if trace is not None and not answer.error:
            payload["explain"] = trace_dict(trace, answer, engine.index)
        print(_printable(json_line(payload)), flush=True)
    elif answer.error:  # a person at the shell: the message on stderr and a failing status
        print(_printable(format_answer(answer)), file=sys.stderr)
        return 1
    else:
        print(_printable(_with_notices(format_answer(answer), args.question, answer, notices, False).rstrip("\n")))
        if trace is not None:
            print("\n" + _printable(trace_text(trace, answer, engine.index)))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from bot.corpus.documents import load_corpus
    from bot.index.embed import make_embedder
    from bot.index.store import open_index

    settings = _settings(args)
    started = time.perf_counter()
    documents, skipped = load_corpus(settings.corpus_dir)
    index, rebuilt = open_index(settings.index_dir, documents, make_embedder(settings), settings.chunk_max_tokens, force=args.force)
    counts = index.manifest["counts"]
    verb = "built" if rebuilt else "up to date:"
    print(f"{verb} {counts['documents']} documents, {counts['chunks']} chunks, {counts['spans']} spans "
          f"in {time.perf_counter() - started:.1f}s -> {settings.index_dir}")
    for s in skipped:
        print(f"skipped {s.path}: {s.reason}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.tools import evaluate as ev
    from bot.tools.ablation import configure, parse_overrides
    from bot.progress import question_progress

    if args.list_rules:
        from bot.tools.ablation import COMPONENTS, weight_rules

        for rule in weight_rules():
            print(f"{rule:22s} scoring weight (answer.Weights; off = 0)")
        for rule, about in COMPONENTS.items():
            print(f"{rule:22s} {about}")
        return 0
    if args.squad:
        from bot.tools.squad import cmd_squad_eval

        return cmd_squad_eval(args)
    if not args.file and not args.all:
        raise ValueError("name a question set (e.g. tests/data/eval.jsonl), or --all, or --squad FILE")
    if args.file and args.all:
        raise ValueError("give a question set or --all, not both")
    if args.all:
        sets = ev.read_sets(Path(args.sets))
    else:  # one file: measure-only if sets.toml says so
        path = Path(args.file).resolve()
        known = {qs.path.resolve(): qs for qs in ev.read_sets(Path(args.sets))} if Path(args.sets).is_file() else {}
        sets = [known.get(path) or ev.QuestionSet(re.sub(r"\W+", "_", path.stem.lower()), path, False)]
    overrides = parse_overrides(args.set or [])
    engine = configure(_load_engine(args), overrides, args.ablate or [])
    rows = {qs.name: ev.read_rows(qs.path) for qs in sets}
    if args.typos:
        rows = {name: ev.with_typos(r) for name, r in rows.items()}
    if args.ablate_each:
        return _ablate_each(engine, [qs for qs in sets if not qs.measure_only], rows)
    reports: dict[str, tuple] = {}
    for qs in sets:
        report = ev.evaluate(engine, rows[qs.name], progress=question_progress(qs.name))
        reports[qs.name] = (qs, report)
        if args.all:
            _print_set_line(qs, report)
        else:
            _print_metrics(report)
        if not qs.measure_only and (args.rows or not args.all):
            _print_rows(report, only_failures=not args.rows)
    if args.all:
        _print_totals(reports)
    _print_calibration(engine, [r for qs, rep in reports.values() if not qs.measure_only for r in rep.results])
    record = ev.baseline_record(reports)
    if args.baseline:
        _print_diff(ev.diff_baseline(ev.read_baseline(Path(args.baseline)), record))
    if args.save_baseline:
        Path(args.save_baseline).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"baseline saved to {args.save_baseline}", file=sys.stderr)
    if args.json_out:
        metrics = {name: rep.metrics for name, (qs, rep) in reports.items()}
        Path(args.json_out).write_text(json.dumps(metrics if args.all else next(iter(metrics.values())), indent=2),
                                       encoding="utf-8")
    return 0


def _print_metrics(report) -> None:
    for name, value in report.metrics.items():
        print(f"{name:28s} {value:.3f}" if isinstance(value, float) else f"{name:28s} {value}")


def _fmt(x: float) -> str:
    return "  -  " if x != x else f"{x:.3f}"  # NaN: no such rows in the set


def _print_set_line(qs, report) -> None:
    m = report.metrics
    tag = "measure-only" if qs.measure_only else "development"
    print(f"{qs.name:8s} {tag:12s} n={m['questions']:<4d} answerable {_fmt(m['answerable_hit_rate'])}  "
          f"abstained {_fmt(m['unanswerable_abstain_rate'])}  follow-ups {_fmt(m['followup_hit_rate'])}  "
          f"verbatim {_fmt(m['verbatim_rate'])}  lead p50 {m['lead_chars_p50']:.0f} chars, "
          f"{m['lead_over_500_share']:.1%} over 500", flush=True)


def _print_rows(report, only_failures: bool) -> None:
    for r in report.results:
        if only_failures and r.correct and r.verbatim:
            continue
        mark = "ok  " if r.correct else "MISS"
        lead = "ABSTAINED" if not r.answer.answered else _clip(r.answer.answer, 80)
        print(f"    {mark} {r.row.id:10s} [{r.row.kind}] ({r.answer.confidence:.2f}) {lead}")
        if not r.correct:
            want = "abstain" if not r.row.answerable else r.row.expected_text
            print(f"         question: {r.row.question!r}  want: {want}")


def _print_totals(reports) -> None:
    for measure_only in (False, True):
        results = [r for qs, rep in reports.values() if qs.measure_only == measure_only for r in rep.results]
        if not results:
            continue
        from bot.tools.evaluate import Report

        m = Report(results).metrics
        label = "all measure-only sets" if measure_only else "all development sets"
        print(f"{label}: answerable {_fmt(m['answerable_hit_rate'])}, abstained {_fmt(m['unanswerable_abstain_rate'])}, "
              f"follow-ups {_fmt(m['followup_hit_rate'])} ({m['questions']} questions)")


def _print_calibration(engine, results) -> None:
    """Reliability table, expected calibration error, and the best thresholds (advice only)."""
    from bot.tools.evaluate import best_threshold, calibration

    if not results:
        return
    table, ece = calibration(results)
    print(f"\ncalibration (answered questions of the development sets run; confidence: {confidence_kind(engine)}):")
    print("  confidence   n    mean conf  share right")
    for b in table:
        print(f"  {b['from']:.1f}-{b['to']:.1f}  {b['n']:5d}   {b['confidence']:.3f}      {b['right']:.3f}")
    print(f"  expected calibration error: {_fmt(ece)}")
    for name in ("abstain_threshold", "followup_abstain_threshold"):
        # The thresholds in use, in the confidence's own space (fitted or calibrated ones included).
        configured = engine.threshold(leans_on_answer=name.startswith("followup"))
        best, acc_best, acc_now = best_threshold(results, configured)
        if acc_now == acc_now:
            print(f"  {name}: configured {configured:.2f} gets {acc_now:.3f} of its rows right; "
                  f"best on these rows {best:.2f} ({acc_best:.3f}) — advice, not applied")


def confidence_kind(engine) -> str:
    """What the reported confidence is, in a few words."""
    if engine.extractor.confidence_scorer is not None:
        return "the fitted confidence model"
    if engine.extractor.calibrator is not None:
        return f"calibrated ({engine.extractor.calibrator.variant}) P(lead right)"
    return "the hand-set score, uncalibrated"


def _print_diff(diffs) -> None:
    print("\nsince the baseline:")
    for d in diffs:
        if d.figures and not (d.gained or d.lost or d.added or d.removed):
            moved = [f"{k} {a:.3f}->{b:.3f}" for k, (a, b) in d.figures.items()
                     if k != "questions" and a == a and b == b and abs(a - b) > 1e-9]
            print(f"  {d.name}: " + (", ".join(moved) if moved else "unchanged"))
            continue
        parts = [f"gained {len(d.gained)}: {' '.join(d.gained)}" if d.gained else "",
                 f"lost {len(d.lost)}: {' '.join(d.lost)}" if d.lost else "",
                 f"new rows {len(d.added)}" if d.added else "", f"rows gone {len(d.removed)}" if d.removed else ""]
        print(f"  {d.name}: " + ("; ".join(p for p in parts if p) or "unchanged"))


def _ablate_each(engine, sets, rows) -> int:
    """For every rule: the development rows it gains (lost when it is off) and loses (gained)."""
    from bot.tools.ablation import configure, rules
    from bot.tools.evaluate import evaluate

    def outcomes(e) -> dict[str, bool]:
        return {f"{qs.name}/{k}": v for qs in sets for k, v in evaluate(e, rows[qs.name]).outcomes().items()}

    base = outcomes(engine)
    print(f"{len(base)} development rows, {sum(base.values())} right with every rule on\n")
    print(f"{'rule':22s} {'gains':>5s} {'loses':>5s}  rows it gains | rows it loses")
    for rule in rules():
        started = time.perf_counter()
        off = outcomes(configure(engine, ablate=[rule]))
        gains = sorted(k for k in base if base[k] and not off[k])
        loses = sorted(k for k in base if off[k] and not base[k])
        print(f"{rule:22s} {len(gains):5d} {len(loses):5d}  {' '.join(gains) or '-'} | {' '.join(loses) or '-'}", flush=True)
        print(f"  ({time.perf_counter() - started:.0f}s)", file=sys.stderr)
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from bot.corpus.ingest import ingest, load_vocabulary

    settings = _settings(args)
    vocab_file = settings.model_path / "vocab.txt"
    vocabulary = load_vocabulary(vocab_file) if vocab_file.is_file() else None
    for path in ingest(Path(args.seeds), Path(args.sources), settings.corpus_dir, vocabulary):
        print(f"wrote {path}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from bot.corpus.add import add_files
    from bot.corpus.documents import load_corpus

    settings = _settings(args)
    documents: list = []
    if settings.corpus_dir.is_dir() and any(settings.corpus_dir.iterdir()):
        documents, _ = load_corpus(settings.corpus_dir, warn=lambda _: None)
    vocabulary = None  # mends words broken by a stray space in text files ("responsib le"), as ingest does
    try:
        vocab_file = settings.model_path / "vocab.txt"
    except RuntimeError:  # no bundled model installed: text is added unmended
        vocab_file = None
    if vocab_file is not None and vocab_file.is_file():
        from bot.corpus.ingest import load_vocabulary

        vocabulary = load_vocabulary(vocab_file)
    from bot.corpus.sources import SUFFIX_KINDS

    paths: list[Path] = []
    for given in map(Path, args.paths):  # a folder stands for the source files in it
        paths += sorted(p for p in given.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIX_KINDS) \
            if given.is_dir() else [given]
    outcomes = add_files(paths, settings.corpus_dir, documents,
                         max_bytes=settings.max_source_mb * 1024 * 1024, vocabulary=vocabulary)
    for outcome in outcomes:
        print(outcome.line())
    added = [o for o in outcomes if o.status == "added"]
    if added and not args.no_index:
        from bot.index.embed import make_embedder
        from bot.index.store import open_index

        documents, _ = load_corpus(settings.corpus_dir)
        index, _ = open_index(settings.index_dir, documents, make_embedder(settings), settings.chunk_max_tokens)
        print(f"index: {index.manifest['counts']['documents']} documents; embedded "
              f"{index.manifest.get('embedded', 0)} new texts -> {settings.index_dir}")
    return 0 if len(added) == len(outcomes) else 1


def cmd_lint(args: argparse.Namespace) -> int:
    from collections import Counter

    from bot.tools.lint import lint

    findings = lint(_load_engine(args), max_age_years=args.max_age_years, k=args.k)
    if args.json:
        print(json.dumps({"findings": [f.to_dict() for f in findings],
                          "counts": dict(Counter(f.kind for f in findings))}, ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            print(finding.line())
        counts = Counter(f.kind for f in findings)
        print(f"{len(findings)} findings" + (": " + ", ".join(f"{n} {k}" for k, n in counts.items()) if counts else ""))
    return 0


def _stores(settings):
    from bot.web.feedback import FeedbackStore
    from bot.web.outcomes import OutcomeLog

    private = {"retention_days": settings.retention_days, "keep_question_text": settings.keep_question_text}
    return (FeedbackStore(settings.data_dir / "feedback.sqlite3", **private),
            OutcomeLog(settings.data_dir / "outcomes.sqlite3", **private))


def _period(args: argparse.Namespace) -> tuple[str, str]:
    """(since, until) as ISO dates, until excluded; --until names the last day included."""
    from datetime import date, timedelta

    try:
        until = date.fromisoformat(args.until) + timedelta(days=1) if args.until else None
        since = date.fromisoformat(args.since) if args.since else (until or date.today() + timedelta(days=1)) - timedelta(days=args.days)
    except ValueError as exc:
        raise ValueError(f"dates must be YYYY-MM-DD ({exc})") from None
    return since.isoformat(), until.isoformat() if until else ""


def cmd_report(args: argparse.Namespace) -> int:
    from bot.corpus.documents import load_corpus
    from bot.tools.report import build_report, plot

    settings = _settings(args)
    since, until = _period(args)
    votes, outcomes = _stores(settings)
    documents = {}
    try:
        documents = {d.doc_id: d for d in load_corpus(settings.corpus_dir, warn=lambda _: None)[0]}
    except Exception as exc:  # the counts are still worth having without passage texts
        print(f"report: corpus not read ({exc}); passages are shown without their text", file=sys.stderr)

    def encode(texts):
        from bot.index.embed import make_embedder

        return make_embedder(settings).encode(texts)

    report = build_report(outcomes.outcomes(since, until), votes.votes(since, until), documents, encode, since, until)
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if args.json else report.text())
    if args.plot:
        print(f"plot: {plot(report, Path(args.plot))}", file=sys.stderr)
    return 0


def cmd_privacy(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    settings = _settings(args)
    votes, outcomes = _stores(settings)  # opening purges rows past the retention period
    if args.action == "export":
        out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
        try:
            for v in votes.votes():
                out.write(json_line({"store": "votes"} | asdict(v)) + "\n")
            for o in outcomes.outcomes():
                out.write(json_line({"store": "outcomes"} | asdict(o)) + "\n")
        finally:
            if args.out:
                out.close()
    else:
        print(f"deleted {votes.delete_all()} votes and {outcomes.delete_all()} question outcomes "
              f"from {settings.data_dir}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Cited, extractive answers from the sources.")
    parser.add_argument("--corpus", help="corpus folder (default: corpus/ or $BOT_CORPUS_DIR)")
    parser.add_argument("--index", help="index folder (default: embeddings/ or $BOT_INDEX_DIR)")
    parser.add_argument("--model", help="sentence-transformers model folder (default: the bundled all-MiniLM-L6-v2)")
    parser.add_argument("--model-sha256", help="expected SHA-256 of the model's model.safetensors")
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer a question (or JSON Lines / text lines on stdin)")
    ask.add_argument("question", nargs="?", help="the question; omit to read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print JSON objects instead of text")
    ask.add_argument("--explain", action="store_true",
                     help="also show how the answer was chosen: retrieval ranks, score parts, confidence, threshold")
    ask.set_defaults(func=cmd_ask)

    build = sub.add_parser("build", help="build or refresh the index in embeddings/")
    build.add_argument("--force", action="store_true", help="rebuild even if the index is current")
    build.set_defaults(func=cmd_build)

    ev = sub.add_parser("eval", help="score answers on question sets (one file, --all, or --squad)")
    ev.add_argument("file", nargs="?", help="e.g. tests/data/eval.jsonl")
    ev.add_argument("--all", action="store_true", help="every set listed in tests/data/sets.toml, one line each")
    ev.add_argument("--sets", default=str(PROJECT_ROOT / "tests" / "data" / "sets.toml"), help="the list of sets")
    ev.add_argument("--rows", action="store_true", help="with --all: every row of the development sets")
    ev.add_argument("--json-out", help="also write the metrics to this JSON file")
    ev.add_argument("--typos", action="store_true", help="put one typo in each question first (seeded)")
    ev.add_argument("--save-baseline", metavar="FILE", help="store each development row's outcome (and every set's figures)")
    ev.add_argument("--baseline", metavar="FILE", help="print the rows gained and lost since this baseline")
    ev.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a weight or threshold for this run")
    ev.add_argument("--ablate", action="append", metavar="RULE", help="turn a rule off for this run (see --list-rules)")
    ev.add_argument("--ablate-each", action="store_true", help="for every rule, the development rows it gains and loses")
    ev.add_argument("--list-rules", action="store_true", help="print the rules --ablate knows and exit")
    ev.add_argument("--squad", metavar="FILE", help="a SQuAD 2.0 JSON file: build a throw-away corpus from its articles")
    ev.add_argument("--articles", help="with --squad: comma-separated article titles, or 'validation' / 'train'")
    ev.add_argument("--limit", type=int, help="with --squad: at most this many questions per article")
    ev.set_defaults(func=cmd_eval)

    ing = sub.add_parser("ingest", help="clean the seed pages into corpus/ files")
    ing.add_argument("seeds", help="folder of raw seed pages, e.g. ../shared/seeds")
    ing.add_argument("--sources", default=str(PROJECT_ROOT / "sources.toml"), help="titles and publishers per seed")
    ing.set_defaults(func=cmd_ingest)
    add = sub.add_parser("add", help="add saved web pages (.html), PDFs, .txt or .md files to the corpus")
    add.add_argument("paths", nargs="+", help="files to add (a folder: the .html/.htm/.pdf/.txt/.md files in it)")
    add.add_argument("--no-index", action="store_true", help="only write corpus files; don't refresh the index")
    add.set_defaults(func=cmd_add)

    lint = sub.add_parser("lint", help="check the corpus: undated, old, unreached, duplicate and superseded text")
    lint.add_argument("--max-age-years", type=float, default=5.0, help="flag documents dated longer ago (default 5)")
    lint.add_argument("--k", type=int, default=3, help="a passage is reached if some other text retrieves it in the top K")
    lint.add_argument("--json", action="store_true", help="print the findings as one JSON object")
    lint.set_defaults(func=cmd_lint)

    rep = sub.add_parser("report", help="questions answered and abstained, down-voted passages, refused topics")
    rep.add_argument("--days", type=int, default=30, help="the period: the last N days (default 30)")
    rep.add_argument("--since", help="first day, YYYY-MM-DD (instead of --days)")
    rep.add_argument("--until", help="last day included, YYYY-MM-DD (default: today)")
    rep.add_argument("--json", action="store_true", help="print the report as one JSON object")
    rep.add_argument("--plot", help="also write a PNG of answered/abstained per day to this file")
    rep.set_defaults(func=cmd_report)

    priv = sub.add_parser("privacy", help="export or delete what the app stored about questions and votes")
    priv.add_argument("action", choices=("export", "delete"))
    priv.add_argument("--out", help="export to this file (JSON Lines) instead of stdout")
    priv.set_defaults(func=cmd_privacy)

    tr = sub.add_parser("train", help="fit the answer scorer from SQuAD articles and the development sets (seeded)")
    tr.add_argument("--squad", help="SQuAD 2.0 JSON (default: ../shared/data/squad/train-8-articles.json)")
    tr.add_argument("--out", help="where to write the scorer (default: bot/data/scorer.json)")
    tr.add_argument("--limit", type=int, help="at most this many questions per article (a quick trial)")
    tr.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength of the confidence model")
    tr.set_defaults(func=lambda args: __import__("bot.tools.train", fromlist=["cmd_train"]).cmd_train(args))
    cr = sub.add_parser("count-rules", help="count the hand-set items of the answering stage (issue 21), by file and kind")
    cr.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    cr.add_argument("--list", action="store_true", help="also list every item with its file and line")
    cr.set_defaults(func=lambda args: __import__("bot.tools.handset", fromlist=["cmd_count_rules"]).cmd_count_rules(args))
    # Listed for --help; main() hands "bench ..." to bot.tools.bench, which has its own flags.
    sub.add_parser("bench", help="measure speed and scale, write BENCHMARKS.md (python -m bot bench --help)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # the benchmark parses its own flags (python -m bot bench --help)
        from bot.tools.bench import main as bench_main

        return bench_main(argv[1:])
    args = build_parser().parse_args(argv)
    from bot.corpus.documents import CorpusError
    from bot.index.embed import ModelError

    try:
        return args.func(args)
    except BrokenPipeError:
        # The reader has gone (`ask ... | head -1`): it has what it wanted. Point stdout at
        # /dev/null so the flush at exit doesn't complain, and end quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (CorpusError, ModelError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
