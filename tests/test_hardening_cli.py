"""Small ones (issue 17, item 8) and the CLI's request cap (item 1): invisible-only questions are
empty, `ask ... | head -1` ends quietly, and an over-long input line is refused unread."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap

import pytest

from bot.cli import ask_stream
from bot.settings import PROJECT_ROOT
from bot.query.validate import MAX_REQUEST_BYTES, RequestError, clean_question, parse_request

INVISIBLE = ["\u200b", "\u200b\u200c\u200d", "\ufeff\u2060 \u200b", "\u00ad\u200e\u200f", "\u034f"]


@pytest.mark.parametrize("text", INVISIBLE)
def test_a_question_of_only_zero_width_characters_is_empty(text):
    assert clean_question(text) == ""
    with pytest.raises(RequestError, match="empty"):
        parse_request({"question": text}, max_chars=1000, max_turns=10)


@pytest.mark.parametrize("text", ["Who runs the Met?", "\u200bWho runs the Met?", "👍", "من يدير الشرطة؟"])
def test_a_visible_question_is_kept(text):
    assert clean_question(text) == text


def test_the_engine_calls_a_zero_width_question_empty(tiny_engine):
    assert tiny_engine.ask("\u200b\u200b").error == "question is empty"


def test_an_over_long_line_is_refused_and_the_next_one_answered(tiny_engine):
    long_line = json.dumps({"question": "Who founded the service?", "history": [
        {"role": "user", "content": "x" * 3000}] * 40})
    assert len(long_line) > MAX_REQUEST_BYTES
    text = long_line + "\n" + json.dumps({"question": "Who founded the service?"}) + "\n"
    out = io.StringIO()
    ask_stream(tiny_engine, io.BytesIO(text.encode()), out, as_json=True)
    first, second = [json.loads(line) for line in out.getvalue().splitlines()]
    assert first["answered"] is False and "too long" in first["error"] and str(MAX_REQUEST_BYTES) in first["error"]
    assert "error" not in second


def test_a_line_at_the_limit_is_read(tiny_engine):
    body = json.dumps({"question": "Who founded the service?", "history": []})
    line = body[:-1] + " " * (MAX_REQUEST_BYTES - len(body)) + "}"
    assert len(line) == MAX_REQUEST_BYTES
    out = io.StringIO()
    ask_stream(tiny_engine, io.BytesIO((line + "\n").encode()), out, as_json=True)
    assert "error" not in json.loads(out.getvalue())


# A child `python -m bot ask` with a fake engine (no model): real pipes, real interpreter exit.
CHILD = textwrap.dedent("""
    import sys
    import bot.cli as cli
    from bot.schema import Answer
    from bot.settings import Settings

    class Engine:
        settings = Settings()
        def ask_request(self, request, trace=None):
            return Answer(False, "The sources don't cover this question.", (), confidence=0.0)
        def handle(self, obj, trace=None):
            return Answer(False, "The sources don't cover this question. " * 2000, (), confidence=0.0)

    cli._load_engine = lambda args: Engine()
    sys.exit(cli.main(sys.argv[1:]))
""")


@pytest.mark.parametrize("args", [["ask", "--json"], ["ask"], ["ask", "one question"]])
def test_a_closed_pipe_ends_the_cli_quietly(args):
    proc = subprocess.Popen([sys.executable, "-c", CHILD, *args], cwd=PROJECT_ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # like `| head -1` having read its line and gone
    _, err = proc.communicate(b"Who runs the Met?\n" * 5000, timeout=60)
    assert err.decode() == "" and proc.returncode == 0
