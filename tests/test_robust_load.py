"""benchmarks/loadtest.py at a small size: 4 users for 3 s against the app on the tiny engine
(served on loopback): no errors, a p95 under a second, and errors are counted when they happen."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from bot.embed import HashingEmbedder
from bot.engine import Engine
from bot.settings import PROJECT_ROOT, Settings
from bot.web import create_app
from conftest import TINY_CORPUS
from web_fixtures import FakeEngine, serve

_spec = importlib.util.spec_from_file_location("loadtest", PROJECT_ROOT / "benchmarks" / "loadtest.py")
loadtest = importlib.util.module_from_spec(_spec)
sys.modules["loadtest"] = loadtest  # dataclasses look their module up while the class is made
_spec.loader.exec_module(loadtest)


@pytest.fixture(scope="module")
def tiny_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("load")
    settings = Settings(corpus_dir=TINY_CORPUS, index_dir=tmp / "embeddings", data_dir=tmp / "var")
    engine = Engine.load(settings, embedder=HashingEmbedder(), progress=lambda _: None)
    with serve(create_app(engine, settings)) as url:
        yield url


def test_small_load_has_no_errors_and_a_fast_p95(tiny_url, tmp_path):
    out = tmp_path / "load.json"
    code = loadtest.main(["--url", tiny_url, "--users", "4", "--seconds", "3", "--json-out", str(out)])
    report = json.loads(out.read_text())
    assert code == 0 and report["target_met"] is True
    assert report["errors"] == 0 and report["status_counts"] == {"200": report["requests"]}
    assert report["requests"] >= 20 and report["answered"] > 0 and report["abstained"] > 0
    assert 2.9 <= report["seconds"] < 10  # it stopped by itself
    assert 0 < report["latency_ms"]["p50"] <= report["latency_ms"]["p95"] < 1000
    assert report["requests_per_s"] == pytest.approx(report["requests"] / report["seconds"], rel=0.01)


def test_errors_are_counted_and_fail_the_run(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": "What is MOPAC?"}) + "\n" + json.dumps({"question": "please explode"}) + "\n")
    with serve(create_app(FakeEngine(), Settings(data_dir=tmp_path / "var"))) as url:
        result = loadtest.run(url, users=2, seconds=1, questions=questions)
        code = loadtest.main(["--url", url, "--users", "2", "--seconds", "1", "--questions", str(questions),
                              "--json-out", str(tmp_path / "r.json")])
    assert result.requests >= 4 and 0 < result.errors < result.requests
    assert result.status_counts["HTTP 500"] == result.errors
    assert any("engine failed" in e for e in result.error_samples)
    assert code == 1 and json.loads((tmp_path / "r.json").read_text())["target_met"] is False



def test_app_answers_a_warm_up_question_before_serving(monkeypatch, tmp_path):
    """The page is served at once; the engine takes visitors' questions only after the warm-up."""
    import threading
    import types

    import app
    from bot.web import PreparingEngine
    from web_fixtures import fake_uvicorn

    engine, loaded = FakeEngine(), threading.Event()
    ready_at_warm_up = []
    original = PreparingEngine.ready_with

    def ready_with(self, e):
        ready_at_warm_up.append(list(engine.calls))
        original(self, e)

    monkeypatch.setattr(PreparingEngine, "ready_with", ready_with)
    monkeypatch.setitem(sys.modules, "bot.engine", types.SimpleNamespace(
        Engine=types.SimpleNamespace(load=lambda settings, progress=None: (loaded.set(), engine)[1])))
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "var"))
    served = fake_uvicorn(monkeypatch)
    assert app.main([]) == 0 and loaded.is_set()
    assert ready_at_warm_up == [[(app.WARM_UP_QUESTION, ())]]  # asked once, before it took questions
    assert served["app"] is not None
