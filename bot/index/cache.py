"""Embedding cache beside the index: a rebuild re-embeds only texts it has not seen.

One cache per model fingerprint, keyed by the SHA-256 of the exact text embedded, in
``<index_dir>/cache/``::

    <model-slug>.json              {"format", "model", "dim", "vectors": file name, "sha256", "keys": [...]}
    <model-slug>-<stamp>.npy       (len(keys), dim) float32, row i is the vector of keys[i]

A save writes a new ``.npy`` under a fresh name, then swaps the JSON atomically (temp file +
rename), then removes the old ``.npy``: a crash leaves either the old pair or the new one.
A cache that is unreadable, damaged or from another model is ignored (everything is
re-embedded), never trusted. No pickle. This module does not embed anything itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from bot.index.embed import file_sha256

FORMAT_VERSION = 1


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors by text for one model; ``load``, ``lookup``, ``update``, ``save``."""

    def __init__(self, cache_dir: Path, model_fingerprint: str, dim: int) -> None:
        if not model_fingerprint:
            raise ValueError("model_fingerprint must not be empty")
        if dim <= 0:
            raise ValueError(f"dim must be positive, got {dim}")
        self.cache_dir = Path(cache_dir)
        self.model = model_fingerprint
        self.dim = dim
        self.slug = hashlib.sha256(model_fingerprint.encode()).hexdigest()[:16]
        self._rows: dict[str, int] = {}
        self._vectors = np.zeros((0, dim), dtype=np.float32)

    @property
    def manifest_path(self) -> Path:
        return self.cache_dir / f"{self.slug}.json"

    def __len__(self) -> int:
        return len(self._rows)

    def load(self) -> "EmbeddingCache":
        """Read the saved cache if it is intact and for this model; otherwise start empty."""
        try:
            meta = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            if (meta.get("format") != FORMAT_VERSION or meta.get("model") != self.model
                    or meta.get("dim") != self.dim):
                return self
            vectors_path = self.cache_dir / Path(str(meta["vectors"])).name
            if file_sha256(vectors_path) != meta["sha256"]:
                return self
            vectors = np.load(vectors_path, allow_pickle=False)
            keys = meta["keys"]
            if vectors.dtype != np.float32 or vectors.shape != (len(keys), self.dim):
                return self
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return self
        self._rows = {k: i for i, k in enumerate(keys)}
        self._vectors = vectors
        return self

    def lookup(self, texts: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """(vectors, missing): rows for cached texts filled in, indices of the others (zeros)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = []
        for i, text in enumerate(texts):
            row = self._rows.get(text_key(text))
            if row is None:
                missing.append(i)
            else:
                out[i] = self._vectors[row]
        return out, missing

    def replace(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Hold exactly these texts' vectors (older entries are dropped, so the cache stays bounded)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(texts), self.dim):
            raise ValueError(f"expected vectors of shape ({len(texts)}, {self.dim}), got {vectors.shape}")
        rows: dict[str, int] = {}
        keep: list[int] = []
        for i, text in enumerate(texts):
            key = text_key(text)
            if key not in rows:
                rows[key] = len(keep)
                keep.append(i)
        self._rows = rows
        self._vectors = vectors[keep] if len(keep) != len(texts) else vectors

    def save(self) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        stamp = f"{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.perf_counter_ns() % 10**9}"
        vectors_path = self.cache_dir / f"{self.slug}-{stamp}.npy"
        tmp_vectors = vectors_path.with_name(f".{vectors_path.name}.tmp")
        with open(tmp_vectors, "wb") as fh:
            np.save(fh, self._vectors, allow_pickle=False)
            fh.flush()
            os.fsync(fh.fileno())
        tmp_vectors.replace(vectors_path)
        keys = sorted(self._rows, key=self._rows.__getitem__)
        meta = {"format": FORMAT_VERSION, "model": self.model, "dim": self.dim,
                "vectors": vectors_path.name, "sha256": file_sha256(vectors_path), "keys": keys}
        tmp_meta = self.cache_dir / f".{self.manifest_path.name}.{os.getpid()}.tmp"
        with open(tmp_meta, "w", encoding="utf-8") as fh:
            json.dump(meta, fh)
            fh.flush()
            os.fsync(fh.fileno())
        tmp_meta.replace(self.manifest_path)
        for old in self.cache_dir.glob(f"{self.slug}-*.npy"):
            if old != vectors_path:
                old.unlink(missing_ok=True)


def encode_cached(texts: list[str], encode: Callable[[list[str]], np.ndarray], cache: EmbeddingCache | None,
                  ) -> tuple[np.ndarray, int]:
    """Vectors for ``texts``, calling ``encode`` only on those not in ``cache``; also the number encoded.

    With a cache, it is left holding exactly ``texts`` (saved by the caller).
    """
    if cache is None:
        return encode(texts), len(texts)
    vectors, missing = cache.lookup(texts)
    if missing:
        vectors[missing] = encode([texts[i] for i in missing])
    cache.replace(texts, vectors)
    return vectors, len(missing)
