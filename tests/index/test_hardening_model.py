"""Every ONNX export is checked against the SHA-256 recorded when it was made, on every load;
a damaged one is made again, never used (issue 17, item 4). Uses the real bundled model."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import bot.index.embed as embed
from bot.index.embed import OnnxEmbedder

pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.integration

TEXTS = ["Who runs the Metropolitan Police?", "complaints"]


@pytest.fixture
def exporter(real_engine, monkeypatch):
    """Exports copy the session's good export (a real export takes ~15 s); counts them."""
    good = real_engine.embedder.onnx_path
    assert good.is_file()
    made: list[str] = []

    def copy(model_dir, target):
        made.append(target.name)
        shutil.copyfile(good, target)

    monkeypatch.setattr(embed, "_export_fp32", copy)
    return made


def _fresh(real_settings, tmp_path) -> OnnxEmbedder:
    return OnnxEmbedder(real_settings.model_path, tmp_path / "models", real_settings.model_sha256)


def test_an_export_records_its_sha256(real_settings, tmp_path, exporter):
    embedder = _fresh(real_settings, tmp_path)
    embedder.encode(TEXTS)
    record = embedder.onnx_path.with_name(embedder.onnx_path.name + ".sha256")
    assert record.read_text().strip() == embed.file_sha256(embedder.onnx_path)
    assert len(exporter) == 1


@pytest.mark.parametrize("damage", ["flip", "truncate", "no record"])
def test_a_damaged_export_is_made_again_and_never_used(real_engine, real_settings, tmp_path, exporter, capfd, damage):
    first = _fresh(real_settings, tmp_path)
    expected = first.encode(TEXTS)
    path = first.onnx_path
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01  # one bit in the weights: onnxruntime loads it without a word
        path.write_bytes(bytes(data))
    elif damage == "truncate":
        path.write_bytes(bytes(data[: len(data) // 3]))
    else:
        path.with_name(path.name + ".sha256").unlink()
    capfd.readouterr()
    again = _fresh(real_settings, tmp_path)
    vectors = again.encode(TEXTS)
    assert "exporting it again" in capfd.readouterr().err
    assert len(exporter) == 2
    np.testing.assert_allclose(vectors, expected, atol=1e-6)
    assert embed.export_problem(path) == ""


def test_an_export_that_stays_bad_is_a_clear_error(real_settings, tmp_path, monkeypatch):
    monkeypatch.setattr(embed, "_export_fp32", lambda model_dir, target: target.write_bytes(b"not a graph"))
    with pytest.raises(embed.ModelError, match="unusable even when made afresh"):
        _fresh(real_settings, tmp_path).encode(TEXTS)
