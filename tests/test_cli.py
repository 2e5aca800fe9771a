import io
import json
import os
import subprocess
import sys

import pytest

from bot.cli import ask_stream, format_answer
from bot.settings import PROJECT_ROOT

KEYS = {"answered", "answer", "citations", "confidence"}


def run_stream(engine, text: str) -> list[dict]:
    out = io.StringIO()
    ask_stream(engine, io.StringIO(text), out, as_json=True)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_json_lines_one_object_per_line_in_order(tiny_engine):
    lines = [
        json.dumps({"question": "Who founded the service?"}),
        "How do I complain?",
        "{broken json",
        json.dumps({"question": ""}),
        json.dumps({"question": 42}),
        json.dumps({"question": "x" * 2000}),
        json.dumps({"question": "When?", "history": [{"role": "user", "content": "Who founded the service?"}]}),
        json.dumps({"question": "hi", "history": [{"role": "robot", "content": "x"}]}),
        json.dumps(["not", "an", "object"]),
    ]
    out = run_stream(tiny_engine, "\n".join(lines) + "\n")
    assert len(out) == len(lines)
    assert all(KEYS <= set(o) for o in out)
    assert [("error" in o) for o in out] == [False, False, True, True, True, True, False, True, True]
    assert "broken JSON" in out[2]["error"] and "empty" in out[3]["error"]
    assert "must be a string" in out[4]["error"] and "too long" in out[5]["error"]
    assert "role" in out[7]["error"] and "JSON object" in out[8]["error"]
    for o in out:
        for c in o["citations"]:
            assert set(c) >= {"doc_id", "title", "start", "end", "quote"}
            assert tiny_engine.document(c["doc_id"]).body[c["start"]:c["end"]] == c["quote"]


def test_human_format_numbers_citations(tiny_engine):
    text = format_answer(tiny_engine.ask("How do I make a complaint about a police officer?"))
    assert "[1] Making a complaint (June 2017)" in text and "complaints.md" in text
    assert "Related questions:" in text or not tiny_engine.ask("How do I make a complaint about a police officer?").related


@pytest.mark.integration
def test_cli_contract_with_the_real_model(real_settings):
    env = dict(os.environ, BOT_INDEX_DIR=str(real_settings.index_dir), HF_HUB_OFFLINE="1")
    stdin = "\n".join([
        json.dumps({"question": "Where do I complain?"}),
        "not json at all but a question about the IPCC",
        "{bad",
        json.dumps({"question": "What's their postal address?",
                    "history": [{"role": "user", "content": "How do I complain to the MPS?"}]}),
    ]) + "\n"
    proc = subprocess.run([sys.executable, "-m", "bot", "ask", "--json"], input=stdin, capture_output=True,
                          text=True, cwd=PROJECT_ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == 4 and "error" in out[2]
    assert out[0]["answered"] and "complaint" in out[0]["answer"].lower() and out[0]["citations"]
    assert out[3]["answered"] and "SW6 1TR" in out[3]["answer"]

    single = subprocess.run([sys.executable, "-m", "bot", "ask", "Where do I complain?"], capture_output=True,
                            text=True, cwd=PROJECT_ROOT, env=env, timeout=300)
    assert single.returncode == 0 and "[1]" in single.stdout and "complain" in single.stdout.lower()


def test_json_lines_never_contain_characters_readers_split_lines_on(tiny_engine):
    line = json.dumps({"question": "What is MOPAC?\u2028", "\u0085": None}) + "\n"
    out = io.StringIO()
    ask_stream(tiny_engine, io.StringIO(line + json.dumps({"question": "Peel\u2029 1829?"}) + "\n"), out, as_json=True)
    records = out.getvalue().splitlines()
    assert len(records) == 2
    assert "\u0085" in json.loads(records[0])["error"]


def test_the_cli_and_the_api_refuse_a_request_in_the_same_words(tiny_engine, tmp_path):
    """One definition of the request (validate.AskRequest): a bad object gets the same error from
    `ask --json` as from POST /api/ask (there a 422)."""
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from bot.web.app import create_app

    bad = [{"question": 42}, {"history": []}, {"question": "q", "stream": True}, {"question": " \u200b "},
           {"question": "x" * (tiny_engine.settings.max_question_chars + 1)}, {"question": "q", "history": "hi"},
           {"question": "q", "history": [7]}, {"question": "q", "history": [{"role": "robot", "content": "x"}]},
           {"question": "q", "history": [{"role": "user"}]}]
    cli = run_stream(tiny_engine, "".join(json.dumps(b) + "\n" for b in bad))
    with TestClient(create_app(tiny_engine, replace(tiny_engine.settings, data_dir=tmp_path))) as client:
        api = [client.post("/api/ask", json=b) for b in bad]
    assert [r.status_code for r in api] == [422] * len(bad)
    assert [o["error"] for o in cli] == [r.json()["error"] for r in api]
    assert len({o["error"] for o in cli}) == len(bad)  # each names its own problem
