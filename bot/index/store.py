"""Build, save and load the search index in embeddings/, and rebuild it when it is stale.

Layout::

    embeddings/manifest.json        which generation is current, what it was built from, checksums
    embeddings/<generation>/        chunks.json, spans.json, chunk_vectors.npy, span_vectors.npy, chunks.faiss,
                                    words.json, word_vectors.npy (the corpus's words, see vocabulary.py)
    embeddings/cache/               embedding cache (``cache.py``): a rebuild re-embeds only changed texts

A build writes a new generation folder completely, then swaps ``manifest.json`` atomically
(temp file + rename), so a build killed midway leaves the previous index usable. A file lock
keeps two builds from racing. On load, the manifest is checked against the corpus, the model
and the chunking settings, and every file against its SHA-256: anything stale, missing or
damaged means a rebuild (said on stderr), never an answer from a bad index. No pickle:
JSON, ``.npy`` with ``allow_pickle=False`` and FAISS's own format. The FAISS index kind (exact
or approximate, by size) is chosen in ``ann.py`` and recorded in the manifest under ``ann``;
the vector files are read into memory and checked from the bytes read, unless they are large
(over ``MMAP_MIN_BYTES``): those are memory-mapped after their check, so a large index only pages
in the rows it reads, and ``Index.changed_on_disk`` tells the engine when one has changed since
(it then loads the index again, verified, rather than answer from it).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

if TYPE_CHECKING:  # imported lazily where used at run time
    import faiss

from bot.index.ann import build_ann, choose_spec, for_queries, set_nprobe
from bot.index.cache import EmbeddingCache, encode_cached
from bot.corpus.chunk import chunk_document
from bot.index.embed import Embedder, file_sha256
from bot.progress import counting, to_stderr
from bot.schema import Chunk, Document, Span
from bot.index.vocabulary import corpus_words

FORMAT_VERSION = 3  # 2: the corpus's words are embedded too (words.json, word_vectors.npy); 3: spans.faiss
CHUNKER_VERSION = 13  # bump when chunk.py, terms() or the embedded texts change (4: anaphoric spans, see below;
# 5: name + description spans; 6: 'found' is 'find', for the stored corpus words; 7-9: more stop words;
# 10: a list item of several sentences is a span too; 11: an address's introduction with its title line;
# 12: a title line glued to prose is no span with it, unless it is a name; a bulleted item in lower case
# is a span of its own, not part of the sentence introducing the list; 13: terms() folds accents and keeps
# every letter, "Céloron" -> "celoron", not "c" + "loron")
MANIFEST = "manifest.json"
CACHE_DIR = "cache"
Log = Callable[[str], None]


_stderr = to_stderr  # a bar given this log redraws live on a terminal


class StaleIndex(Exception):
    """The saved index can't be used as it is; the message says why."""


@dataclass
class Index:
    documents: dict[str, Document]
    chunks: list[Chunk]
    spans: list[Span]
    chunk_vectors: np.ndarray  # (n_chunks, dim), unit length
    span_vectors: np.ndarray  # (n_spans, dim), unit length
    faiss_index: faiss.Index
    manifest: dict = field(default_factory=dict)
    # A FAISS index of the span vectors (exact while small, approximate after, like the chunks'):
    # answer.py finds the spans most like a question without scanning every span vector.
    span_faiss: faiss.Index | None = None
    chunk_spans: list[list[int]] = field(default_factory=list)  # span ids of each chunk
    span_at: dict[tuple[str, int, int], int] = field(default_factory=dict)  # (doc_id, start, end) -> span id
    words: list[str] = field(default_factory=list)  # the corpus's common words (vocabulary.py)
    word_vectors: np.ndarray | None = None  # (len(words), dim), unit length
    # Memory-mapped files (large indexes only) -> (inode, size, mtime) when they were checked.
    mapped: dict[Path, tuple[int, int, int]] = field(default_factory=dict)

    def changed_on_disk(self) -> bool:
        """Whether a mapped file has changed (or gone) since its checksum was verified: its
        values may no longer be the verified ones, so it must not be served from."""
        for path, state in self.mapped.items():
            try:
                if _file_state(path) != state:
                    return True
            except OSError:
                return True
        return False

    def __post_init__(self) -> None:
        if len(self.chunks) != len(self.chunk_vectors):
            raise ValueError(f"{len(self.chunks)} chunks but {len(self.chunk_vectors)} chunk vectors")
        if len(self.spans) != len(self.span_vectors):
            raise ValueError(f"{len(self.spans)} spans but {len(self.span_vectors)} span vectors")
        if not self.chunk_spans:
            self.chunk_spans = [[] for _ in self.chunks]
            for span_id, span in enumerate(self.spans):
                self.chunk_spans[span.chunk_id].append(span_id)
        if not self.span_at:
            self.span_at = {(s.doc_id, s.start, s.end): i for i, s in enumerate(self.spans)}
        if self.word_vectors is None:
            self.word_vectors = np.zeros((0, self.chunk_vectors.shape[1] if self.chunk_vectors.ndim == 2 else 0),
                                         dtype=np.float32)
        if len(self.words) != len(self.word_vectors):
            raise ValueError(f"{len(self.words)} words but {len(self.word_vectors)} word vectors")


