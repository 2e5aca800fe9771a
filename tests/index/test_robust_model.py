"""Both embedding backends refuse weights whose SHA-256 is not the expected one, naming both
hashes, before loading anything; the CLI and app.py turn that into one line and exit 1.
No model is loaded here: the check runs first (a 90 MB copy of the weights is hashed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import app as app_module
from bot.index.embed import ModelError, OnnxEmbedder, SentenceTransformerEmbedder, file_sha256
from bot.settings import OFFICIAL_MINILM_SHA256, PROJECT_ROOT, Settings, bundled_model_dir
from conftest import TINY_CORPUS

WRONG = "0" * 64


@pytest.fixture(scope="module")
def tampered_model(tmp_path_factory) -> tuple[Path, str]:
    """A copy of the bundled model folder with one byte of its weights changed, and its new hash."""
    target = tmp_path_factory.mktemp("tampered") / "all-MiniLM-L6-v2"
    shutil.copytree(bundled_model_dir(), target)
    weights = target / "model.safetensors"
    with open(weights, "r+b") as fh:
        fh.seek(weights.stat().st_size // 2)
        byte = fh.read(1)
        fh.seek(-1, os.SEEK_CUR)
        fh.write(bytes([byte[0] ^ 0x01]))
    return target, file_sha256(weights)


def embedders(model_dir: Path, expected: str, tmp_path: Path):
    return [SentenceTransformerEmbedder(model_dir, expected), OnnxEmbedder(model_dir, tmp_path / "onnx", expected)]


def test_the_bundled_weights_pass_the_check(tmp_path):
    for embedder in embedders(bundled_model_dir(), OFFICIAL_MINILM_SHA256, tmp_path):
        assert embedder.fingerprint.endswith("@sha256:" + OFFICIAL_MINILM_SHA256[:16])


def test_a_wrong_expected_hash_is_refused_by_both_backends(tmp_path):
    for embedder in embedders(bundled_model_dir(), WRONG, tmp_path):
        with pytest.raises(ModelError) as info:
            embedder.fingerprint
        assert OFFICIAL_MINILM_SHA256 in str(info.value) and WRONG in str(info.value)
        with pytest.raises(ModelError):
            embedder.encode(["Who runs the Met?"])
    assert not (tmp_path / "onnx").exists()  # refused before any export


def test_altered_weights_are_refused_by_both_backends(tampered_model, tmp_path):
    model_dir, actual = tampered_model
    assert actual != OFFICIAL_MINILM_SHA256
    for embedder in embedders(model_dir, OFFICIAL_MINILM_SHA256, tmp_path):
        with pytest.raises(ModelError) as info:
            embedder.encode(["Who runs the Met?"])
        message = str(info.value)
        assert f"model.safetensors has SHA-256 {actual}, expected {OFFICIAL_MINILM_SHA256}" in message
        assert "BOT_MODEL_SHA256" in message


@pytest.mark.parametrize("command", [["ask", "Who runs the Met?"], ["build"]])
def test_cli_refuses_altered_weights_in_one_line(tampered_model, tmp_path, command):
    model_dir, actual = tampered_model
    env = dict(os.environ, BOT_MODEL=str(model_dir), BOT_MODEL_SHA256=OFFICIAL_MINILM_SHA256,
               BOT_CORPUS_DIR=str(TINY_CORPUS), BOT_INDEX_DIR=str(tmp_path / "idx"), BOT_DATA_DIR=str(tmp_path / "var"))
    proc = subprocess.run([sys.executable, "-m", "bot", *command], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stdout == ""
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"error: refusing model {model_dir}: ")
    assert actual in line and OFFICIAL_MINILM_SHA256 in line
    assert not (tmp_path / "idx" / "manifest.json").exists()


def test_app_refuses_altered_weights_in_one_line(tampered_model, tmp_path, monkeypatch, capsys):
    model_dir, actual = tampered_model
    for name, value in {"BOT_MODEL": str(model_dir), "BOT_MODEL_SHA256": OFFICIAL_MINILM_SHA256,
                        "BOT_CORPUS_DIR": str(TINY_CORPUS), "BOT_INDEX_DIR": str(tmp_path / "idx"),
                        "BOT_DATA_DIR": str(tmp_path / "var")}.items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env().model_sha256 == OFFICIAL_MINILM_SHA256
    assert app_module.main([]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: could not start the chatbot: refusing model") and actual in line
