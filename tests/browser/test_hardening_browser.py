"""The chat and the API docs work under the app's Content-Security-Policy, in a real browser:
no CSP violation in the console, no request to another site (issue 17, item 6)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from bot.settings import Settings
from bot.web.app import create_app
from web_fixtures import TIMEOUT_MS, FakeEngine, launch_chromium, serve

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with serve(create_app(FakeEngine(), Settings(data_dir=tmp_path_factory.mktemp("csp")))) as url:
        yield url


@pytest.fixture
def watched_page(base_url):
    """A page, the console errors it logs, and the hosts it sends requests to."""
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            errors: list[str] = []
            hosts: set[str] = set()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("request", lambda r: hosts.add(urlparse(r.url).netloc) if r.url.startswith("http") else None)
            yield page, errors, hosts
        finally:
            browser.close()


def test_the_chat_loads_and_answers_under_its_csp(watched_page, base_url):
    page, errors, hosts = watched_page
    response = page.goto(base_url)
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.locator("#question textarea").fill("Who manages the Metropolitan Police?")
    page.locator("#ask").click()
    expect(page.locator("#chat [data-testid=bot]").last).to_contain_text("oversees the Metropolitan Police Service")
    page.locator("#sources [data-citation]").nth(1).click()  # js_on_load handlers run under the CSP
    expect(page.locator("#source-view mark.cited")).to_contain_text("The Commissioner")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused to" in e], errors
    assert hosts == {urlparse(base_url).netloc}


def test_the_api_docs_render_from_local_files(watched_page, base_url):
    page, errors, hosts = watched_page
    page.goto(f"{base_url}/docs")
    expect(page.locator(".swagger-ui .opblock-summary-path").first).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/ask")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused to" in e], errors
    assert hosts == {urlparse(base_url).netloc}


def test_a_source_page_is_styled_from_its_stylesheet_under_its_csp(watched_page, base_url):
    page, errors, hosts = watched_page
    page.emulate_media(color_scheme="dark")
    response = page.goto(f"{base_url}/source/history/founding.md?start=0&end=20#cited")  # nested: a relative link
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    # The dark palette's mark colour (theme._DARK: --mb-mark-bg #854d0e), so the stylesheet loaded and applied.
    expect(page.locator("mark#cited")).to_have_css("background-color", "rgb(133, 77, 14)")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused to" in e], errors
    assert hosts == {urlparse(base_url).netloc}
