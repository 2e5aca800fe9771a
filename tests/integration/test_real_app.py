"""The web app on the real engine (bundled MiniLM, real corpus): the API returns exactly the
CLI's JSON, and in a real browser a cited answer opens its passage in a visible <mark>."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from bot.web.notices import Notices
from bot.web.app import create_app
from web_fixtures import ask, browser_page, last_answer, serve

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def real_app(real_engine, real_settings):
    return create_app(real_engine, real_settings)


def test_api_answers_with_the_cli_json(real_app, real_engine):
    client = TestClient(real_app)
    for payload in ({"question": "Where do I complain?"},
                    {"question": "What's their postal address?", "history": [{"role": "user", "content": "How do I complain to the MPS?"}]},
                    {"question": "What is the capital of France?"}):
        response = client.post("/api/ask", json=payload)
        assert response.status_code == 200
        body = response.json()
        answer = real_engine.handle(payload)
        expected = answer.to_dict() | {"notices": Notices.load().for_answer(payload["question"], answer)}
        assert body == json.loads(json.dumps(expected))
        assert isinstance(body["related"], list)  # the questions the chat offers as chips
    assert client.post("/api/ask", json={"question": ""}).status_code in (400, 422)


@pytest.mark.browser
def test_real_answer_click_shows_the_marked_passage(real_app, real_engine, tmp_path):
    expect = pytest.importorskip("playwright.sync_api").expect
    expected = real_engine.ask("Where do I complain?")
    with serve(real_app) as url, browser_page() as page:
        page.goto(url)
        ask(page, "Where do I complain?")
        expect(last_answer(page)).to_contain_text(expected.citations[0].quote.split("\n")[0])
        page.locator("#sources [data-citation]").first.click()
        mark = page.locator("#source-view mark.cited")
        expect(mark.first).to_be_visible()
        expect(mark.first).to_contain_text(expected.citations[0].quote.split("\n")[0])
        page.screenshot(path=tmp_path / "real-answer.png", full_page=True)


@pytest.mark.browser
def test_real_conflicting_figures_are_shown_side_by_side_with_dates(real_app, real_engine, tmp_path):
    expect = pytest.importorskip("playwright.sync_api").expect
    question = "How many police officers does the Met have?"
    expected = real_engine.ask(question).citations
    assert len({c.doc_id for c in expected}) >= 2, "the sources' figures should each be quoted"
    with serve(real_app) as url, browser_page() as page:
        page.goto(url)
        ask(page, question)
        cards = page.locator("#sources [data-citation]")
        expect(cards).to_have_count(len(expected))
        # Each source's card, in answer order (newest first), shows its own date and Archived label.
        expect(cards.locator(".src-date")).to_have_text([c.date or "undated" for c in expected])
        for card, citation in zip(cards.all(), expected):
            expect(card.locator(".src-date")).to_be_visible()
            expect(card.locator(".src-title")).to_have_text(citation.title)
            expect(card.locator(".src-badge")).to_have_count(1 if citation.archived else 0)
        expect(cards.first).to_contain_text("April 2025")
        expect(cards.first).to_contain_text("32,800")
        expect(page.locator("#sources .src-note")).to_contain_text(f"{len({c.doc_id for c in expected})} sources")
        expect(page.locator("#related .related-q").first).to_be_visible()
        page.screenshot(path=tmp_path / "real-conflict.png")
