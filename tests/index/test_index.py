import json

import pytest

from bot.corpus.documents import load_corpus
from bot.index.embed import HashingEmbedder
from bot.index.store import FORMAT_VERSION, MANIFEST, open_index


def _open(settings, log=None):
    docs, _ = load_corpus(settings.corpus_dir, warn=lambda _: None)
    messages = []
    index, rebuilt = open_index(settings.index_dir, docs, HashingEmbedder(), settings.chunk_max_tokens, log=(log or messages.append))
    return index, rebuilt, messages


def test_first_use_builds_then_loads(tiny_settings):
    index, rebuilt, _ = _open(tiny_settings)
    assert rebuilt and index.manifest["counts"]["documents"] == 3
    again, rebuilt, _ = _open(tiny_settings)
    assert not rebuilt and len(again.chunks) == len(index.chunks)
    assert [c.text for c in again.chunks] == [c.text for c in index.chunks]


def test_manifest_records_what_the_index_was_built_from(tiny_settings):
    _open(tiny_settings)
    manifest = json.loads((tiny_settings.index_dir / MANIFEST).read_text())
    assert manifest["format_version"] == FORMAT_VERSION == 3 and manifest["model"] == "hashing-256"
    assert manifest["chunking"]["max_tokens"] == tiny_settings.chunk_max_tokens
    assert set(manifest["counts"]) == {"documents", "chunks", "spans", "words"} and len(manifest["corpus_hash"]) == 64
    assert {"words.json", "word_vectors.npy"} <= set(manifest["files"])
    assert all(len(h) == 64 for h in manifest["files"].values())


def test_no_pickle_anywhere(tiny_settings):
    _open(tiny_settings)
    for path in tiny_settings.index_dir.rglob("*"):
        assert path.suffix not in (".pkl", ".pickle")
        if path.suffix == ".npy":
            assert b"'descr': '<f4'" in path.read_bytes()[:128]


def test_corpus_change_rebuilds(tiny_settings):
    _open(tiny_settings)
    (tiny_settings.corpus_dir / "history.md").write_text("---\ntitle: H\n---\nNew text about 1830.\n")
    index, rebuilt, messages = _open(tiny_settings)
    assert rebuilt and any("corpus_hash changed" in m for m in messages)
    assert any("1830" in c.text for c in index.chunks)


def test_settings_change_rebuilds(tiny_settings):
    _open(tiny_settings)
    _, rebuilt, messages = _open(tiny_settings.replace(chunk_max_tokens=50))
    assert rebuilt and any("chunking changed" in m for m in messages)


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "manifest"])
def test_damaged_index_is_detected_and_rebuilt(tiny_settings, damage):
    index, _, _ = _open(tiny_settings)
    gen = tiny_settings.index_dir / index.manifest["generation"]
    target = gen / "chunk_vectors.npy"
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "flip":
        data = bytearray(target.read_bytes())
        data[-1] ^= 0xFF
        target.write_bytes(bytes(data))
    elif damage == "delete":
        target.unlink()
    else:
        (tiny_settings.index_dir / MANIFEST).write_text("{not json")
    fresh, rebuilt, messages = _open(tiny_settings)
    assert rebuilt and messages and len(fresh.chunks) == len(index.chunks)


def test_a_half_written_build_leaves_the_previous_index_usable(tiny_settings):
    index, _, _ = _open(tiny_settings)
    # A build killed midway leaves a temp generation folder and no new manifest.
    (tiny_settings.index_dir / ".g-killed.tmp").mkdir()
    (tiny_settings.index_dir / ".g-killed.tmp" / "chunks.json").write_text("[")
    again, rebuilt, _ = _open(tiny_settings)
    assert not rebuilt and again.manifest["generation"] == index.manifest["generation"]


def test_old_generations_are_removed(tiny_settings):
    _open(tiny_settings)
    (tiny_settings.corpus_dir / "new.txt").write_text("Another document about Peel.\n")
    index, _, _ = _open(tiny_settings)
    gens = [p.name for p in tiny_settings.index_dir.iterdir() if p.is_dir() and p.name.startswith("g")]
    assert gens == [index.manifest["generation"]]


