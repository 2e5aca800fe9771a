"""Pick and build the FAISS index for the chunk vectors: exact while it is cheap, approximate after.

Below ``EXACT_BELOW`` vectors a flat inner-product scan (``IndexFlatIP``) is both exact and
fast enough; above it, an inverted file with 8-bit scalar quantization (``IVF<nlist>,SQ8``)
keeps search p95 within budget at a million vectors and the index at a quarter of the float32
size (1M x 384 -> ~395 MB instead of 1.5 GB), with recall@10 >= 0.95 against exact search
(measured by ``python -m bot.tools.bench``; see BENCHMARKS.md). HNSW was the other candidate: its
graph builds far slower on two cores and adds ~256 bytes a vector on top of the codes.

FAISS searches one query at a time here, and its OpenMP threads then cost far more than they
give (a 10k flat scan: ~1 ms on one thread, 17-30 ms on two busy cores), so ``for_queries()``
pins FAISS to one thread; builds (k-means, encoding) use every core meanwhile.

This module only builds, describes and tunes FAISS indexes; saving, loading and checking
them is ``store.py``'s job. The index kind and its parameters go into the manifest.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Iterator

import numpy as np

if TYPE_CHECKING:  # imported lazily where used at run time
    import faiss

# Below this many vectors the exact scan is used. Measured on the 2-core machine (BENCHMARKS.md),
# one thread: a flat scan of 384-d vectors takes ~0.7 ms at 10k and ~19 ms at 100k, IVF-SQ8 under
# 0.5 ms at both. An answer has ~3 ms left of its 15 ms p50 budget after encoding the question;
# the exact scan fits in that up to ~20-30k vectors, and there recall 1.0 is worth the time.
EXACT_BELOW = 20_000
KINDS = ("flat", "ivf-sq8")


@dataclass(frozen=True)
class AnnSpec:
    """Which index to build. ``nlist``/``nprobe`` only matter for ``ivf-sq8``."""

    kind: str
    nlist: int = 0
    nprobe: int = 0
    train_size: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"ann kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.kind == "ivf-sq8":
            if self.nlist <= 0 or self.nprobe <= 0 or self.train_size <= 0:
                raise ValueError(f"ivf-sq8 needs positive nlist, nprobe and train_size, got {self}")
            if self.nprobe > self.nlist:
                raise ValueError(f"nprobe must be <= nlist, got nprobe={self.nprobe} nlist={self.nlist}")

    def to_manifest(self) -> dict:
        return asdict(self) if self.kind != "flat" else {"kind": "flat"}


def choose_spec(n: int, exact_below: int = EXACT_BELOW) -> AnnSpec:
    """The index kind and parameters for ``n`` vectors."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if exact_below <= 0:
        raise ValueError(f"exact_below must be positive, got {exact_below}")
    if n < exact_below:
        return AnnSpec("flat")
    # ~2 sqrt(n) lists, a power of two (1M -> 2048): k-means on 2 cores stays ~20 s at 1M, and
    # each list holds ~500 vectors, so probing a few dozen lists scans ~3% of the corpus.
    nlist = max(16, min(1 << 16, 2 ** round(math.log2(2 * math.sqrt(n)))))
    nlist = min(nlist, max(16, n // 39))  # k-means wants >= 39 training points a list
    # Probing 1/32 of the lists kept recall@10 >= 0.95 on overlapping clusters at 100k-1M.
    nprobe = min(nlist, max(16, nlist // 32))
    return AnnSpec("ivf-sq8", nlist=nlist, nprobe=nprobe, train_size=min(n, 40 * nlist))


def build_ann(vectors: np.ndarray, spec: AnnSpec | None = None, seed: int = 0) -> faiss.Index:
    """A FAISS inner-product index over ``vectors`` (n, dim) float32, unit length."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be 2-D (n, dim), got shape {vectors.shape}")
    n, dim = vectors.shape
    spec = spec or choose_spec(n)
    if spec.kind == "flat":
        flat = faiss.IndexFlatIP(dim)
        flat.add(vectors)
        return flat
    if n < spec.nlist:
        raise ValueError(f"ivf-sq8 with nlist={spec.nlist} needs at least that many vectors, got {n}")
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, spec.nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(seed)
    sample = vectors if spec.train_size >= n else vectors[np.sort(rng.choice(n, spec.train_size, replace=False))]
    index.cp.seed = seed  # deterministic k-means: the same corpus gives the same index
    index.cp.niter = 10
    with threads(os.cpu_count() or 1):
        index.train(sample)
        for start in range(0, n, 200_000):  # bounded temporaries while encoding
            index.add(vectors[start:start + 200_000])
    index.nprobe = spec.nprobe
    return index


def for_queries() -> None:
    """Run FAISS single-threaded: one query at a time is fastest so (see the module docstring)."""
    import faiss

    faiss.omp_set_num_threads(1)


@contextmanager
def threads(n: int) -> Iterator[None]:
    """FAISS uses ``n`` OpenMP threads inside the block (batch work: training, adding, many queries)."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def describe(index: faiss.Index) -> AnnSpec:
    """The spec of a built or loaded FAISS index (what the manifest records)."""
    import faiss

    if isinstance(index, faiss.IndexFlat):
        return AnnSpec("flat")
    ivf = faiss.extract_index_ivf(index)
    return AnnSpec("ivf-sq8", nlist=int(ivf.nlist), nprobe=int(ivf.nprobe), train_size=max(1, int(ivf.nlist)))


def set_nprobe(index: faiss.Index, nprobe: int) -> None:
    """Trade recall for speed on an IVF index; a flat index has nothing to tune."""
    import faiss

    if nprobe <= 0:
        raise ValueError(f"nprobe must be positive, got {nprobe}")
    if not isinstance(index, faiss.IndexFlat):
        faiss.extract_index_ivf(index).nprobe = nprobe


def index_bytes(index: faiss.Index) -> int:
    """Size of the index as FAISS serialises it: codes, ids and centroids (its resident memory)."""
    import faiss

    return int(faiss.serialize_index(index).nbytes)


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each row of ``truth`` (exact top-k ids) present in the same row of ``found``."""
    if found.shape[0] != truth.shape[0] or truth.size == 0:
        raise ValueError(f"found {found.shape} and truth {truth.shape} must have the same, non-zero rows")
    k = truth.shape[1]
    return float(np.mean([len(set(f[f >= 0].tolist()) & set(t.tolist())) / k for f, t in zip(found, truth)]))
