"""The chat in a real browser (headless Debian Chromium through Playwright's sync API).

One server per module, started with uvicorn in a background thread on a free loopback port;
a fresh browser page per test. The engine is the ``engine`` fixture (FakeEngine here), so a
real-engine run only overrides that fixture. Screenshots go to each test's tmp_path.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.web.feedback import FeedbackStore
from bot.settings import Settings
from bot.query.validate import Turn
from bot.web.page_text import PageText
from bot.web.app import create_app
from web_fixtures import browser  # noqa: F401 - the shared fixture
from web_fixtures import DESKTOP, TIMEOUT_MS, XSS, FakeEngine, ask, last_answer, serve

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def engine():
    return FakeEngine()


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    return FeedbackStore(tmp_path_factory.mktemp("browser") / "feedback.sqlite3")


@pytest.fixture(scope="module")
def base_url(engine, feedback, tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("browser-var"))
    with serve(create_app(engine, settings, feedback)) as url:
        yield url


@pytest.fixture
def dialogs():
    """Messages of every JavaScript dialog (alert, confirm...) a page opened: there should be none."""
    return []


@pytest.fixture
def page(browser, base_url, dialogs):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base_url)
    expect(page.locator("#question textarea")).to_be_visible()
    yield page
    context.close()




def test_cited_answer_opens_the_passage_in_its_source(page, tmp_path):
    ask(page, "Who manages the Metropolitan Police?")
    expect(last_answer(page)).to_contain_text("oversees the Metropolitan Police Service. [1]")
    cards = page.locator("#sources [data-citation]")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("April 2025")

    cards.nth(1).click()
    mark = page.locator("#source-view mark.cited")
    expect(mark).to_be_visible()
    expect(mark).to_have_text("The Commissioner runs the Met day to day and answers to the Mayor through MOPAC.")
    expect(page.locator("#source-view .doc-title")).to_have_text("The Mayor's Office for Policing and Crime")

    # The answer's other citation is one click away in the viewer.
    page.locator("#source-view .src-chip[data-citation='1']").click()
    expect(mark).to_have_text(re.compile(r"^The Mayor's Office for Policing and Crime \(MOPAC\) oversees"))
    expect(mark).to_be_in_viewport()
    page.screenshot(path=tmp_path / "desktop-answer.png", full_page=True)

    page.set_viewport_size(PHONE)
    page.locator("#sources [data-citation='2']").click()
    expect(mark).to_contain_text("The Commissioner")
    expect(mark).to_be_in_viewport()
    page.screenshot(path=tmp_path / "phone-source.png")
    page.screenshot(path=tmp_path / "phone-full.png", full_page=True)


def test_archived_and_undated_sources_are_labelled(page):
    ask(page, "When was the Met founded?")
    card = page.locator("#sources [data-citation='1']")
    expect(card.locator(".src-date")).to_have_text("undated")
    expect(card.locator(".src-date")).to_be_visible()
    expect(card.locator(".src-badge")).to_have_text("Archived")
    card.click()
    expect(page.locator("#source-view .src-badge")).to_have_text("Archived")
    expect(page.locator("#source-view mark.cited")).to_have_text("The Metropolitan Police was founded in 1829 by Sir Robert Peel.")


def test_clicking_an_example_asks_it(page, engine):
    page.locator("#chat").get_by_text(PageText.load().examples[1], exact=True).click()
    expect(last_answer(page)).to_contain_text("(MOPAC) oversees")
    assert engine.calls[-1][0] == PageText.load().examples[1]


def test_related_questions_are_offered_and_asked_on_click(page, engine, tmp_path):
    ask(page, "Who manages the Metropolitan Police?")
    chips = page.locator("#related .related-q")
    expect(chips).to_have_count(3)
    expect(page.locator("#related-label")).to_contain_text("Related questions")
    expect(chips.nth(1)).to_have_text("Where do I complain?")
    page.screenshot(path=tmp_path / "related.png", full_page=True)
    chips.nth(1).click()
    expect(last_answer(page)).to_contain_text("You can complain to the Met directly")
    assert engine.calls[-1][0] == "Where do I complain?"
    assert engine.calls[-1][1][0].content == "Who manages the Metropolitan Police?"  # asked as the next turn

    ask(page, "What is the capital of France?")
    expect(page.locator("#related-label")).to_contain_text("Questions the sources do answer")
    # "Where do I complain?" was asked already: it is not offered again (issue 18).
    expect(page.locator("#related .related-q:visible")).to_have_count(1)
    expect(last_answer(page)).to_contain_text("questions the sources do answer, below")
    page.locator("#related .related-q:visible").first.click()
    expect(last_answer(page)).to_contain_text("(MOPAC) oversees")
    assert engine.calls[-1][0] == "What is MOPAC?"
    expect(page.locator("#related-label")).to_contain_text("Related questions")


def test_follow_up_gets_the_conversation(page, engine):
    ask(page, "When was the Met founded?")
    ask(page, "And its headquarters?")
    expect(last_answer(page)).to_contain_text("Great Scotland Yard")
    question, history = engine.calls[-1]
    assert question == "And its headquarters?"
    assert history[0] == Turn("user", "When was the Met founded?")
    expect(page.locator("#sources .src-title")).to_have_text("A short history of the Met")
    expect(page.locator("#sources .src-quote")).to_contain_text("Great Scotland Yard")

    # Clicking an earlier answer lists that answer's sources.
    page.locator("#chat [data-testid=bot]").first.click()
    expect(page.locator("#sources .src-quote")).to_contain_text("founded in 1829")

    page.locator("#new-chat").click()
    expect(page.locator("#chat [data-testid=bot]")).to_have_count(0)
    expect(page.locator("#sources [data-citation]")).to_have_count(0)
    ask(page, "What is MOPAC?")
    assert engine.calls[-1] == ("What is MOPAC?", ())


def test_abstention_is_shown_as_such_with_clickable_suggestions(page, tmp_path):
    ask(page, "What will the weather be on Mars?")
    expect(last_answer(page)).to_contain_text("The sources don't cover this question.")
    expect(page.locator("#sources .src-abstain")).to_contain_text("The sources don't cover this question.")
    suggestions = page.locator("#sources [data-citation][data-kind=suggestion]")
    expect(suggestions).to_have_count(2)
    suggestions.nth(1).click()
    expect(page.locator("#source-view mark.cited")).to_contain_text("Independent Office for Police Conduct")
    page.screenshot(path=tmp_path / "desktop-abstention.png")


def test_html_in_questions_and_sources_is_shown_as_text(page, dialogs, tmp_path):
    ask(page, XSS)
    expect(page.locator("#chat [data-testid=user]").last).to_have_text(XSS)
    ask(page, "Where do I complain?")
    expect(last_answer(page)).to_contain_text(XSS)
    expect(page.locator("#related .related-q").last).to_have_text(f"What does {XSS} mean?")
    page.locator("#sources [data-citation='2']").click()
    expect(page.locator("#source-view mark.cited")).to_contain_text(XSS)
    expect(page.locator("#sources .src-title").first).to_have_text("Complaints <about> the police")
    page.wait_for_timeout(500)  # give any injected onerror handler time to fire
    assert page.locator("img[src=x]").count() == 0
    assert dialogs == []
    page.screenshot(path=tmp_path / "desktop-xss.png")


def test_thumbs_are_stored_as_feedback(page, feedback):
    ask(page, "Why does the Met consult local communities?")
    before = len(feedback.votes())
    last_answer(page).locator("xpath=ancestor::*[contains(@class,'message-row')]").hover()
    page.locator("#chat button[aria-label='Like']").last.click()
    for _ in range(50):
        if len(feedback.votes()) > before:
            break
        page.wait_for_timeout(100)
    vote = feedback.votes()[-1]
    assert (vote.question_hash, vote.vote) == (feedback.policy.digest("Why does the Met consult local communities?"), "up")
    assert vote.citations and vote.citations[0]["doc_id"] == "mopac.md"


def test_standalone_source_page_scrolls_to_the_mark(browser, base_url, engine):
    doc = engine.document("complaints.md")
    start = doc.body.index("You can complain")
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{base_url}/source/{doc.doc_id}?start={start}&end={start + 20}#cited")
    expect(page.locator("mark#cited")).to_have_text("You can complain to ")
    expect(page.locator("mark#cited")).to_be_in_viewport()
    expect(page.locator("body")).to_contain_text(XSS)
    page.close()


def test_embed_example_hosts_a_working_chat(browser, base_url):
    embed = Path(__file__).resolve().parents[2] / "examples" / "embed.html"
    page = browser.new_page(viewport=DESKTOP)
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{embed.as_uri()}?app={base_url}/")  # the chat's URL from the query (issue 18)
    chat = page.frame_locator("iframe.metbot-frame")
    chat.locator("#question textarea").fill("What is MOPAC?")
    chat.locator("#ask").click()
    chat.locator("#sources [data-citation='1']").click()
    expect(chat.locator("#source-view mark.cited")).to_contain_text("(MOPAC) oversees")
    page.close()


def test_an_inline_marker_opens_the_cited_passage_and_supporting_quotes_are_collapsed(page, tmp_path):
    ask(page, "How many police officers are there?")
    ask(page, "What is MOPAC?")  # the marker of an earlier answer still opens that answer's passage
    first = page.locator("#chat [data-testid=bot]").first
    expect(first).to_contain_text("The Met has over 32,800 police officers. [1]")
    expect(first).not_to_contain_text("Sources:")
    more = first.locator("details.ans-more")
    expect(more.locator("summary")).to_have_text("Also in the sources (1)")
    supporting = more.locator(".ans-support")
    expect(supporting).to_be_hidden()  # collapsed until opened

    first.locator(".ans-lead [data-citation='1']").click()
    mark = page.locator("#source-view mark.cited")
    expect(mark).to_have_text("The Met has over 32,800 police officers.")
    expect(page.locator("#sources [data-citation]")).to_have_count(2)  # that answer's sources

    more.locator("summary").click()
    expect(supporting).to_contain_text("undated")
    supporting.locator("[data-citation='2']").click()
    expect(mark).to_have_text("There were once over 34,000 police officers.")
    expect(page.locator("#source-view .src-badge")).to_have_text("Archived")
    page.screenshot(path=tmp_path / "inline-marker.png", full_page=True)


def test_copying_an_answer_copies_it_with_its_sources_not_its_markup(page, base_url):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    ask(page, "How many police officers are there?")
    last_answer(page).hover()
    page.locator("#chat button[aria-label='Copy message']").last.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("The Met has over 32,800 police officers. [1]") and "<" not in copied
    assert "[2] A short history of the Met (undated, archived)" in copied and "34,000" in copied
