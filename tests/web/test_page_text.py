"""What the chat page says about its sources is data (bot/data/chat.toml, BOT_CHAT_FILE): the page
works without it, with generic wording and no example questions."""

import json

import pytest
from fastapi.testclient import TestClient

from bot.web.page_text import CHAT_FILE, PageText
from bot.settings import Settings
from bot.web.app import create_app
from web_fixtures import FakeEngine


def test_the_shipped_chat_file_gives_the_wording_and_examples():
    text = PageText.load(CHAT_FILE)
    assert text.examples and text.title != PageText().title and text.question_placeholder != PageText().question_placeholder


def test_without_a_file_the_wording_is_generic_and_there_are_no_examples():
    assert PageText.load("") == PageText()
    assert PageText().examples == () and PageText().question_placeholder == "Ask a question about the sources…"


def test_a_file_may_give_some_keys(tmp_path):
    path = tmp_path / "chat.toml"
    path.write_text('[chat]\ntitle = "Ask the Exampleton archive"\nexamples = ["Who founded it?"]\n')
    text = PageText.load(path)
    assert text.title == "Ask the Exampleton archive" and text.examples == ("Who founded it?",)
    assert text.intro == PageText().intro


@pytest.mark.parametrize("body, error", [
    ('[chat]\ncolour = "red"\n', "unknown key"),
    ('[chat]\ntitle = ""\n', "title must be a non-empty string"),
    ('[chat]\nexamples = "Who?"\n', "examples must be a list"),
    ('[chat\n', "cannot read the chat file"),
])
def test_a_bad_chat_file_is_refused_naming_it(tmp_path, body, error):
    path = tmp_path / "chat.toml"
    path.write_text(body)
    with pytest.raises(ValueError, match=error) as info:
        PageText.load(path)
    assert str(path) in str(info.value)


def test_the_setting_comes_from_the_environment():
    assert Settings.from_env({"BOT_CHAT_FILE": ""}).chat_file == ""
    assert Settings().chat_file == str(CHAT_FILE)


def _page_config(settings: Settings) -> str:
    with TestClient(create_app(FakeEngine(), settings)) as client:
        return json.dumps(client.get("/config").json(), ensure_ascii=False) + client.get("/openapi.json").text


def test_the_page_shows_the_file_s_wording_or_the_generic_one(tmp_path):
    shipped = PageText.load(CHAT_FILE)
    page = _page_config(Settings(data_dir=tmp_path / "a"))
    assert shipped.question_placeholder in page and shipped.examples[0] in page and shipped.title in page
    page = _page_config(Settings(data_dir=tmp_path / "b", chat_file=""))
    assert PageText().question_placeholder in page and PageText().title in page
    assert not any(q in page for q in shipped.examples) and shipped.title not in page