def documents_fingerprint(documents: list[Document]) -> str:
    digest = hashlib.sha256()
    for doc in sorted(documents, key=lambda d: d.doc_id):
        digest.update(json.dumps(asdict(doc), sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def expected_manifest(documents: list[Document], embedder: Embedder, max_tokens: int) -> dict:
    """What a usable index's manifest must say for this corpus, model and chunking."""
    return {
        "format_version": FORMAT_VERSION,
        "model": embedder.fingerprint,
        "chunking": {"version": CHUNKER_VERSION, "max_tokens": max_tokens},
        "corpus_hash": documents_fingerprint(documents),
    }


def chunk_embedding_text(doc: Document, chunk: Chunk) -> str:
    # The title and heading give a chunk the context a reader would have on the page.
    heading = "" if not chunk.heading or chunk.text.startswith(chunk.heading) else chunk.heading + "\n"
    return f"{doc.title}\n{heading}{chunk.text}"


def chunk_search_text(doc: Document, chunks: list[Chunk], i: int) -> str:
    """What BM25 searches for chunk ``i``: its embedded text and, for the items of a list the
    previous chunk introduced ("We look after the harbour through four teams...:"), that
    introduction. (Embedding the introduction too blurred the items' vectors: dev set.)"""
    chunk, before = chunks[i], chunks[i - 1] if i else None
    text = chunk_embedding_text(doc, chunk)
    if before is None or before.doc_id != chunk.doc_id or before.heading != chunk.heading:
        return text
    last = before.text.rstrip().rsplit("\n", 1)[-1].strip()
    return f"{text}\n{last}" if last.endswith(":") else text


def span_embedding_text(chunk: Chunk, text: str) -> str:
    # Spans are embedded as they stand: prefixing the section heading blurred them (dev set).
    return text


_ANAPHORIC = re.compile(r"^\W*(It|Its|They|Their|This|These|That|Those|He|His|She|Her|Such)\b")


def with_antecedents(spans: list[Span], vectors: np.ndarray) -> np.ndarray:
    """Vectors of spans that open with a pronoun, blended with the sentence before them.

    "It cannot keep up with every request." says nothing about the Trust on its own;
    its vector becomes the normalised sum of its own and the previous sentence's.
    """
    out = np.array(vectors, dtype=np.float32, copy=True)
    previous: dict[str, int] = {}  # doc_id -> the last span that ended before this one
    for i in sorted(range(len(spans)), key=lambda i: (spans[i].doc_id, spans[i].start, -spans[i].end)):
        span = spans[i]
        before = previous.get(span.doc_id)
        if before is not None and spans[before].end <= span.start and _ANAPHORIC.match(span.text):
            blended = vectors[i] + vectors[before]
            out[i] = blended / (np.linalg.norm(blended) or 1.0)
        if span.kind == "sentence":
            previous[span.doc_id] = i
    return out


def build_index(documents: list[Document], embedder: Embedder, max_tokens: int, log: Log = _stderr,
                cache_dir: Path | None = None) -> Index:
    """Chunk, embed and index ``documents``; with ``cache_dir``, unchanged texts reuse cached vectors."""
    started = time.perf_counter()
    chunks: list[Chunk] = []
    spans: list[Span] = []
    for doc in documents:
        for chunk, candidates in chunk_document(doc, max_tokens, embedder.count_tokens):
            chunk_id = len(chunks)
            chunks.append(chunk)
            spans.extend(Span(chunk_id, doc.doc_id, c.start, c.end, doc.body[c.start:c.end], c.kind) for c in candidates)
    log(f"index: {len(documents)} documents -> {len(chunks)} chunks, {len(spans)} answer spans; embedding...")
    chunk_texts = [chunk_embedding_text(next(d for d in documents if d.doc_id == c.doc_id), c) for c in chunks]
    span_texts = [span_embedding_text(chunks[s.chunk_id], s.text) for s in spans]
    words = corpus_words(documents)
    cache = EmbeddingCache(cache_dir, embedder.fingerprint, embedder.dim).load() if cache_dir else None
    vectors, n_embedded = encode_cached(chunk_texts + span_texts + words,
                                        lambda t: _encode_with_progress(embedder, t, log), cache)
    if cache is not None:
        log(f"index: embedded {n_embedded} new texts, {len(vectors) - n_embedded} from the cache")
        cache.save()
    chunk_vectors = vectors[: len(chunks)]
    span_vectors = vectors[len(chunks): len(chunks) + len(spans)]
    word_vectors = vectors[len(chunks) + len(spans):]
    span_vectors = with_antecedents(spans, span_vectors)
    spec = choose_spec(len(chunk_vectors))
    faiss_index = build_ann(chunk_vectors, spec)
    span_spec = choose_spec(len(span_vectors))
    span_faiss = build_ann(span_vectors, span_spec)
    for_queries()
    manifest = expected_manifest(documents, embedder, max_tokens) | {
        "dim": embedder.dim,
        "ann": spec.to_manifest(),
        "span_ann": span_spec.to_manifest(),
        "counts": {"documents": len(documents), "chunks": len(chunks), "spans": len(spans), "words": len(words)},
        "embedded": n_embedded,
        "build_seconds": round(time.perf_counter() - started, 3),
    }
    return Index({d.doc_id: d for d in documents}, chunks, spans, chunk_vectors, span_vectors, faiss_index, manifest,
                 span_faiss=span_faiss, words=words, word_vectors=word_vectors)


def _encode_with_progress(embedder: Embedder, texts: list[str], log: Log, batch: int = 256) -> np.ndarray:
    parts = []
    # A bar only when there is something to wait for (more than one batch).
    bar = counting(len(texts), "index: embedding", log, unit="texts") if len(texts) > batch else None
    for start in range(0, len(texts), batch):
        parts.append(embedder.encode(texts[start:start + batch]))
        if bar is not None:
            bar.update(len(parts[-1]))
    if bar is not None:
        bar.close()
    return np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def save_index(index: Index, index_dir: Path) -> Path:
    """Write a new generation, then point manifest.json at it atomically; returns the folder."""
    import faiss

    index_dir.mkdir(parents=True, exist_ok=True)
    generation = f"g{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.perf_counter_ns() % 10**6}"
    tmp_dir = index_dir / f".{generation}.tmp"
    tmp_dir.mkdir()
    chunks = [{"doc_id": c.doc_id, "start": c.start, "end": c.end, "heading": c.heading} for c in index.chunks]
    spans = [{"chunk_id": s.chunk_id, "start": s.start, "end": s.end, "kind": s.kind} for s in index.spans]
    (tmp_dir / "chunks.json").write_text(json.dumps(chunks), encoding="utf-8")
    (tmp_dir / "spans.json").write_text(json.dumps(spans), encoding="utf-8")
    np.save(tmp_dir / "chunk_vectors.npy", index.chunk_vectors, allow_pickle=False)
    np.save(tmp_dir / "span_vectors.npy", index.span_vectors, allow_pickle=False)
    (tmp_dir / "words.json").write_text(json.dumps(index.words), encoding="utf-8")
    np.save(tmp_dir / "word_vectors.npy", np.asarray(index.word_vectors, dtype=np.float32), allow_pickle=False)
    faiss.write_index(index.faiss_index, str(tmp_dir / "chunks.faiss"))
    if index.span_faiss is not None:
        faiss.write_index(index.span_faiss, str(tmp_dir / "spans.faiss"))
    files = {p.name: file_sha256(p) for p in sorted(tmp_dir.iterdir())}
    for path in tmp_dir.iterdir():
        _fsync(path)
    gen_dir = index_dir / generation
    tmp_dir.rename(gen_dir)
    manifest = dict(index.manifest) | {"generation": generation, "files": files, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    tmp_manifest = index_dir / f".{MANIFEST}.{os.getpid()}.tmp"
    tmp_manifest.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    _fsync(tmp_manifest)
    tmp_manifest.replace(index_dir / MANIFEST)
    index.manifest = manifest
    _remove_old_generations(index_dir, keep=generation)
    return gen_dir


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _remove_old_generations(index_dir: Path, keep: str) -> None:
    for path in index_dir.iterdir():
        if path.is_dir() and path.name != keep and (path.name.startswith("g") or path.name.endswith(".tmp")):
            shutil.rmtree(path, ignore_errors=True)


def load_index(index_dir: Path, documents: list[Document], expected: dict) -> Index:
    """Load the current generation; raise StaleIndex (with the reason) unless it is intact and current."""
    import faiss

    manifest_path = index_dir / MANIFEST
    if not manifest_path.is_file():
        raise StaleIndex("no index built yet")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StaleIndex(f"manifest unreadable ({exc})") from None
    if not isinstance(manifest, dict):
        raise StaleIndex("manifest is not a JSON object")
    for key, value in expected.items():
        if manifest.get(key) != value:
            raise StaleIndex(f"{key} changed")
    gen_dir = index_dir / str(manifest.get("generation", ""))
    files = manifest.get("files")
    if not isinstance(files, dict) or not gen_dir.is_dir() or not manifest.get("generation"):
        raise StaleIndex("index files missing")
    states = {}
    for name, digest in files.items():
        path = gen_dir / name
        if not path.is_file():
            raise StaleIndex(f"{name} missing")
        if name.endswith("_vectors.npy"):
            states[path] = _file_state(path)  # before the check: a change after it shows
        if file_sha256(path) != digest:
            raise StaleIndex(f"{name} damaged (checksum mismatch)")
    try:
        by_id = {d.doc_id: d for d in documents}
        chunks = [
            Chunk(c["doc_id"], c["start"], c["end"], by_id[c["doc_id"]].body[c["start"]:c["end"]], c["heading"])
            for c in json.loads((gen_dir / "chunks.json").read_text(encoding="utf-8"))
        ]
        spans = [
            Span(s["chunk_id"], chunks[s["chunk_id"]].doc_id, s["start"], s["end"],
                 by_id[chunks[s["chunk_id"]].doc_id].body[s["start"]:s["end"]], s["kind"])
            for s in json.loads((gen_dir / "spans.json").read_text(encoding="utf-8"))
        ]
        chunk_vectors = _load_vectors(gen_dir / "chunk_vectors.npy", files["chunk_vectors.npy"])
        span_vectors = _load_vectors(gen_dir / "span_vectors.npy", files["span_vectors.npy"])
        words = json.loads((gen_dir / "words.json").read_text(encoding="utf-8"))
        word_vectors = np.load(gen_dir / "word_vectors.npy", allow_pickle=False)
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError("words.json is not a list of words")
        faiss_index = faiss.read_index(str(gen_dir / "chunks.faiss"))
        for_queries()
        ann = manifest.get("ann") or {"kind": "flat"}
        if ann.get("nprobe"):
            set_nprobe(faiss_index, int(ann["nprobe"]))
        if faiss_index.ntotal != len(chunks) or faiss_index.d != chunk_vectors.shape[1]:
            raise ValueError("FAISS index does not match the chunk table")
        span_faiss = faiss.read_index(str(gen_dir / "spans.faiss"))
        if (manifest.get("span_ann") or {}).get("nprobe"):
            set_nprobe(span_faiss, int(manifest["span_ann"]["nprobe"]))
        if span_faiss.ntotal != len(spans) or (len(spans) and span_faiss.d != span_vectors.shape[1]):
            raise ValueError("FAISS index does not match the span table")
        mapped = {path: state for path, state in states.items()
                  if isinstance(chunk_vectors if path.name == "chunk_vectors.npy" else span_vectors, np.memmap)}
        return Index(by_id, chunks, spans, chunk_vectors, span_vectors, faiss_index, manifest, span_faiss=span_faiss,
                     words=words, word_vectors=word_vectors, mapped=mapped)
    except (OSError, KeyError, IndexError, TypeError, ValueError, RuntimeError) as exc:
        raise StaleIndex(f"index unreadable ({type(exc).__name__}: {exc})") from None


def _file_state(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


# Vector files up to this size are read into memory; larger ones are memory-mapped.
MMAP_MIN_BYTES = 256 * 1024 * 1024


def _load_vectors(path: Path, digest: str) -> np.ndarray:
    """A vector file as verified. Small files (every real corpus so far) are read whole, checked
    against ``digest`` from the bytes read, and kept in memory: a file truncated or changed under
    a running server (a mapped one killed it with a Bus error, or served flipped values) then
    changes nothing. A large file is mapped after ``load_index`` checked its SHA-256; the dense
    score of a hit then reads one row, the rest stays on disk."""
    if path.stat().st_size > MMAP_MIN_BYTES:
        return np.load(path, allow_pickle=False, mmap_mode="r")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise StaleIndex(f"{path.name} changed while loading (checksum mismatch)")
    return np.load(io.BytesIO(data), allow_pickle=False)


def open_index(index_dir: Path, documents: list[Document], embedder: Embedder, max_tokens: int,
               log: Log = _stderr, force: bool = False) -> tuple[Index, bool]:
    """The saved index if current, else a fresh build saved in its place. Returns (index, rebuilt)."""
    from filelock import FileLock

    expected = expected_manifest(documents, embedder, max_tokens)
    if not force:
        try:
            return load_index(index_dir, documents, expected), False
        except StaleIndex as exc:
            reason = str(exc)
    else:
        reason = "rebuild requested"
    index_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(index_dir / ".build.lock")):
        if not force:  # another process may have finished a build while we waited
            try:
                return load_index(index_dir, documents, expected), False
            except StaleIndex:
                pass
        log(f"index: building in {index_dir} ({reason})")
        index = build_index(documents, embedder, max_tokens, log, cache_dir=index_dir / CACHE_DIR)
        save_index(index, index_dir)
        log(f"index: built {index.manifest['counts']['chunks']} chunks in {index.manifest['build_seconds']:.1f}s")
        return index, True
