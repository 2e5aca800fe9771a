"""A chat anyone can use (issue 18), in headless Chromium: axe-core finds no serious or critical
violation in light and dark, on a laptop and a phone (landing page, an answer, an abstention,
the source view); the question box stays on screen after three answers; no scroll box inside
the page on a phone; tap targets; focus, live region and notices; one vote per answer; /docs
with the network blocked; the embed example; and the README's screenshots.

One app server and one browser for the module. Screenshots go to tmp_path, or to docs/ (the
README's) when BOT_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bot.web.feedback import FeedbackStore
from bot.web.notices import Notices
from bot.settings import Settings
from bot.web.app import create_app
from web_fixtures import browser  # noqa: F401 - the shared fixture
from web_fixtures import DESKTOP, TIMEOUT_MS, FakeEngine, ask, last_answer, serve

playwright_api = pytest.importorskip("playwright.sync_api")
axe_api = pytest.importorskip("axe_playwright_python.sync_playwright")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
SCREENS = {"desktop": DESKTOP, "laptop": LAPTOP, "phone": PHONE}
# axe's defaults plus WCAG 2.2's minimum target size (off by default in axe).
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}
ANSWERED = "Who manages the Metropolitan Police?"
ABSTAINED = "What will the weather be on Mars?"
SUPPORTED = "How many police officers are there?"  # the fake engine's answer with a supporting quote


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    return FeedbackStore(tmp_path_factory.mktemp("usable") / "feedback.sqlite3")


@pytest.fixture(scope="module")
def base_url(feedback, tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("usable-var"))
    with serve(create_app(FakeEngine(), settings, feedback)) as url:
        yield url


@pytest.fixture
def open_page(browser, base_url):
    """open_page(screen, scheme) -> a page on the chat; errors logged by it in page.errors."""
    contexts = []

    def open_(screen: str = "desktop", scheme: str = "light", url: str = ""):
        context = browser.new_context(viewport=SCREENS[screen], color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.errors = []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.goto(url or base_url)
        if not url:
            expect(page.locator("#question textarea")).to_be_visible()
        return page

    yield open_
    for context in contexts:
        context.close()




def settle(page) -> None:
    """Wait until no component shows Gradio's pending state (a faded overlay while updating)."""
    expect(page.locator("[data-testid=status-tracker]:not(.hide)")).to_have_count(0)
    page.wait_for_timeout(300)  # the fade back


def assert_accessible(page, state: str) -> None:
    settle(page)
    results = axe_api.Axe().run(page, options=AXE_OPTIONS)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{state}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]} "
        f"{(v['nodes'][0].get('any') or v['nodes'][0].get('all') or [{}])[0].get('message', '')}" for v in bad)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_axe_finds_no_serious_violation(open_page, screen, scheme):
    page = open_page(screen, scheme)
    assert page.evaluate("document.body.classList.contains('dark')") == (scheme == "dark")  # follows the OS
    assert_accessible(page, "landing page")
    ask(page, SUPPORTED)  # inline markers and a collapsed "Also in the sources (1)"
    more = last_answer(page).locator("details.ans-more")
    more.locator("summary").click()
    expect(more.locator(".ans-support")).to_be_visible()
    expect(last_answer(page).locator(".ans-lead [data-citation='1']")).to_be_visible()
    assert_accessible(page, "answered")
    page.locator("#sources [data-citation]").nth(1).click()
    expect(page.locator("#source-view mark.cited")).to_be_visible()
    assert_accessible(page, "source view")
    ask(page, ABSTAINED)
    expect(page.locator("#sources .src-abstain")).to_be_visible()
    assert_accessible(page, "abstention")
    assert not page.errors


@pytest.mark.parametrize("screen", ["desktop", "laptop", "phone"])
def test_the_question_box_stays_on_screen_after_three_answers(open_page, screen):
    page = open_page(screen)
    for question in (ANSWERED, ABSTAINED, "Where do I complain?"):
        ask(page, question)
    for target in ("#question textarea", "#ask", ".human-note"):
        expect(page.locator(target)).to_be_in_viewport(ratio=1)
    if screen != "phone":
        expect(page.locator("#new-chat")).to_be_in_viewport(ratio=1)
        return
    # A phone: the page scrolls, not a box inside it; the box is pinned, inputs don't zoom.
    inner = page.evaluate("""() => [...document.querySelectorAll('#chat, #chat *')]
        .filter((e) => e.scrollHeight > e.clientHeight + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowY))
        .map((e) => e.className || e.id)""")
    assert inner == []
    assert page.evaluate("window.scrollY") > 0  # the latest answer was brought up
    page.evaluate("window.scrollTo(0, 0)")
    expect(page.locator("#question textarea")).to_be_in_viewport(ratio=1)
    assert page.locator("#question textarea").evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16


def test_tap_targets_are_at_least_24_px_on_a_phone(open_page):
    page = open_page("phone")
    ask(page, SUPPORTED)
    last_answer(page).locator("details.ans-more summary").click()
    page.locator("#sources [data-citation]").first.click()
    expect(page.locator("#source-view .src-chip")).to_have_count(2)
    last_answer(page).hover()
    small = page.evaluate("""() => [...document.querySelectorAll(
            '#chat button, #chat [data-citation], #chat summary, #composer button, #related button, ' +
            '#sources [data-citation], #source-view [data-citation]:not(mark), #new-chat')]
        .filter((e) => e.offsetParent !== null)
        .map((e) => [e.getAttribute('aria-label') || e.textContent.trim().slice(0, 30), e.getBoundingClientRect()])
        .filter(([, r]) => r.width < 24 || r.height < 24)
        .map(([name, r]) => `${name}: ${Math.round(r.width)}x${Math.round(r.height)}`)""")
    assert small == []


