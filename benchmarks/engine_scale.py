"""The whole engine (``Engine.ask``, not only the index) on a large corpus of real prose.

Builds a corpus of about N chunks from SQuAD 2.0-format articles, each article repeated under
distinct ids (copies share their texts, so the embedding cache embeds each text once), and its
index, in one process; then, in a fresh process as a server would be, loads the engine from that
index (start-up time), times warm ``Engine.ask`` on the articles' own questions and reports that
process's peak memory. Building is measured apart because it holds every vector several times
over while it embeds and indexes; a server only loads what was built.

    python benchmarks/engine_scale.py --chunks 10000 [--questions 200] [--squad FILE] [--workdir DIR]

With ``--workdir`` the corpus and index are kept there and reused by the next run of the same
size (only the serving half is measured again). Prints one JSON line (chunks, spans, build
seconds and peak RSS, start-up seconds, RSS once the index is loaded and once the whole engine is,
p50/p95 ms, serving peak RSS MB);
BENCHMARKS.md quotes it. Loopback only: nothing here opens a socket.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bot.settings import Settings  # noqa: E402
from bot.tools.squad import DEFAULT_SQUAD_FILE, read_squad  # noqa: E402


def _settings(work: Path) -> Settings:
    settings = Settings.from_env()
    return settings.replace(corpus_dir=work / "corpus", index_dir=work / "index", model_cache_dir=settings.model_export_dir)


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _rss_mb() -> int:
    """The process's resident memory now (Linux), to tell what start-up keeps from its peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024)
    return 0


def build(args: argparse.Namespace, work: Path) -> dict:
    """Write the corpus (as many copies as make about ``args.chunks`` chunks) and build its index."""
    from bot.engine import Engine

    articles = read_squad(Path(args.squad))
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    # One copy first, to learn how many chunks a copy makes (and fill the embedding cache).
    for a in articles:
        (corpus / f"c0-{a.file_name}").write_text(a.text, encoding="utf-8")
    per_copy = len(Engine.load(_settings(work), progress=log).index.chunks)
    copies = max(1, round(args.chunks / per_copy))
    for c in range(1, copies):
        for a in articles:
            (corpus / f"c{c}-{a.file_name}").write_text(a.text, encoding="utf-8")
    started = time.perf_counter()
    from bot.corpus.documents import load_corpus
    from bot.index.embed import make_embedder
    from bot.index.store import open_index

    settings = _settings(work)
    documents, _ = load_corpus(settings.corpus_dir, warn=log)
    open_index(settings.index_dir, documents, make_embedder(settings), settings.chunk_max_tokens, log)
    return {"build_seconds": round(time.perf_counter() - started, 1), "build_peak_rss_mb": _peak_mb()}


def serve(args: argparse.Namespace, work: Path) -> dict:
    """Load the engine from the built index and time warm questions (a fresh process: a server's)."""
    from bot.corpus.documents import load_corpus
    from bot.index.embed import make_embedder
    from bot.engine import Engine
    from bot.index.store import open_index

    # What Engine.load does, in two steps, to tell the index's memory from the rest of the engine's.
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    started = time.perf_counter()
    settings = _settings(work)
    embedder = make_embedder(settings)
    documents, _ = load_corpus(settings.corpus_dir, warn=log)
    index, _ = open_index(settings.index_dir, documents, embedder, settings.chunk_max_tokens, log)
    index_mb = _rss_mb()
    engine = Engine.from_index(settings, embedder, index)
    startup = time.perf_counter() - started
    loaded_mb = _rss_mb()
    articles = read_squad(Path(args.squad))
    questions = [q.question for a in articles for q in a.questions]
    random.Random(0).shuffle(questions)
    for q in questions[:20]:
        engine.ask(q)
    times = []
    for q in questions[20:20 + args.questions]:
        t = time.perf_counter()
        engine.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    return {
        "chunks": len(engine.index.chunks), "spans": len(engine.index.spans), "documents": len(engine.index.documents),
        "startup_seconds": round(startup, 1), "rss_after_index_mb": index_mb, "rss_after_startup_mb": loaded_mb, "questions": len(times),
        "p50_ms": round(float(np.percentile(times, 50)), 1), "p95_ms": round(float(np.percentile(times, 95)), 1),
        "peak_rss_mb": _peak_mb(),
    }


def _child(stage: str, args: argparse.Namespace, work: Path) -> dict:
    cmd = [sys.executable, __file__, "--stage", stage, "--workdir", str(work), "--chunks", str(args.chunks),
           "--questions", str(args.questions), "--squad", args.squad]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000, help="about this many chunks")
    parser.add_argument("--questions", type=int, default=200, help="questions timed (after 20 to warm up)")
    parser.add_argument("--squad", default=str(DEFAULT_SQUAD_FILE))
    parser.add_argument("--workdir", help="keep the corpus and index here, and reuse them on the next run")
    parser.add_argument("--stage", choices=("build", "serve"), help=argparse.SUPPRESS)  # the child processes
    args = parser.parse_args()
    if args.stage:
        work = Path(args.workdir)
        print(json.dumps(build(args, work) if args.stage == "build" else serve(args, work)))
        return 0
    with tempfile.TemporaryDirectory(prefix="engine-scale-") as tmp:
        work = Path(args.workdir) / f"chunks-{args.chunks}" if args.workdir else Path(tmp)
        built = work / "built.json"
        if built.is_file():
            result = json.loads(built.read_text())
        else:
            result = _child("build", args, work)
            built.write_text(json.dumps(result))
        print(json.dumps(_child("serve", args, work) | result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
