"""Command line: ``python -m bot build | ask | eval | ingest | bench``.

``ask --json`` is a contract other tools rely on: one JSON object per question on stdout
(JSON Lines in, JSON Lines out when no question is given), flushed per line, exit 0 even
when some lines are bad (and for one bad question given as an argument). A person's
``ask "QUESTION"`` without --json exits 1 on a bad question, with the message on stderr.
Progress and warnings go to stderr, never to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import BinaryIO, TextIO

from .settings import PROJECT_ROOT, Settings


def _settings(args: argparse.Namespace) -> Settings:
    changes = {}
    if getattr(args, "corpus", None):
        changes["corpus_dir"] = Path(args.corpus).resolve()
    if getattr(args, "index", None):
        changes["index_dir"] = Path(args.index).resolve()
    if getattr(args, "model", None):
        changes["model"] = str(Path(args.model).resolve())
        changes["model_sha256"] = getattr(args, "model_sha256", None) or ""
    return Settings.from_env().replace(**changes)


def _load_engine(args: argparse.Namespace):
    from .engine import Engine

    return Engine.load(_settings(args))


def format_answer(answer) -> str:
    """The human-readable form: the quoted answer, then its numbered citations."""
    if answer.error:
        return f"error: {answer.error}"
    lines = []
    if answer.answered:
        lines.append(answer.answer)
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
    return {"answered": False, "error": message, "answer": "", "citations": [], "confidence": 0}


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


def ask_stream(engine, stdin: TextIO | BinaryIO, stdout: TextIO, as_json: bool) -> None:
    """One answer per input line, in order, flushed per line; bad lines get an error object.

    ``stdin`` may be binary (``sys.stdin.buffer``): each line is then decoded by itself, so
    bytes that are not UTF-8 spoil only their own line, which gets an error naming them.
    """
    from .validate import RequestError, parse_line

    for n, raw in enumerate(stdin):
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
            answer = engine.ask_request(request)
            out = answer.to_dict() if as_json else format_answer(answer) + "\n"
        except RequestError as exc:
            out = _error_object(str(exc)) if as_json else f"error: {exc}\n"
        except Exception as exc:  # one bad question must not end the batch
            out = _error_object(f"internal error: {type(exc).__name__}: {exc}") if as_json else f"error: {exc}\n"
        stdout.write(_printable(json_line(out) + "\n" if as_json else out))
        stdout.flush()


def cmd_ask(args: argparse.Namespace) -> int:
    engine = _load_engine(args)
    if args.question is None:
        ask_stream(engine, sys.stdin.buffer, sys.stdout, args.json)
        return 0
    answer = engine.handle(args.question)
    if args.json:
        payload = answer.to_dict()
        if answer.error:
            payload = _error_object(answer.error)
        print(_printable(json_line(payload)), flush=True)
    elif answer.error:  # a person at the shell: the message on stderr and a failing status
        print(_printable(format_answer(answer)), file=sys.stderr)
        return 1
    else:
        print(_printable(format_answer(answer)))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .corpus import load_corpus
    from .embed import make_embedder
    from .index import open_index

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
    from .evaluate import evaluate, read_rows, with_typos

    rows = read_rows(Path(args.file))
    if args.typos:
        rows = with_typos(rows)
    engine = _load_engine(args)
    report = evaluate(engine, rows)
    for name, value in report.metrics.items():
        print(f"{name:28s} {value:.3f}" if isinstance(value, float) else f"{name:28s} {value}")
    failures = report.failures()
    if failures:
        print(f"\n{len(failures)} failed:")
        for r in failures:
            got = "ABSTAINED" if not r.answer.answered else _clip(r.answer.answer, 160)
            want = "abstain" if not r.row.answerable else r.row.expected_text
            print(f"  {r.row.id} [{r.row.kind}] {r.row.question!r}\n      want: {want}\n      got ({r.answer.confidence:.2f}): {got}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report.metrics, indent=2), encoding="utf-8")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from .ingest import ingest, load_vocabulary

    settings = _settings(args)
    vocab_file = settings.model_path / "vocab.txt"
    vocabulary = load_vocabulary(vocab_file) if vocab_file.is_file() else None
    for path in ingest(Path(args.seeds), Path(args.sources), settings.corpus_dir, vocabulary):
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Cited, extractive answers about who runs the Met.")
    parser.add_argument("--corpus", help="corpus folder (default: corpus/ or $BOT_CORPUS_DIR)")
    parser.add_argument("--index", help="index folder (default: embeddings/ or $BOT_INDEX_DIR)")
    parser.add_argument("--model", help="sentence-transformers model folder (default: the bundled all-MiniLM-L6-v2)")
    parser.add_argument("--model-sha256", help="expected SHA-256 of the model's model.safetensors")
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer a question (or JSON Lines / text lines on stdin)")
    ask.add_argument("question", nargs="?", help="the question; omit to read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print JSON objects instead of text")
    ask.set_defaults(func=cmd_ask)

    build = sub.add_parser("build", help="build or refresh the index in embeddings/")
    build.add_argument("--force", action="store_true", help="rebuild even if the index is current")
    build.set_defaults(func=cmd_build)

    ev = sub.add_parser("eval", help="score answers on a JSON Lines question set")
    ev.add_argument("file", help="e.g. tests/data/eval.jsonl")
    ev.add_argument("--json-out", help="also write the metrics to this JSON file")
    ev.add_argument("--typos", action="store_true", help="put one typo in each question first (seeded)")
    ev.set_defaults(func=cmd_eval)

    ing = sub.add_parser("ingest", help="clean the seed pages into corpus/ files")
    ing.add_argument("seeds", help="folder of raw seed pages, e.g. ../shared/seeds")
    ing.add_argument("--sources", default=str(PROJECT_ROOT / "sources.toml"), help="titles and publishers per seed")
    ing.set_defaults(func=cmd_ingest)
    # Listed for --help; main() hands "bench ..." to bot.bench, which has its own flags.
    sub.add_parser("bench", help="measure speed and scale, write BENCHMARKS.md (python -m bot bench --help)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # the benchmark parses its own flags (python -m bot bench --help)
        from .bench import main as bench_main

        return bench_main(argv[1:])
    args = build_parser().parse_args(argv)
    from .corpus import CorpusError
    from .embed import ModelError

    try:
        return args.func(args)
    except (CorpusError, ModelError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
