"""Index integrity under crashes and races: a build killed with SIGKILL midway leaves the previous
index loadable without a rebuild, and two builds at once leave one clean generation.

The fast tests run a build in a subprocess with a slowed-down hashing embedder, so the kill
lands inside embedding every time; the ``integration`` ones do the same with the real
``python -m bot build --force`` and the bundled model (a few seconds each).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from filelock import FileLock

from bot.corpus.documents import load_corpus
from bot.index.embed import HashingEmbedder
from bot.engine import Engine
from bot.index.store import CACHE_DIR, MANIFEST, expected_manifest, load_index, open_index
from bot.settings import PROJECT_ROOT

# A build in its own process whose embedder announces each batch on stderr and then dawdles,
# so the parent can kill it (or race it) while it is embedding. Same fingerprint as the
# plain HashingEmbedder, so the parent can load what it builds.
BUILD_SCRIPT = """
import sys, time
from pathlib import Path
from bot.corpus.documents import load_corpus
from bot.index.embed import HashingEmbedder
from bot.index.store import open_index

class SlowHashing(HashingEmbedder):
    def encode(self, texts):
        print("embedding batch", file=sys.stderr, flush=True)
        time.sleep(float(sys.argv[3]))
        return super().encode(texts)

docs, _ = load_corpus(Path(sys.argv[1]), warn=lambda _: None)
index, rebuilt = open_index(Path(sys.argv[2]), docs, SlowHashing(), 200, log=lambda m: print(m, file=sys.stderr, flush=True), force=True)
print(index.manifest["generation"], flush=True)
"""


def start_build(corpus: Path, index_dir: Path, delay_s: float) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    return subprocess.Popen([sys.executable, "-c", BUILD_SCRIPT, str(corpus), str(index_dir), str(delay_s)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=PROJECT_ROOT)


def wait_for_line(proc: subprocess.Popen, needle: str, timeout_s: float = 120) -> list[str]:
    """Read ``proc``'s stderr until a line contains ``needle``; the lines read so far."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            raise AssertionError(f"process ended before {needle!r}: {''.join(lines)}")
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"no {needle!r} within {timeout_s} s: {''.join(lines)}")


def generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("g"))


def leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.endswith(".tmp"))


def assert_loads_cleanly(corpus: Path, index_dir: Path, embedder, expect_generation: str | None = None):
    """The index loads as it is (no rebuild), and an engine on it answers with true quotes."""
    docs, _ = load_corpus(corpus, warn=lambda _: None)
    index = load_index(index_dir, docs, expected_manifest(docs, embedder, 200))  # raises StaleIndex if not
    if expect_generation is not None:
        assert index.manifest["generation"] == expect_generation
    return index


def manifest_generation(index_dir: Path) -> str:
    return json.loads((index_dir / MANIFEST).read_text())["generation"]


# ---------------------------------------------------------------------- fast (hashing)


def test_build_killed_midway_leaves_the_previous_index(tiny_settings):
    corpus, index_dir = tiny_settings.corpus_dir, tiny_settings.index_dir
    docs, _ = load_corpus(corpus, warn=lambda _: None)
    before, _ = open_index(index_dir, docs, HashingEmbedder(), 200, log=lambda _: None)
    shutil.rmtree(index_dir / CACHE_DIR)  # so the forced rebuild has to embed everything again
    manifest_bytes = (index_dir / MANIFEST).read_bytes()

    proc = start_build(corpus, index_dir, delay_s=30)
    try:
        wait_for_line(proc, "embedding batch")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL  # it died in the middle, it did not finish
    finally:
        proc.kill()
    assert (index_dir / MANIFEST).read_bytes() == manifest_bytes
    assert generations(index_dir) == [before.manifest["generation"]]

    messages: list[str] = []
    engine = Engine.load(tiny_settings, embedder=HashingEmbedder(), progress=messages.append)
    assert not any("building" in m for m in messages), messages
    assert engine.index.manifest["generation"] == before.manifest["generation"]
    answer = engine.ask("Who founded the service?")
    assert answer.answered and answer.citations[0].quote == engine.document(answer.citations[0].doc_id).body[
        answer.citations[0].start:answer.citations[0].end]
    # The dead build's lock is free again: flock locks die with their process.
    with FileLock(str(index_dir / ".build.lock"), timeout=5):
        pass


