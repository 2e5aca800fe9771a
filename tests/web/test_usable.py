"""A chat anyone can use (issue 18), without a browser: the notices (a standing note, urgent
questions, where to ask instead) come from a data file; one vote per answer message; related
questions that are questions and never repeat the thread; contrast of both palettes; the API's
405 on GET. The browser side is in test_browser_usable.py."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from bot.web.feedback import FeedbackStore
from bot.web.notices import Notices
from bot.web.render import source_view
from bot.schema import Answer
from bot.settings import Settings
from bot.answering.suggest import RelatedQuestions, reads_as_question, same_question
from bot.web.theme import _DARK, _LIGHT
from bot.web.app import ChatHandlers, create_app, related_updates
from web_fixtures import DOCUMENTS, FakeEngine, cite

URGENT = (
    "I need to report a crime happening right now",
    "Someone is breaking into my house right now",
    "I'm being followed, what do I do?",
    "my friend is bleeding badly",
    "There is a man with a knife outside, he has got a knife",
    "a burglary in progress next door",
    "I am in danger",
    "help me please, it's urgent",
)
NOT_URGENT = (
    "Who manages the Metropolitan Police?",
    "How many officers were injured in 2020?",
    "What is the emergency number for the police?",
    "Where do I complain about a crime report?",
    "When was the Met founded?",
    "What does MOPAC do about knife crime?",
)


@pytest.fixture(scope="module")
def notices():
    return Notices.load()


@pytest.mark.parametrize("question", URGENT)
def test_urgent_questions_read_as_urgent(notices, question):
    assert notices.reads_urgent(question)
    assert notices.leading(question) == notices.urgent


@pytest.mark.parametrize("question", NOT_URGENT)
def test_ordinary_questions_do_not(notices, question):
    assert not notices.reads_urgent(question)
    assert notices.leading(question) == ""


def test_the_shipped_notices_name_999_101_and_the_complaint_routes(notices):
    assert "999" in notices.note and "101" in notices.note and "unofficial" in notices.note.lower()
    assert "999" in notices.urgent
    assert "101" in notices.abstain and "complain" in notices.abstain.lower()


def test_the_wording_and_patterns_are_configuration(tmp_path, monkeypatch):
    own = tmp_path / "notices.toml"
    own.write_text('note = "Not official. Call 112."\n[urgent]\ntext = "Call 112 now."\npatterns = [\'\\bfire\\b\']\n'
                   '[abstain]\ntext = "Ask the town hall."\n', encoding="utf-8")
    monkeypatch.setenv("BOT_NOTICES_FILE", str(own))
    settings = Settings.from_env()
    assert settings.notices_file == own.resolve()
    loaded = Notices.load(settings.notices_file)
    assert loaded.reads_urgent("There is a FIRE in the hall") and not loaded.reads_urgent("crime happening right now")
    handlers = ChatHandlers(FakeEngine(), settings.replace(data_dir=tmp_path), FeedbackStore(tmp_path / "fb.sqlite3"))
    messages, *_ = handlers.submit("What will the weather be on Mars? fire!", [])
    assert messages[1]["content"].startswith('<strong class="notice-urgent">Call 112 now.</strong>')
    assert messages[1]["content"].endswith("Ask the town hall.</span>")


@pytest.mark.parametrize("text, error", [
    ('note = "x"\n', "lacks"),
    ('note = "x"\n[urgent]\ntext = "y"\npatterns = ["(unclosed"]\n[abstain]\ntext = "z"\n', "not a valid regular expression"),
    ('note = ""\n[urgent]\ntext = "y"\npatterns = ["a"]\n[abstain]\ntext = "z"\n', "non-empty"),
    ("note = \n", "cannot read"),
])
def test_a_bad_notices_file_is_refused_naming_it(tmp_path, text, error):
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=error) as info:
        Notices.load(bad)
    assert str(bad) in str(info.value)


def test_no_notice_wording_in_the_code():
    import bot.web.notices

    code = Path(bot.web.notices.__file__).read_text(encoding="utf-8")
    assert "999" not in code and "101" not in code and "IOPC" not in code


# ------------------------------------------------------------------------------ the chat


@pytest.fixture
def handlers(tmp_path):
    return ChatHandlers(FakeEngine(), Settings(data_dir=tmp_path, max_question_chars=200),
                        FeedbackStore(tmp_path / "fb.sqlite3"))


def test_an_urgent_question_starts_with_the_notice_whatever_the_sources_say(handlers, notices):
    # Answered from the sources...
    messages, *_ = handlers.submit("Someone is being attacked right now, where do I complain?", [])
    bubble = messages[1]["content"]
    assert bubble.startswith(f'<strong class="notice-urgent">{notices.urgent}</strong>')
    assert "You can complain to the Met directly" in bubble
    # ... or not covered: the notice first, then where to ask instead.
    messages, *_ = handlers.submit("I need to report a crime happening right now", [])
    bubble = messages[1]["content"]
    assert bubble.startswith('<strong class="notice-urgent">') and "The sources don't cover this question." in bubble
    assert bubble.endswith(f'<span class="notice-abstain">{notices.abstain}</span>')


def test_every_abstention_names_where_to_ask_instead(handlers, notices):
    messages, _, _, panel, *_ = handlers.submit("What will the weather be on Mars?", [])
    assert notices.abstain in messages[1]["content"] and "notice-urgent" not in messages[1]["content"]
    messages, *_ = handlers.submit("What is MOPAC?", [])
    assert notices.abstain not in messages[1]["content"]  # an answer needs none


def test_the_api_carries_the_notices(tmp_path, notices):
    with TestClient(create_app(FakeEngine(), Settings(data_dir=tmp_path))) as client:
        urgent = client.post("/api/ask", json={"question": "I need to report a crime happening right now"}).json()
        assert urgent["answered"] is False and urgent["notices"] == [notices.urgent, notices.abstain]
        plain = client.post("/api/ask", json={"question": "What is MOPAC?"}).json()
        assert plain["answered"] is True and plain["notices"] == []
        assert client.get("/api/ask").status_code == 405
        page = client.get("/").text
        assert notices.note.split(":")[0] in page  # the standing note is on the page


def test_a_refused_question_stays_in_the_box(handlers):
    too_long = "Who runs the Met? " * 20
    _, exchanges, box, *_ = handlers.submit(too_long, [])
    assert exchanges[-1].answer.error and box == too_long
    _, _, box, *_ = handlers.submit("What is MOPAC?", exchanges)
    assert box == ""


def test_a_new_answer_is_announced(handlers):
    out = handlers.submit("What is MOPAC?", [])
    assert "Answer, quoted from 1 source(s): The Mayor&#x27;s Office" in out[6]
    assert handlers.clear()[6] == ""


# ------------------------------------------------------------------------------ votes


def vote(handlers, exchanges, index, liked):
    handlers.vote(exchanges, SimpleNamespace(index=index, liked=liked))
    return [(v.vote, v.message_id) for v in handlers.feedback.votes()]


def test_one_vote_per_answer_message_changed_or_undone(handlers):
    _, exchanges, *_ = handlers.submit("What is MOPAC?", [])
    _, exchanges, *_ = handlers.submit("Where do I complain?", exchanges)
    first, second = exchanges[0].message_id, exchanges[1].message_id
    assert first != second and re.fullmatch(r"[0-9a-f]{32}", first)
    assert vote(handlers, exchanges, 1, True) == [("up", first)]
    assert vote(handlers, exchanges, 1, False) == [("down", first)]  # changed: the row is updated
    assert vote(handlers, exchanges, 3, True) == [("down", first), ("up", second)]
    assert vote(handlers, exchanges, 1, "") == [("up", second)]  # undone: the row is gone
    assert vote(handlers, exchanges, 3, None) == []


def test_no_votes_on_errors(handlers):
    _, exchanges, *_ = handlers.submit("x" * 300, [])  # over max_question_chars: an error message
    assert exchanges[0].answer.error
    assert vote(handlers, exchanges, 1, True) == []


def test_an_older_store_gains_message_ids(tmp_path):
    path = tmp_path / "fb.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE votes (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, "
                     "question_hash TEXT NOT NULL, question TEXT, citations TEXT NOT NULL, vote TEXT NOT NULL)")
        conn.execute("INSERT INTO votes (created_at, question_hash, citations, vote) VALUES ('2099-01-01', 'h', '[]', 'up')")
    store = FeedbackStore(path)
    assert [(v.vote, v.message_id) for v in store.votes()] == [("up", None)]
    store.record(question="q", citations=[], vote="down", message_id="m1")
    store.record(question="q", citations=[], vote="up", message_id="m1")
    assert [(v.vote, v.message_id) for v in store.votes()] == [("up", None), ("up", "m1")]
    assert store.retract("m1") == 1 and store.retract("m1") == 0
    with pytest.raises(ValueError, match="message_id"):
        store.record(question="q", citations=[], vote="up", message_id="x" * 65)


# ------------------------------------------------------------------------------ related questions


def test_headings_are_offered_only_when_they_read_as_questions():
    assert reads_as_question("How we assess staff") and reads_as_question("Is the Met accountable?")
    assert not reads_as_question("Metropolitan Police Service") and not reads_as_question("Appointment of officers")
    related = RelatedQuestions({}, [], ["Metropolitan Police Service history today", "How we assess staff",
                                        "Who we work with"])
    assert related.texts == ["How we assess staff", "Who we work with"]


def test_repeats_and_near_repeats_are_the_same_question():
    assert same_question("Who manages the Met?", "who manages the met")
    assert same_question("Where do I complain?", "Where can I complain?")
    assert not same_question("Where do I complain?", "When was the Met founded?")
    # Asking what something means is another question than naming it, however long the name.
    assert not same_question("What does harbour dues levy scheme notice mean?", "harbour dues levy scheme notice")


def test_related_chips_never_offer_a_question_of_the_thread():
    answer = Answer(True, "a", (cite(DOCUMENTS[0], "About MOPAC"),), confidence=0.9,
                    related=("What is MOPAC?", "Where do I complain?", "When was the Met founded?"))
    _, *chips = related_updates(answer, asked=["what is mopac", "When was the Met founded ?"])
    assert [c["value"] for c in chips if c.get("visible")] == ["Where do I complain?"]


def test_the_picker_skips_what_the_thread_asked():
    import numpy as np

    from bot.answering.suggest import Candidate

    related = RelatedQuestions({}, [], [])
    texts = ["What is MOPAC?", "Where do I complain?", "When was the Met founded?"]
    related._candidates = [Candidate(t, np.array([1.0, 0.1 * i]), "d", 100 * i) for i, t in enumerate(texts)]
    answer = Answer(False, "", (), confidence=0.1)

    def pick(**kw):
        return related.pick("Who runs the Met?", np.array([1.0, 0.0]), answer, ask=None, encode=None, **kw)

    assert pick() == texts
    assert pick(asked=["where can I complain", "What is MOPAC ?"]) == ["When was the Met founded?"]


# ------------------------------------------------------------------------------ colours and markup


def _palette(block: str) -> dict[str, str]:
    return dict(re.findall(r"--mb-([\w-]+):\s*(#[0-9a-f]{6})", block))


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# (text, background) pairs the CSS puts together.
PAIRS = [("text", "surface"), ("text", "subtle"), ("muted", "surface"), ("muted", "subtle"), ("link", "surface"),
         ("link", "subtle"), ("mark-text", "mark-bg"), ("also-text", "also-bg"), ("pill-text", "pill-bg"),
         ("muted", "pill2-bg"), ("badge-text", "badge-bg"), ("text", "warn-bg"), ("link", "chip-bg"),
         ("link", "chip-hover"), ("active-text", "active-bg"), ("urgent-text", "urgent-bg")]


@pytest.mark.parametrize("name, block", [("light", _LIGHT), ("dark", _DARK)])
def test_both_palettes_are_readable(name, block):
    palette = _palette(block)
    low = {f"{t} on {b}": round(contrast(palette[t], palette[b]), 2) for t, b in PAIRS
           if contrast(palette[t], palette[b]) < 4.5}
    assert not low, f"{name}: {low}"


def test_the_source_text_scrolls_by_keyboard():
    doc = DOCUMENTS[0]
    view = source_view(doc, (cite(doc, "About MOPAC"),), 0)
    assert re.search(r'<div class="doc-body" tabindex="0" role="region" aria-label="Text of [^"]+">', view)


# ------------------------------------------------------------------------------ first start


def test_progress_ticker():
    import io

    from bot.progress import Ticker

    out = io.StringIO()
    with Ticker("embed: exporting", stream=out, every=0.05):
        import time

        time.sleep(0.18)
    lines = out.getvalue().splitlines()
    assert lines[0] == "embed: exporting..." and re.fullmatch(r"embed: exporting: done in 0\.\d s", lines[-1])
    assert any("still working" in line for line in lines[1:-1])


def test_embedding_the_corpus_shows_a_bar_in_whole_lines_when_not_on_a_terminal():
    from bot.index.embed import HashingEmbedder
    from bot.index.store import _encode_with_progress

    lines: list[str] = []
    vectors = _encode_with_progress(HashingEmbedder(), [f"text {i}" for i in range(600)], lines.append, batch=256)
    assert len(vectors) == 600
    # tqdm's bar, one line per refresh (here the start and the end: refreshes are 5 s apart), no carriage return.
    assert re.fullmatch(r"index: embedding:\s+0%\|\s+\| 0/600 \[.*\]", lines[0]), lines
    assert re.fullmatch(r"index: embedding: 100%\|#+\| 600/600 \[.*texts/s\]", lines[-1]), lines
    assert len(lines) == len(set(lines)) and not any("\r" in line for line in lines)
    quiet: list[str] = []
    _encode_with_progress(HashingEmbedder(), ["one batch"] * 10, quiet.append, batch=256)
    assert quiet == []  # nothing to wait for, no bar


def test_a_bar_in_a_log_refreshes_every_few_seconds_and_checks_its_arguments(monkeypatch):
    from bot.progress import counting

    lines: list[str] = []
    bar = counting(4, "step", lines.append, every=1e-9)
    for _ in range(4):
        bar.update(1)
    bar.close()
    assert [re.search(r"(\d)/4", line).group(1) for line in lines] == ["0", "1", "2", "3", "4"]
    with pytest.raises(ValueError, match="every > 0"):
        counting(4, "step", lines.append, every=0)


def test_a_bar_closing_at_the_count_it_showed_is_not_repeated_whatever_its_width():
    from bot.progress import _Lines

    lines: list[str] = []
    out = _Lines(lines.append)
    # tqdm fits the bar to 80 columns, so a longer rate makes it narrower at the same count.
    out.write("\rstep: 100%|##########| 4/4 [00:00<00:00, 9.9it/s]")
    out.write("\rstep: 100%|########| 4/4 [00:00<00:00, 123456.78it/s]\n")
    out.write("\rstep:  50%|#####     | 2/4 [00:00<00:00, 9.9it/s]")
    assert [line.split(" [")[0] for line in lines] == ["step: 100%|##########| 4/4", "step:  50%|#####     | 2/4"]


def test_question_sets_show_a_bar_on_a_terminal_only(monkeypatch):
    import io
    import sys

    from bot.progress import question_progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, shown in ((io.StringIO(), False), (Terminal(), True)):
        monkeypatch.setattr(sys, "stderr", stream)
        show = question_progress("dev")
        for n in range(1, 4):
            show(n, 3)
        assert ("dev: 100%" in stream.getvalue() and "3/3" in stream.getvalue()) is shown, stream.getvalue()


def test_opened_during_a_first_start_the_page_says_the_sources_are_being_prepared(tmp_path):
    from bot.web.app import PREPARING, PreparingEngine

    preparing = PreparingEngine()
    with TestClient(create_app(preparing, Settings(data_dir=tmp_path))) as client:
        assert client.get("/api/health").status_code == 503
        res = client.post("/api/ask", json={"question": "What is MOPAC?"})
        assert res.status_code == 503 and res.json()["error"] == PREPARING
        assert "Preparing the sources" in client.get("/").text
        handlers = ChatHandlers(preparing, Settings(data_dir=tmp_path), FeedbackStore(tmp_path / "fb.sqlite3"))
        messages, exchanges, box, *_ = handlers.submit("What is MOPAC?", [])
        assert PREPARING in messages[1]["content"] and box == "What is MOPAC?"  # kept to ask again
        preparing.ready_with(FakeEngine())
        assert client.get("/api/health").json() == {"status": "ok", "documents": 3}
        assert client.post("/api/ask", json={"question": "What is MOPAC?"}).json()["answered"] is True


def test_app_serves_the_page_while_a_slow_first_start_loads(monkeypatch, tmp_path, capsys):
    import sys
    import threading
    import types

    import app
    from web_fixtures import fake_uvicorn

    serving = threading.Event()

    def slow_load(settings, progress=None):
        assert serving.wait(10), "the page was not served while the engine loaded"
        return FakeEngine()

    monkeypatch.setattr(app, "EARLY_PAGE_AFTER_S", 0.05)
    monkeypatch.setitem(sys.modules, "bot.engine", types.SimpleNamespace(Engine=types.SimpleNamespace(load=slow_load)))
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "var"))
    served = fake_uvicorn(monkeypatch, on_run=serving.set)
    assert app.main([]) == 0 and "app" in served
    err = capsys.readouterr().err
    assert "(preparing the sources)" in err and "ready: the sources are loaded" in err


def test_the_cli_gives_the_same_notices(tiny_engine, capsys):
    import io
    import json as json_module
    from types import SimpleNamespace

    from bot.cli import ask_stream, cmd_ask

    notices = Notices.load()
    out = io.StringIO()
    ask_stream(tiny_engine, io.StringIO("I need to report a crime happening right now\n"), out, as_json=True)
    payload = json_module.loads(out.getvalue())
    assert payload["notices"][0] == notices.urgent
    monkey = SimpleNamespace(question="I need to report a crime happening right now", json=False, explain=False)
    import bot.cli as cli

    original = cli._load_engine
    cli._load_engine = lambda args: tiny_engine
    try:
        assert cmd_ask(monkey) == 0
    finally:
        cli._load_engine = original
    assert capsys.readouterr().out.startswith(notices.urgent)


# ------------------------------------------------------------------------- static files


def test_the_pages_css_and_scripts_are_package_files_and_ship_with_it():
    """Every file in bot/web/static/ reaches a page (the CSS and the scripts are the files' text,
    not copies in Python), and pyproject.toml's package data takes it (and bot/data/) into a wheel."""
    import fnmatch
    import tomllib

    from bot.web import app as web
    from bot.web import render, theme
    from bot.settings import PROJECT_ROOT

    static = Path(render.__file__).parent / "static"
    sent = render.UI_CSS + theme.UI_THEME_CSS + render.SOURCE_CSS + "".join(
        (web.CHAT_CLICKS, web.SCROLL_TO_MARK, web.PAGE_FIXES, web.ANNOUNCE, web.FOCUS_QUESTION, web.SHOW_LATEST))
    files = sorted(static.iterdir())
    assert {f.suffix for f in files} == {".css", ".js"} and len(files) >= 10
    for f in files:
        assert f.read_text(encoding="utf-8").strip() in sent, f"{f.name} is not used by any page"
    package_data = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    data = PROJECT_ROOT / "bot" / "data"
    for package, folder, shipped in (("bot.web", static.parent, files), ("bot", data.parent, sorted(data.iterdir()))):
        for f in shipped:
            name = f.relative_to(folder).as_posix()
            assert any(fnmatch.fnmatch(name, g) for g in package_data[package]), f"{name} would not be installed by pip install ."
