"""benchmarks/splitters.py: our sentence splitter against pysbd and syntok. The command runs on the
shipped and tiny corpora and scores the labelled sample; every splitter's sentences map back to exact
offsets; a labelled boundary that is no sentence start is refused."""

from __future__ import annotations

import importlib.util
import json

import pytest

from bot.settings import PROJECT_ROOT

_spec = importlib.util.spec_from_file_location("splitters", PROJECT_ROOT / "benchmarks" / "splitters.py")
splitters = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(splitters)


def test_the_comparison_reports_every_corpus_and_the_labelled_sample(tmp_path, capsys):
    out = tmp_path / "splitters.json"
    assert splitters.main(["--squad", str(tmp_path / "absent.json"), "--json-out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert set(report["corpora"]) == {"corpus/", "tests/data/tiny_corpus"}  # no SQuAD file: skipped
    for res in report["corpora"].values():
        assert set(res["sentences"]) == {"current", "pysbd", "syntok"} and res["offset_failures"]["current"] == 0
        assert 0 < res["agreement"]["pysbd"] <= 1 and 0 < res["agreement"]["syntok"] <= 1
    gold = report["gold"]
    assert gold["current"]["paragraphs"] == gold["pysbd"]["paragraphs"] >= 60
    assert gold["current"]["f1"] > gold["syntok"]["f1"] > gold["pysbd"]["f1"]  # as measured: docs/sentences.md
    assert "hand-labelled sample" in capsys.readouterr().out


def test_every_splitter_gives_exact_offsets():
    for row in splitters.read_gold(splitters.GOLD)[:20]:
        text = row["text"]
        for name, split in splitters.SPLITTERS.items():
            spans = split(text)
            assert spans and all(text[s:e] == text[s:e].strip() != "" for s, e in spans), name
            assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), name


def test_a_boundary_must_be_where_a_sentence_starts(tmp_path):
    bad = tmp_path / "gold.jsonl"
    bad.write_text(json.dumps({"text": "One. Two.", "boundaries": [4]}) + "\n")  # on the space
    with pytest.raises(ValueError, match="boundaries must be"):
        splitters.read_gold(bad)
    bad.write_text(json.dumps({"text": "One. Two.", "boundaries": [5, 5]}) + "\n")
    with pytest.raises(ValueError, match="boundaries must be"):
        splitters.read_gold(bad)
