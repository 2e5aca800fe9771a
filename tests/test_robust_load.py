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
    import types

    import uvicorn

    import app

    engine, served = FakeEngine(), []
    monkeypatch.setitem(sys.modules, "bot.engine", types.SimpleNamespace(
        Engine=types.SimpleNamespace(load=lambda settings, progress=None: engine)))
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(uvicorn, "run", lambda app_, **kw: served.append(list(engine.calls)))
    assert app.main([]) == 0
    assert served == [[(app.WARM_UP_QUESTION, ())]]  # asked once, before uvicorn started
