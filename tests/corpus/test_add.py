"""``bot add``: new documents are written once, duplicates reported, and only new texts embedded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.corpus.add import add_files, find_duplicate
from bot.cli import main
from bot.corpus.documents import load_corpus
from bot.index.embed import HashingEmbedder
from bot.index.store import open_index
from bot.settings import PROJECT_ROOT

SOURCES = Path(__file__).parents[1] / "data" / "sources"
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen.extend(texts)
        return super().encode(texts)


def test_adds_html_and_pdf_and_refreshes_only_the_new_texts(tiny_corpus, tmp_path):
    embedder = CountingEmbedder()
    docs, _ = load_corpus(tiny_corpus)
    open_index(tmp_path / "emb", docs, embedder, 200, log=lambda _: None)
    before = len(embedder.seen)
    outcomes = add_files([SOURCES / "borough-watch.html", SOURCES / "two-column-report.pdf"], tiny_corpus, docs)
    assert [o.status for o in outcomes] == ["added", "added"]
    added = {o.doc_id for o in outcomes}
    assert added == {"how-the-riverside-community-safety-board-works.md", "riverside-youth-safety-panel-annual-report.md"}
    docs, _ = load_corpus(tiny_corpus)
    index, rebuilt = open_index(tmp_path / "emb", docs, embedder, 200, log=lambda _: None)
    assert rebuilt and {d for d in index.documents} >= added
    new_texts = embedder.seen[before:]
    assert new_texts and index.manifest["embedded"] == len(new_texts)
    # Nothing embedded for the first build was embedded again, and every new text belongs to
    # the new pages (their chunks and spans, and corpus words they brought).
    assert set(new_texts).isdisjoint(embedder.seen[:before])
    assert any("Riverside Youth Safety Panel" in t for t in new_texts)
    assert any("cabinet member for community safety" in t for t in new_texts)

def test_duplicates_are_reported_not_added(tiny_corpus, tmp_path):
    docs, _ = load_corpus(tiny_corpus)
    first = add_files([SOURCES / "borough-watch.html"], tiny_corpus, docs)
    assert first[0].status == "added"
    docs, _ = load_corpus(tiny_corpus)
    # The same page again, and a copy with one sentence changed: neither is written.
    near = tmp_path / "copy.html"
    near.write_text((SOURCES / "borough-watch.html").read_text(encoding="utf-8").replace(
        "within four weeks", "within a month"), encoding="utf-8")
    files = sorted(p.name for p in tiny_corpus.iterdir())
    again = add_files([SOURCES / "borough-watch.html", near], tiny_corpus, docs)
    assert [o.status for o in again] == ["duplicate", "duplicate"]
    assert "same text as how-the-riverside" in again[0].reason
    assert "near duplicate of how-the-riverside" in again[1].reason
    assert sorted(p.name for p in tiny_corpus.iterdir()) == files


def test_a_copy_inside_a_run_is_a_duplicate_too(tiny_corpus, tmp_path):
    copy = tmp_path / "page-copy.html"
    shutil.copy(SOURCES / "borough-watch.html", copy)
    docs, _ = load_corpus(tiny_corpus)
    out = add_files([SOURCES / "borough-watch.html", copy], tiny_corpus, docs)
    assert [o.status for o in out] == ["added", "duplicate"]


def test_different_text_is_not_a_duplicate(tiny_corpus):
    docs, _ = load_corpus(tiny_corpus)
    assert find_duplicate("An entirely different text about ward panels and their chairs meeting monthly.", docs) is None


def test_cli_add_reports_every_file_and_exits_1_when_some_are_refused(tiny_corpus, tmp_path, capsys):
    empty = tmp_path / "empty.html"
    empty.write_text("", encoding="utf-8")
    rc = main(["--corpus", str(tiny_corpus), "add", "--no-index", str(SOURCES / "two-column-report.pdf"), str(empty)])
    out = capsys.readouterr().out.splitlines()
    assert rc == 1
    assert out[0].startswith("added ") and out[0].endswith("riverside-youth-safety-panel-annual-report.md")
    assert out[1] == f"rejected: {empty}: file is empty"
    assert not (tiny_corpus / "empty.md").exists()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed pages (../shared/seeds) are not beside the repository")
def test_ingest_is_add_s_text_path_and_remakes_the_shipped_corpus(tmp_path):
    from bot.corpus.ingest import ingest, load_vocabulary
    from bot.settings import Settings

    vocab = Settings().model_path / "vocab.txt"
    written = ingest(SEEDS, PROJECT_ROOT / "sources.toml", tmp_path, load_vocabulary(vocab))
    for path in written:
        assert path.read_text(encoding="utf-8") == (PROJECT_ROOT / "corpus" / path.name).read_text(encoding="utf-8")


def test_cli_add_takes_a_folder_and_names_missing_files(tiny_corpus, tmp_path, capsys):
    rc = main(["--corpus", str(tiny_corpus), "add", "--no-index", str(SOURCES), str(tmp_path / "missing.html")])
    out = capsys.readouterr().out.splitlines()
    assert rc == 1
    assert sorted(line.split(" -> ")[-1] for line in out if line.startswith("added ")) == [
        "how-the-riverside-community-safety-board-works.md", "riverside-youth-safety-panel-annual-report.md"]
    assert out[-1] == f"rejected: {tmp_path / 'missing.html'}: cannot read it (No such file or directory)"
