"""benchmarks/load.py (locust, headless) at a small size against the app on the tiny engine, served on
loopback: 4 users for 3 s with no errors and a p95 under a second; errors are counted and fail the run;
a pressure run's probes are timed; anything but loopback is refused. Each locust run takes a few seconds."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from bot.index.embed import HashingEmbedder
from bot.engine import Engine
from bot.settings import PROJECT_ROOT, Settings
from bot.web.app import create_app
from conftest import TINY_CORPUS
from web_fixtures import FakeEngine, serve

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))  # load.py imports pressure.py from there
_spec = importlib.util.spec_from_file_location("load", PROJECT_ROOT / "benchmarks" / "load.py")
load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load)


@pytest.fixture(scope="module")
def tiny_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("load")
    settings = Settings(corpus_dir=TINY_CORPUS, index_dir=tmp / "embeddings", data_dir=tmp / "var")
    engine = Engine.load(settings, embedder=HashingEmbedder(), progress=lambda _: None)
    with serve(create_app(engine, settings)) as url:
        yield url


def test_small_load_has_no_errors_and_a_fast_p95(tiny_url, tmp_path):
    out = tmp_path / "load.json"
    code = load.main(["steady", "--url", tiny_url, "--users", "4", "--seconds", "3", "--json-out", str(out)])
    report = json.loads(out.read_text())["steady"]
    assert code == 0 and report["target_met"] is True and report["locust_exit_code"] == 0
    assert report["errors"] == 0 and report["error_samples"] == []
    assert report["requests"] >= 20 and report["answered"] > 0 and report["abstained"] > 0
    assert report["answered"] + report["abstained"] == report["requests"]
    assert 0 < report["latency_ms"]["p50"] <= report["latency_ms"]["p95"] <= report["latency_ms"]["max"]
    assert report["latency_ms"]["p95"] < 1000
    assert 3 <= report["wall_s"] < 15  # locust stopped by itself (start-up and the last requests included)


def test_errors_are_counted_and_fail_the_run(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": "What is MOPAC?"}) + "\n" + json.dumps({"question": "please explode"}) + "\n")
    with serve(create_app(FakeEngine(), Settings(data_dir=tmp_path / "var"))) as url:
        code = load.main(["steady", "--url", url, "--users", "2", "--seconds", "1", "--questions", str(questions),
                          "--json-out", str(tmp_path / "r.json")])
    report = json.loads((tmp_path / "r.json").read_text())["steady"]
    assert code == 1 and report["target_met"] is False and report["locust_exit_code"] != 0
    assert report["requests"] >= 4 and 0 < report["errors"] < report["requests"]
    assert report["answered"] + report["abstained"] + report["errors"] == report["requests"]
    assert any("HTTP 500" in e and "engine failed" in e for e in report["error_samples"]), report["error_samples"]


def test_a_pressure_run_times_health_and_ordinary_questions_while_worst_requests_are_in_flight(tiny_url):
    result = load.under_pressure(tiny_url, in_flight=3, seconds=3, probe_rounds=2)
    assert result["locust_exit_code"] == 0 and result["error_samples"] == []
    assert result["worst_requests"] >= 3 and result["worst_failures"] == 0
    assert result["health_samples"] == 2 and result["ordinary_samples"] == 2  # --probe-rounds bounds them
    assert 0 < result["health_ms_max"] and 0 < result["ordinary_ms_max"]
    assert load.pressure_missed(result | {"worst_cpu_s": 0.1}) == []
    assert load.pressure_missed(result | {"worst_cpu_s": 0.1, "health_samples": 0}) == ["no health or ordinary sample under pressure"]


@pytest.mark.parametrize("url", ["http://example.com", "http://10.0.0.1:7860", "ftp://127.0.0.1/"])
def test_only_loopback_is_loaded(url):
    with pytest.raises(SystemExit, match="loopback only"):
        load.check_loopback(url)
    with pytest.raises(SystemExit, match="loopback only"):
        load.run_locust(url, ["AskUser"], 1, 1)
    assert load.check_loopback("http://127.0.0.1:7860/") == "http://127.0.0.1:7860"


def test_the_figures_go_between_their_markers():
    text = "# B\n\n## Load test\n\nprose\n<!-- load.py steady -->\nold\n<!-- /load.py steady -->\nafter\n"
    new = load.replace_block(text, "steady", "| new |")
    assert new == "# B\n\n## Load test\n\nprose\n<!-- load.py steady -->\n| new |\n<!-- /load.py steady -->\nafter\n"
    with pytest.raises(SystemExit, match="no <!-- load.py pressure -->"):
        load.replace_block(text, "pressure", "x")
    for name in ("steady", "pressure"):  # the real file has both blocks
        load.replace_block(load.BENCHMARKS_MD.read_text(), name, "x")
