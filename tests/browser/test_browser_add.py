"""``bot add`` end to end in a real browser: the test web page and PDF become cited answers.

A temporary corpus (the tiny corpus), ``python -m bot add`` of tests/data/sources/, the real
bundled model, the app on a free loopback port and headless Chromium asking questions that only
the added documents answer.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine import Engine
from bot.settings import Settings
from bot.web.app import create_app
from web_fixtures import DESKTOP, TIMEOUT_MS, ask, launch_chromium, serve

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

SOURCES = Path(__file__).parents[1] / "data" / "sources"
TINY = Path(__file__).parents[1] / "data" / "tiny_corpus"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("added")
    corpus = tmp / "corpus"
    shutil.copytree(TINY, corpus)
    settings = Settings.from_env({}).replace(corpus_dir=corpus, index_dir=tmp / "embeddings", data_dir=tmp / "var")
    assert main(["--corpus", str(corpus), "--index", str(settings.index_dir), "add",
                 str(SOURCES / "borough-watch.html"), str(SOURCES / "two-column-report.pdf")]) == 0
    engine = Engine.load(settings, progress=lambda _: None)
    with serve(create_app(engine, settings)) as url:
        yield url


@pytest.fixture
def page(base_url):
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(base_url)
        expect(page.locator("#question textarea")).to_be_visible()
        yield page
        browser.close()



def test_added_web_page_answers_with_a_citation_and_a_link_to_the_original(page, tmp_path):
    answer = ask(page, "How can residents put a question to the community safety board?", timeout_ms=60_000)  # warms the engine up too
    expect(answer).to_contain_text("by writing to the community safety team")
    card = page.locator("#sources [data-citation='1']")
    expect(card).to_contain_text("How the Riverside Community Safety Board works")
    expect(card).to_contain_text("2024-03-14")
    original = page.locator("#sources .src-original").first
    expect(original).to_have_attribute("href", re.compile(
        r"^https://www\.riverside\.example\.gov\.uk/community-safety/board#:~:text=Residents%20can%20put%20a,"))
    card.click()
    expect(page.locator("#source-view mark.cited")).to_contain_text("Residents can put a question to the board")
    expect(page.locator("#source-view .src-original")).to_be_visible()
    page.screenshot(path=tmp_path / "added-page.png", full_page=True)


def test_added_two_column_pdf_answers_with_a_citation(page):
    answer = ask(page, "When does the Riverside Youth Safety Panel meet?", timeout_ms=60_000)  # warms the engine up too
    expect(answer).to_contain_text("first Tuesday of every month")
    card = page.locator("#sources [data-citation='1']")
    expect(card).to_contain_text("Riverside Youth Safety Panel: annual report")
    expect(card.locator(".src-date")).to_have_text("undated")
    expect(page.locator("#sources .src-original")).to_have_count(0)  # the PDF states no address