def test_an_index_of_the_old_format_is_rebuilt(tiny_settings):
    _open(tiny_settings)
    path = tiny_settings.index_dir / MANIFEST
    path.write_text(json.dumps(json.loads(path.read_text()) | {"format_version": 1}))
    index, rebuilt, messages = _open(tiny_settings)
    assert rebuilt and any("format_version changed" in m for m in messages)
    assert index.words and len(index.words) == len(index.word_vectors)


def test_a_span_opening_with_a_pronoun_carries_the_sentence_before_it():
    import numpy as np

    from bot.index.store import with_antecedents
    from bot.schema import Span

    body = "The Met is big. It cannot meet all demands. Officers work hard."
    spans = [Span(0, "d.md", 0, 15, body[0:15], "sentence"), Span(0, "d.md", 16, 43, body[16:43], "sentence"),
             Span(0, "d.md", 44, 63, body[44:63], "sentence")]
    vectors = np.eye(3, dtype=np.float32)
    out = with_antecedents(spans, vectors)
    np.testing.assert_allclose(out[1], np.array([1, 1, 0]) / np.sqrt(2), atol=1e-6)  # "It ..." + the sentence before
    np.testing.assert_allclose(out[[0, 2]], vectors[[0, 2]])  # the others are unchanged
    np.testing.assert_allclose(vectors, np.eye(3))  # the input is not modified


def test_items_of_a_list_split_across_chunks_are_searched_with_its_introduction():
    from bot.index.store import chunk_search_text
    from bot.schema import Chunk, Document

    sections = [("Our Structure\n\nWe serve London through five operational functions:", "Our Structure"),
                ("- Met Operations leads the delivery of services.", "Our Structure"),
                ("- Specialist Operations delivers counter terrorism.", "Our Structure"),
                ("Our Values\n\nIntegrity comes first.", "Our Values")]
    body = "\n".join(text for text, _ in sections)
    doc = Document("a.md", "About us", body)
    chunks = []
    for text, heading in sections:
        start = body.index(text)
        chunks.append(Chunk("a.md", start, start + len(text), text, heading))
    texts = [chunk_search_text(doc, chunks, i) for i in range(len(chunks))]
    assert "five operational functions" in texts[1]  # the introduction the chunk boundary cut off
    assert "five operational functions" not in texts[2]  # the chunk before introduces nothing
    assert "five operational functions" not in texts[3]  # another section
    assert texts[0].startswith("About us\nOur Structure")


def test_spans_most_like_the_question_come_from_the_span_index_not_a_scan(tiny_engine):
    """Candidates are found through spans.faiss: nothing multiplies the question by every span vector."""
    index = tiny_engine.index
    assert index.span_faiss is not None and index.span_faiss.ntotal == len(index.spans)
    assert index.manifest["span_ann"]["kind"] == "flat"

    class NoScan:
        def __init__(self, vectors):
            self.vectors = vectors

        def __getitem__(self, key):
            return self.vectors[key]

        def __len__(self):
            return len(self.vectors)

        def __matmul__(self, other):
            raise AssertionError("every span vector was scanned")

    before = tiny_engine.ask("Who founded the service?")
    vectors = index.span_vectors
    index.span_vectors = NoScan(vectors)
    try:
        after = tiny_engine.ask("Who founded the service?")
    finally:
        index.span_vectors = vectors
    assert after.answer == before.answer and after.confidence == before.confidence


def test_the_span_index_is_saved_and_loaded_with_the_rest(tiny_settings):
    from bot.index.embed import HashingEmbedder
    from bot.engine import Engine

    first = Engine.load(tiny_settings, embedder=HashingEmbedder(), progress=lambda _: None)
    again = Engine.load(tiny_settings, embedder=HashingEmbedder(), progress=lambda _: None)  # loads what was saved
    assert "spans.faiss" in again.index.manifest["files"]
    assert again.index.span_faiss.ntotal == first.index.span_faiss.ntotal == len(again.index.spans)