def test_two_builds_at_once_leave_one_clean_generation(tiny_settings):
    corpus, index_dir = tiny_settings.corpus_dir, tiny_settings.index_dir
    docs, _ = load_corpus(corpus, warn=lambda _: None)
    open_index(index_dir, docs, HashingEmbedder(), 200, log=lambda _: None)
    shutil.rmtree(index_dir / CACHE_DIR)

    # Readers keep opening the index while the two builds run: they must never fail or rebuild.
    stop, reader_errors, reads = threading.Event(), [], []

    def reader() -> None:
        while not stop.is_set():
            try:
                index, rebuilt = open_index(index_dir, docs, HashingEmbedder(), 200, log=lambda _: None)
                assert not rebuilt and len(index.chunks) == 3
                reads.append(index.manifest["generation"])
            except BaseException as exc:  # reported below
                reader_errors.append(exc)
                return

    thread = threading.Thread(target=reader)
    builds = [start_build(corpus, index_dir, delay_s=0.5) for _ in range(2)]
    thread.start()
    try:
        outputs = [p.communicate(timeout=120) for p in builds]
    finally:
        stop.set()
        thread.join(timeout=60)
        for p in builds:
            p.kill()
    assert [p.returncode for p in builds] == [0, 0], [err for _, err in outputs]
    built = [out.strip() for out, _ in outputs]
    assert len(set(built)) == 2  # both really built (the lock serialised them)
    assert reader_errors == [] and len(reads) > 0
    current = manifest_generation(index_dir)
    assert current in built and generations(index_dir) == [current] and leftovers(index_dir) == []
    assert_loads_cleanly(corpus, index_dir, HashingEmbedder(), expect_generation=current)


# ------------------------------------------------------------ the real CLI and model


@pytest.fixture
def real_copy(real_engine, real_settings, tmp_path) -> tuple[Path, Path]:
    """Copies of the real corpus and its built index (the session's), for a build to damage."""
    corpus, index_dir = tmp_path / "corpus", tmp_path / "embeddings"
    shutil.copytree(real_settings.corpus_dir, corpus)
    shutil.copytree(real_settings.index_dir, index_dir, ignore=shutil.ignore_patterns("*.lock"))
    return corpus, index_dir


def run_cli_build(corpus: Path, index_dir: Path) -> subprocess.Popen:
    env = dict(os.environ, BOT_CORPUS_DIR=str(corpus), BOT_INDEX_DIR=str(index_dir), HF_HUB_OFFLINE="1")
    return subprocess.Popen([sys.executable, "-m", "bot", "build", "--force"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.integration
def test_real_build_killed_during_embedding(real_copy, real_engine):
    corpus, index_dir = real_copy
    shutil.rmtree(index_dir / CACHE_DIR)  # embedding 288 texts then takes seconds: time to kill it
    generation = manifest_generation(index_dir)
    proc = run_cli_build(corpus, index_dir)
    try:
        wait_for_line(proc, "embedding...")
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        proc.kill()
    assert manifest_generation(index_dir) == generation and generations(index_dir) == [generation]

    messages: list[str] = []
    settings = real_engine.settings.replace(corpus_dir=corpus, index_dir=index_dir)
    engine = Engine.load(settings, embedder=real_engine.embedder, progress=messages.append)
    assert not any("building" in m for m in messages), messages
    answer = engine.ask("Where do I complain?")
    assert answer.answered and "complain" in answer.answer.lower()


@pytest.mark.integration
def test_two_real_builds_at_once(real_copy, real_engine):
    corpus, index_dir = real_copy
    procs = [run_cli_build(corpus, index_dir) for _ in range(2)]
    try:
        outputs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    assert all(out.startswith("built 5 documents") for out, _ in outputs), outputs
    assert len(generations(index_dir)) == 1 and leftovers(index_dir) == []
    assert_loads_cleanly(corpus, index_dir, real_engine.embedder, expect_generation=generations(index_dir)[0])
