"""ann.py: the index kind follows the corpus size, and the approximate index keeps recall."""

from __future__ import annotations

import numpy as np
import pytest

from bot.index.ann import AnnSpec, EXACT_BELOW, build_ann, choose_spec, describe, index_bytes, recall_at_k, set_nprobe
from bot.tools.bench import clustered_vectors


def test_small_corpora_get_the_exact_index_and_large_ones_ivf():
    assert choose_spec(0).kind == "flat"
    assert choose_spec(EXACT_BELOW - 1).kind == "flat"
    big = choose_spec(EXACT_BELOW)
    assert big.kind == "ivf-sq8" and 0 < big.nprobe <= big.nlist
    million = choose_spec(1_000_000)
    assert million.nlist >= 1024 and million.train_size <= 1_000_000
    assert choose_spec(5_000, exact_below=1_000).kind == "ivf-sq8"


def test_spec_rejects_bad_values():
    with pytest.raises(ValueError, match="kind"):
        AnnSpec("hnsw")
    with pytest.raises(ValueError, match="nprobe"):
        AnnSpec("ivf-sq8", nlist=8, nprobe=16, train_size=100)
    with pytest.raises(ValueError, match="n must be"):
        choose_spec(-1)


def test_flat_index_is_exact():
    rng = np.random.default_rng(1)
    vectors = clustered_vectors(500, 16, rng, 10, 1.5)
    index = build_ann(vectors)
    assert describe(index) == AnnSpec("flat")
    _, ids = index.search(vectors[:5], 1)
    assert ids[:, 0].tolist() == [0, 1, 2, 3, 4]


def test_ivf_recall_against_exact_search():
    import faiss

    rng = np.random.default_rng(0)
    data = clustered_vectors(6_050, 32, rng, 12, 1.5)
    vectors, queries = data[:6_000], data[6_000:]
    spec = choose_spec(len(vectors), exact_below=1_000)
    index = build_ann(vectors, spec)
    assert describe(index).kind == "ivf-sq8" and describe(index).nprobe == spec.nprobe
    exact = faiss.IndexFlatIP(32)
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    _, found = index.search(queries, 10)
    assert recall_at_k(found, truth) >= 0.9
    assert index_bytes(index) < vectors.nbytes / 2  # 8-bit codes: a quarter of float32, plus ids
    set_nprobe(index, spec.nlist)  # probing every list leaves only the quantization error
    _, found = index.search(queries, 10)
    assert recall_at_k(found, truth) >= 0.95


def test_ivf_survives_a_save_and_load_with_its_nprobe(tmp_path):
    import faiss

    vectors = clustered_vectors(3_000, 16, np.random.default_rng(2), 8, 1.5)
    index = build_ann(vectors, choose_spec(3_000, exact_below=1_000))
    set_nprobe(index, 5)
    faiss.write_index(index, str(tmp_path / "x.faiss"))
    loaded = faiss.read_index(str(tmp_path / "x.faiss"))
    assert describe(loaded).nprobe == 5 and loaded.ntotal == 3_000
