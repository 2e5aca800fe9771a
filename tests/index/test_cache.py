"""The embedding cache: a rebuild re-embeds only texts it has not seen, and never trusts a bad cache."""

from __future__ import annotations

import json
import numpy as np
import pytest

from bot.index.cache import EmbeddingCache, encode_cached
from bot.index.embed import HashingEmbedder
from bot.index.store import CACHE_DIR, build_index, expected_manifest, load_index, open_index
from bot.schema import Document


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__(32)
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        return super().encode(texts)

    @property
    def encoded(self) -> int:
        return sum(len(c) for c in self.calls)


def _docs(extra: str = "") -> list[Document]:
    return [
        Document("a.md", "Alpha", "The Met was founded in 1829 by Sir Robert Peel.\n\nIt polices London."),
        Document("b.md", "Beta", "The Commissioner leads the Met.\n\nThe Mayor sets the police and crime plan." + extra),
        Document("c.md", "Gamma", "Complaints go to the IPCC.\n\nThe IOPC replaced it in 2018."),
    ]


def test_second_build_embeds_only_the_edited_documents_texts(tmp_path):
    embedder = CountingEmbedder()
    open_index(tmp_path, _docs(), embedder, 50, log=lambda m: None)
    first = embedder.encoded
    assert first > 0
    embedder.calls.clear()
    index, rebuilt = open_index(tmp_path, _docs(" A new sentence about budgets."), embedder, 50, log=lambda m: None)
    assert rebuilt
    new_texts = [t for call in embedder.calls for t in call]
    assert 0 < len(new_texts) < first
    # Texts around the edit, and the words that are new to the corpus ("sentence", "budgets").
    new_words = {"new", "sentence", "budgets", "about"}
    assert all("Beta" in t or "budgets" in t or "Commissioner" in t or "Mayor" in t or t in new_words for t in new_texts)
    assert index.manifest["embedded"] == len(new_texts)
    # Vectors from the cache equal those of a build from scratch.
    full = build_index(_docs(" A new sentence about budgets."), HashingEmbedder(32), 50, log=lambda m: None)
    np.testing.assert_allclose(index.chunk_vectors, full.chunk_vectors, atol=1e-6)
    np.testing.assert_allclose(index.span_vectors, full.span_vectors, atol=1e-6)
    np.testing.assert_allclose(index.word_vectors, full.word_vectors, atol=1e-6)


def test_unchanged_rebuild_embeds_nothing(tmp_path):
    embedder = CountingEmbedder()
    open_index(tmp_path, _docs(), embedder, 50, log=lambda m: None)
    embedder.calls.clear()
    open_index(tmp_path, _docs(), embedder, 50, log=lambda m: None, force=True)
    assert embedder.encoded == 0


def test_another_model_does_not_use_the_cache(tmp_path):
    cache = EmbeddingCache(tmp_path, "model-a", 4)
    cache.replace(["x"], np.ones((1, 4), dtype=np.float32) / 2)
    cache.save()
    assert len(EmbeddingCache(tmp_path, "model-a", 4).load()) == 1
    assert len(EmbeddingCache(tmp_path, "model-b", 4).load()) == 0
    assert len(EmbeddingCache(tmp_path, "model-a", 8).load()) == 0


def test_damaged_cache_is_ignored_and_no_pickle_is_written(tmp_path):
    cache = EmbeddingCache(tmp_path, "m", 4)
    vectors, n = encode_cached(["a", "b", "a"], lambda t: np.eye(4, dtype=np.float32)[: len(t)], cache)
    assert n == 3 and len(cache) == 2
    cache.save()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 2 and any(f.endswith(".json") for f in files) and any(f.endswith(".npy") for f in files)
    npy = next(tmp_path.glob("*.npy"))
    np.load(npy, allow_pickle=False)  # plain array
    npy.write_bytes(npy.read_bytes()[:-8])  # truncated
    assert len(EmbeddingCache(tmp_path, "m", 4).load()) == 0
    cache.manifest_path.write_text("{not json", encoding="utf-8")
    assert len(EmbeddingCache(tmp_path, "m", 4).load()) == 0


def test_save_replaces_the_previous_vectors_file(tmp_path):
    cache = EmbeddingCache(tmp_path, "m", 2)
    for texts in (["a"], ["a", "b"]):
        encode_cached(texts, lambda t: np.ones((len(t), 2), dtype=np.float32), cache)
        cache.save()
    assert len(list(tmp_path.glob("*.npy"))) == 1
    loaded = EmbeddingCache(tmp_path, "m", 2).load()
    _, missing = loaded.lookup(["a", "b", "c"])
    assert missing == [2]
    meta = json.loads(loaded.manifest_path.read_text())
    assert meta["model"] == "m" and len(meta["keys"]) == 2


def test_cache_lives_beside_the_index_and_survives_generations(tmp_path):
    embedder = CountingEmbedder()
    open_index(tmp_path, _docs(), embedder, 50, log=lambda m: None)
    open_index(tmp_path, _docs(" More."), embedder, 50, log=lambda m: None)
    assert (tmp_path / CACHE_DIR).is_dir()
    assert len([p for p in tmp_path.iterdir() if p.is_dir() and p.name.startswith("g")]) == 1


def test_loaded_index_is_memory_mapped_and_records_the_ann_kind(tmp_path, monkeypatch):
    import bot.index.store

    monkeypatch.setattr(bot.index.store, "MMAP_MIN_BYTES", 0)  # mapped above the size threshold only
    embedder = CountingEmbedder()
    open_index(tmp_path, _docs(), embedder, 50, log=lambda m: None)
    index = load_index(tmp_path, _docs(), expected_manifest(_docs(), embedder, 50))
    assert isinstance(index.chunk_vectors, np.memmap)
    assert index.manifest["ann"] == {"kind": "flat"}
    q = index.chunk_vectors[0]
    assert float(index.chunk_vectors[0] @ q) == pytest.approx(1.0, abs=1e-5)
