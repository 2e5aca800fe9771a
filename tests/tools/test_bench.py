"""The benchmark harness runs end to end at a tiny size (hashing embedder) and writes its report."""

from __future__ import annotations

import json

import pytest

from bot.tools import bench


def test_tiny_benchmark_writes_report_plot_and_results(tmp_path):
    repo_report = bench.BenchConfig().out
    before = repo_report.read_bytes() if repo_report.is_file() else None
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# Benchmarks\n\nold figures\n\n## Load test\n\n16 users: 0 errors.\n")
    assert bench.main(["--tiny", "--out", str(out)]) == 0
    # A re-run rewrites its own sections and keeps the load test's.
    assert "old figures" not in out.read_text() and "## Load test\n\n16 users: 0 errors." in out.read_text()

    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks")
    assert bench.REPRODUCE in text
    for heading in ("## Targets", "## Building the shipped corpus", "## Answer latency", "## Scale", "## Memory"):
        assert heading in text
    assert "Machine:" in text and "cores" in text and "Date:" in text
    assert (tmp_path / "benchmarks" / "latency_vs_size.png").stat().st_size > 1000

    results = json.loads((tmp_path / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    build = results["build"]
    assert build["incremental_rebuilt"] and 0 < build["incremental_texts"] < build["full_rebuild_texts"]
    answers = results["answers"]["hashing"]
    assert answers["total"]["p50"] > 0 and answers["encode"]["p95"] >= answers["encode"]["p50"]
    assert [s["n"] for s in results["scale"]] == [2_000, 5_000]
    assert results["scale"][-1]["chosen"] == "ivf-sq8" and results["scale"][0]["chosen"] == "flat"
    assert all(0.0 <= s["ivf"]["recall_at_10"] <= 1.0 for s in results["scale"])
    assert results["app"] == {"skipped": "--tiny run"}
    # The repo's report is only written by a real run.
    assert (repo_report.read_bytes() if repo_report.is_file() else None) == before


def test_bad_sizes_are_refused(capsys):
    assert bench.main(["--tiny", "--sizes", "10,x"]) == 2
    assert "--sizes" in capsys.readouterr().err
    with pytest.raises(ValueError, match="sizes"):
        bench.BenchConfig(sizes=(0,))


def test_percentiles_and_app_skip(tmp_path):
    assert bench.percentiles([1.0, 2.0, 3.0])["p50"] == 2.0
    result = bench.bench_app(bench.Settings(), tmp_path / "missing_app.py", tmp_path)
    assert "not found" in result["skipped"]


@pytest.mark.integration
def test_onnx_backend_gives_the_torch_vectors_and_token_counts(tmp_path):
    """The default backend's claim in BENCHMARKS.md: same vectors, same fingerprint, same chunking."""
    pytest.importorskip("onnxruntime")
    import numpy as np

    from bot.index.embed import OnnxEmbedder, SentenceTransformerEmbedder, make_embedder

    settings = bench.Settings(model_cache_dir=tmp_path / "models")
    onnx = make_embedder(settings)
    assert isinstance(onnx, OnnxEmbedder)
    torch_ = make_embedder(settings.replace(embed_backend="torch"))
    assert isinstance(torch_, SentenceTransformerEmbedder)
    texts = ["Who founded the Met?", "The Metropolitan Police Service was founded by Sir Robert Peel in 1829. " * 12]
    np.testing.assert_allclose(onnx.encode(texts), torch_.encode(texts), atol=2e-4)
    assert [onnx.count_tokens(t) for t in texts] == [torch_.count_tokens(t) for t in texts]
    assert onnx.fingerprint == torch_.fingerprint
    assert list((tmp_path / "models").glob("*-fp32.onnx"))

