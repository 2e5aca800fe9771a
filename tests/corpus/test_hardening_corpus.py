"""Nothing outside corpus/ is read: links out of the folder and special files are refused, by name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.corpus.documents import load_corpus
from bot.index.store import documents_fingerprint
from bot.index.embed import HashingEmbedder
from bot.engine import Engine
from bot.settings import Settings

SECRET = "root:x:0:0:secret-marker-7Q:/root:/bin/bash\n"


def test_a_link_pointing_outside_the_corpus_is_refused_and_named(tmp_path: Path, tiny_corpus: Path):
    outside = tmp_path / "passwd"
    outside.write_text(SECRET)
    (tiny_corpus / "leak.txt").symlink_to(outside)
    before = documents_fingerprint(load_corpus(tiny_corpus, warn=lambda _: None)[0])
    warnings: list[str] = []
    docs, _ = load_corpus(tiny_corpus, warn=warnings.append)
    assert "leak.txt" not in {d.doc_id for d in docs}
    assert not any("secret-marker" in d.body for d in docs)
    assert any("leak.txt" in w and "outside the corpus" in w for w in warnings)
    outside.write_text(SECRET + "changed\n")
    # The file outside is not part of the corpus state the index is built from.
    assert documents_fingerprint(load_corpus(tiny_corpus, warn=lambda _: None)[0]) == before


def test_a_link_to_a_folder_outside_is_not_followed(tmp_path: Path, tiny_corpus: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_text(SECRET)
    (tiny_corpus / "more").symlink_to(elsewhere, target_is_directory=True)
    docs, _ = load_corpus(tiny_corpus, warn=lambda _: None)
    assert not any("secret-marker" in d.body for d in docs)


def test_a_link_inside_the_corpus_still_works(tiny_corpus: Path):
    first = sorted(tiny_corpus.glob("*.md"))[0]
    (tiny_corpus / "alias.md").symlink_to(first.name)
    docs, _ = load_corpus(tiny_corpus, warn=lambda _: None)
    assert "alias.md" in {d.doc_id for d in docs}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_skipped_with_a_warning_and_never_opened(tiny_corpus: Path):
    os.mkfifo(tiny_corpus / "pipe.txt")  # opening it for reading would block forever
    warnings: list[str] = []
    docs, _ = load_corpus(tiny_corpus, warn=warnings.append)
    assert "pipe.txt" not in {d.doc_id for d in docs}
    assert any("pipe.txt" in w and "not a regular file" in w for w in warnings)


def test_a_device_link_is_skipped_with_a_warning(tiny_corpus: Path):
    (tiny_corpus / "zero.txt").symlink_to("/dev/zero")
    warnings: list[str] = []
    load_corpus(tiny_corpus, warn=warnings.append)
    assert any("zero.txt" in w for w in warnings)


def test_the_engine_never_serves_or_quotes_a_file_outside(tmp_path: Path, tiny_corpus: Path):
    outside = tmp_path / "passwd"
    outside.write_text(SECRET)
    (tiny_corpus / "leak.txt").symlink_to(outside)
    settings = Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "embeddings", data_dir=tmp_path / "var")
    engine = Engine.load(settings, embedder=HashingEmbedder(), progress=lambda _: None)
    assert engine.document("leak.txt") is None
    answer = engine.ask("secret marker root bash")
    assert "secret-marker" not in answer.answer
    assert all(c.doc_id != "leak.txt" for c in (*answer.citations, *answer.suggestions))
