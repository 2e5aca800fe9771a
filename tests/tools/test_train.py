"""``python -m bot train``'s SQuAD engines (squad.engines_by_split), on tiny data: no model."""

import json

from bot.answering.scorer import SCORER_FILE, FittedScorer
from bot.tools import calibrate, squad, train


def _squad_file(path):
    """Five one-paragraph articles (three go to validation), each with an answerable and an unanswerable question."""
    data = {"version": "v2.0", "data": [
        {"title": f"Art_{i}", "paragraphs": [{"context": f"The Example Authority met in 18{i}0 and chose Ann Example.", "qas": [
            {"id": f"q{i}a", "question": "Who runs the Example Authority?", "is_impossible": False,
             "answers": [{"text": "Ann Example", "answer_start": 0}]},
            {"id": f"q{i}b", "question": "Who closed it?", "is_impossible": True, "answers": []}]}]} for i in range(5)]}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_each_split_engine_is_built_once_for_the_examples_and_the_calibration(tmp_path, monkeypatch, tiny_engine):
    """The ranker's examples and, after the fit, the calibration leads come from the same two
    engines, whose folders last as long as the ``with`` block (building one costs ~40 s)."""
    built = []

    def build(articles, workdir, settings, log):
        built.append(([a.title for a in articles], workdir))
        return tiny_engine

    monkeypatch.setattr(squad, "build_engine", build)
    with squad.engines_by_split(_squad_file(tmp_path / "squad.json"), None, "test-squad-") as splits:
        examples = train.squad_examples(splits, lambda m: None)
        leads = calibrate.squad_leads(splits, FittedScorer.load(SCORER_FILE), lambda m: None)
        assert all(workdir.parent.is_dir() for _, workdir in built)
    assert [s.name for s in splits] == ["train", "validation"] and len(built) == 2
    assert [[a.title for a in s.articles] for s in splits] == [titles for titles, _ in built]
    assert built[0][1] != built[1][1]
    assert not built[0][1].parent.exists()  # the temporary folder goes with the block
    assert {e.split for e in examples} == {lead.split for lead in leads} == {"train", "validation"}
    assert {e.group for e in examples} == {f"Art_{i}" for i in range(5)}
    assert {lead.mode for lead in leads} == set(calibrate.MODES)


def test_training_runs_itself_again_under_one_hash_seed(monkeypatch):
    """Under another hash seed (or none) ``bot train`` re-runs itself under ``HASH_SEED``, so the
    command fits the same scorer wherever it is run; under that seed it goes on."""
    import sys

    from bot.tools import train

    calls = []
    monkeypatch.setattr(train.os, "execve", lambda exe, argv, env: calls.append((exe, argv, env)))
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    train._with_hash_seed(["train", "--limit", "2"])
    assert len(calls) == 1
    exe, argv, env = calls[0]
    assert exe == sys.executable and argv == [sys.executable, "-m", "bot", "train", "--limit", "2"]
    assert env["PYTHONHASHSEED"] == train.HASH_SEED
    monkeypatch.setenv("PYTHONHASHSEED", "7")
    train._with_hash_seed(["train"])
    assert len(calls) == 2
    monkeypatch.setenv("PYTHONHASHSEED", train.HASH_SEED)
    train._with_hash_seed(["train"])
    assert len(calls) == 2  # already under the seed: no re-run
