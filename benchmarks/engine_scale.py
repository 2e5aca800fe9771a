"""The whole engine (``Engine.ask``, not only the index) on a large corpus of real prose.

Builds a corpus of about N chunks from SQuAD 2.0-format articles, each article repeated under
distinct ids (copies share their texts, so the embedding cache embeds each text once), then
times warm ``Engine.ask`` on the articles' own questions and reports the process's peak memory.

    python benchmarks/engine_scale.py --chunks 10000 [--questions 200] [--squad FILE]

Prints one JSON line (chunks, spans, build seconds, p50/p95 ms, peak RSS MB); BENCHMARKS.md
quotes it. Loopback only: nothing here opens a socket.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bot.settings import Settings  # noqa: E402
from bot.squad import DEFAULT_SQUAD_FILE, read_squad  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000, help="about this many chunks")
    parser.add_argument("--questions", type=int, default=200, help="questions timed (after 20 to warm up)")
    parser.add_argument("--squad", default=str(DEFAULT_SQUAD_FILE))
    args = parser.parse_args()

    from bot.engine import Engine

    articles = read_squad(Path(args.squad))
    settings = Settings.from_env()
    with tempfile.TemporaryDirectory(prefix="engine-scale-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        # One copy first, to learn how many chunks a copy makes (and fill the embedding cache).
        for a in articles:
            (corpus / f"c0-{a.file_name}").write_text(a.text, encoding="utf-8")
        log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
        base = Settings.from_env().replace(corpus_dir=corpus, index_dir=Path(tmp) / "index",
                                           model_cache_dir=settings.model_export_dir)
        per_copy = len(Engine.load(base, progress=log).index.chunks)
        copies = max(1, round(args.chunks / per_copy))
        for c in range(1, copies):
            for a in articles:
                (corpus / f"c{c}-{a.file_name}").write_text(a.text, encoding="utf-8")
        started = time.perf_counter()
        engine = Engine.load(base, progress=log)
        build = time.perf_counter() - started
        questions = [q.question for a in articles for q in a.questions]
        random.Random(0).shuffle(questions)
        for q in questions[:20]:
            engine.ask(q)
        times = []
        for q in questions[20:20 + args.questions]:
            t = time.perf_counter()
            engine.ask(q)
            times.append((time.perf_counter() - t) * 1000)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({
            "chunks": len(engine.index.chunks), "spans": len(engine.index.spans), "documents": len(engine.index.documents),
            "build_seconds": round(build, 1), "questions": len(times),
            "p50_ms": round(float(np.percentile(times, 50)), 1), "p95_ms": round(float(np.percentile(times, 95)), 1),
            "peak_rss_mb": round(peak_mb),
        }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