def test_keyboard_and_screen_reader_basics(open_page):
    page = open_page()
    box = page.locator("#question textarea")
    expect(page.get_by_role("textbox", name="Your question")).to_have_count(1)  # a real label
    ask(page, ANSWERED)
    announce = page.locator("#announce [role=status]")
    expect(announce).to_have_attribute("aria-live", "polite")
    expect(announce).to_contain_text("Answer, quoted from 1 source(s): The Mayor's Office")
    page.locator("#sources [data-citation]").first.click()
    body = page.locator("#source-view .doc-body")
    expect(body).to_have_attribute("tabindex", "0")
    body.focus()
    expect(body).to_be_focused()
    page.locator("#new-chat").click()
    expect(page.locator("#chat [data-testid=bot]")).to_have_count(0)
    expect(box).to_be_focused()  # focus returns to the question box
    expect(announce).to_have_text("")


def test_a_way_to_a_human(open_page):
    notices = Notices.load()
    page = open_page("phone")
    expect(page.locator(".human-note")).to_have_text(notices.note)
    expect(page.locator(".human-note")).to_be_in_viewport()
    ask(page, "I need to report a crime happening right now")
    text = last_answer(page).inner_text()
    assert text.startswith(notices.urgent) and text.rstrip().endswith(notices.abstain)
    expect(page.locator("#announce [role=status]")).to_contain_text(notices.urgent)


def wait_for_votes(feedback, expected, page):
    for _ in range(60):
        got = [v.vote for v in feedback.votes()]
        if got == expected:
            return
        page.wait_for_timeout(100)
    assert got == expected


def test_one_vote_per_answer_in_the_page(open_page, feedback):
    feedback.delete_all()
    page = open_page()
    ask(page, ANSWERED)
    last_answer(page).hover()
    page.locator("#chat button[aria-label='Like']").last.click()
    wait_for_votes(feedback, ["up"], page)
    page.locator("#chat button[aria-label='Dislike']").last.click()
    wait_for_votes(feedback, ["down"], page)  # changed, not a second row
    page.locator("#chat button[aria-label='Disliked']").last.click()
    wait_for_votes(feedback, [], page)  # undone: deleted


def test_the_api_docs_render_with_the_network_blocked(browser, base_url):
    context = browser.new_context()
    local = urlparse(base_url).netloc
    blocked = []

    def only_local(route):
        if urlparse(route.request.url).netloc == local:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base_url}/docs")
    expect(page.locator(".swagger-ui .opblock-summary-path").first).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/ask")
    assert blocked == []
    context.close()


def test_the_embed_example_takes_the_url_and_keeps_the_host_still(open_page, base_url):
    embed = ROOT / "examples" / "embed.html"
    assert "127.0.0.1:7860" not in embed.read_text(encoding="utf-8").split("<iframe", 1)[1].split(">", 1)[0]
    page = open_page("desktop", url=f"{embed.as_uri()}?app={base_url}/")
    chat = page.frame_locator("iframe.metbot-frame")
    chat.locator("#question textarea").fill("What is MOPAC?")
    chat.locator("#ask").click()
    expect(chat.locator("#chat [data-testid=bot]")).to_have_count(1)
    page.evaluate("window.scrollTo(0, 0)")
    chat.locator("#sources [data-citation='1']").click()
    expect(chat.locator("#source-view mark.cited")).to_contain_text("(MOPAC) oversees")
    page.wait_for_timeout(400)
    assert page.evaluate("window.scrollY") == 0  # the host page did not move
    assert page.errors == []


def test_readme_screenshots(open_page, tmp_path):
    """The README's screenshots, taken here: docs/screenshot-{light,dark,phone}.png when
    BOT_UPDATE_SCREENSHOTS=1, else into tmp_path (so a test run leaves the repository alone)."""
    from PIL import Image, ImageStat

    out = ROOT / "docs" if os.environ.get("BOT_UPDATE_SCREENSHOTS") == "1" else tmp_path
    shots = {}
    for name, screen, scheme in (("light", "desktop", "light"), ("dark", "desktop", "dark"), ("phone", "phone", "light")):
        page = open_page(screen, scheme)
        ask(page, ANSWERED)
        page.locator("#sources [data-citation]").nth(1).click()
        expect(page.locator("#source-view mark.cited")).to_be_visible()
        if screen == "phone":
            page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(200)
        shots[name] = out / f"screenshot-{name}.png"
        page.screenshot(path=shots[name])
    brightness = {n: ImageStat.Stat(Image.open(p).convert("L")).mean[0] for n, p in shots.items()}
    assert brightness["dark"] < 80 < brightness["light"]
    assert Image.open(shots["phone"]).size == (PHONE["width"], PHONE["height"])


def test_a_page_opened_during_a_first_start_says_so_then_answers(browser, tmp_path):
    from bot.web.app import PreparingEngine

    preparing = PreparingEngine()
    with serve(create_app(preparing, Settings(data_dir=tmp_path))) as url:
        page = browser.new_page(viewport=DESKTOP)
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        banner = page.locator("#preparing")
        expect(banner).to_contain_text("Preparing the sources")
        preparing.ready_with(FakeEngine())  # the engine has loaded
        expect(banner).to_be_hidden()
        ask(page, "What is MOPAC?")
        expect(last_answer(page)).to_contain_text("(MOPAC) oversees")
        page.close()
