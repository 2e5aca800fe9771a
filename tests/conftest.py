"""Shared fixtures. Offline tests use the tiny corpus in tests/data/tiny_corpus and a hashing
embedder; tests marked ``integration`` use the real bundled MiniLM on the real corpus, with the
index built in a temporary folder (never the repo's embeddings/)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.index.embed import HashingEmbedder
from bot.engine import Engine
from bot.settings import PROJECT_ROOT, Settings

DATA = Path(__file__).parent / "data"
TINY_CORPUS = DATA / "tiny_corpus"


# Fixtures that load the real bundled model: a test using one is an integration test whatever
# its own markers say, so `-m "not integration and not browser"` never loads the model.
REAL_MODEL_FIXTURES = {"real_engine", "real_settings"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "integration: uses the real bundled model and corpus (slower)")
    config.addinivalue_line("markers", "browser: drives headless Chromium")


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A writable copy of the tiny corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(TINY_CORPUS, target)
    return target


@pytest.fixture
def tiny_settings(tmp_path: Path, tiny_corpus: Path) -> Settings:
    return Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "embeddings", data_dir=tmp_path / "var")


@pytest.fixture
def tiny_engine(tiny_settings: Settings) -> Engine:
    return Engine.load(tiny_settings, embedder=HashingEmbedder(), progress=lambda _: None)


@pytest.fixture
def engine_over(tmp_path: Path):
    """Build an engine (hashing embedder) over made-up pages: ``engine_over({"a.md": text})``."""
    def build(pages: dict[str, str]) -> Engine:
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        for name, text in pages.items():
            (corpus / name).write_text(text, encoding="utf-8")
        settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "embeddings", data_dir=tmp_path / "var")
        return Engine.load(settings, embedder=HashingEmbedder(), progress=lambda _: None)
    return build


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("real")
    return Settings.from_env({}).replace(index_dir=tmp / "embeddings", data_dir=tmp / "var",
                                          corpus_dir=PROJECT_ROOT / "corpus")


@pytest.fixture(scope="session")
def real_engine(real_settings: Settings) -> Engine:
    return Engine.load(real_settings, progress=lambda _: None)
