"""Index vectors of a corpus this size are held in memory, checked from the bytes read: a file
changed or truncated under a running server changes no answer and can't kill it (issue 17, item 4)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import bot.index.store as index_module
from bot.index.embed import HashingEmbedder
from bot.engine import Engine

QUESTIONS = ["Who founded the service?", "How do I complain?", "What does the board do?"]


def _vector_files(settings):
    manifest = json.loads((settings.index_dir / "manifest.json").read_text())
    gen = settings.index_dir / manifest["generation"]
    return [gen / "chunk_vectors.npy", gen / "span_vectors.npy"]


def _loaded(settings):
    """An engine on the index as loaded from disk (the first load builds it, in memory)."""
    Engine.load(settings, embedder=HashingEmbedder(), progress=lambda _: None)
    return Engine.load(settings, embedder=HashingEmbedder(), progress=lambda _: None)


def _answers(engine):
    return [engine.ask(q).to_dict() | {"timings_ms": None} for q in QUESTIONS]


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_vector_files_changed_under_a_running_engine_change_nothing(tiny_settings, damage):
    engine = _loaded(tiny_settings)
    assert not isinstance(engine.index.chunk_vectors, np.memmap)
    assert not isinstance(engine.index.span_vectors, np.memmap)
    before = _answers(engine)
    for path in _vector_files(tiny_settings):
        data = bytearray(path.read_bytes())
        if damage == "flip":
            for i in range(200, len(data), 7):  # past the .npy header: the values themselves
                data[i] ^= 0x40
            with open(path, "r+b") as fh:  # in place, as a disk error would: a mapping would see it
                fh.write(bytes(data))
        else:
            with open(path, "r+b") as fh:
                fh.truncate(64)
    assert _answers(engine) == before


def test_a_vector_file_changed_between_check_and_read_is_refused(tiny_settings, monkeypatch):
    Engine.load(tiny_settings, embedder=HashingEmbedder(), progress=lambda _: None)
    path = _vector_files(tiny_settings)[0]
    with pytest.raises(index_module.StaleIndex, match="changed while loading"):
        index_module._load_vectors(path, "0" * 64)


def test_large_vector_files_are_mapped_after_their_check(tiny_settings, monkeypatch):
    monkeypatch.setattr(index_module, "MMAP_MIN_BYTES", 0)
    engine = _loaded(tiny_settings)
    assert isinstance(engine.index.chunk_vectors, np.memmap)


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_mapped_file_changed_under_a_running_engine_is_loaded_again_not_served(
        tiny_settings, monkeypatch, capfd, damage):
    monkeypatch.setattr(index_module, "MMAP_MIN_BYTES", 0)  # as for an index over the threshold
    engine = _loaded(tiny_settings)
    assert isinstance(engine.index.chunk_vectors, np.memmap) and engine.index.mapped
    before = _answers(engine)
    path = _vector_files(tiny_settings)[0]
    with open(path, "r+b") as fh:
        if damage == "flip":
            data = bytearray(fh.read())
            for i in range(200, len(data), 7):
                data[i] ^= 0x40
            fh.seek(0)
            fh.write(bytes(data))  # in place: the mapping sees the new values
        else:
            fh.truncate(64)  # reading a mapped row past the end now would be a Bus error
    capfd.readouterr()
    assert _answers(engine) == before
    err = capfd.readouterr().err
    assert "changed while serving" in err and "damaged" in err  # the check found it; rebuilt
    assert not engine.index.changed_on_disk()
