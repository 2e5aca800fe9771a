"""Fixtures shared by the browser tests (headless Debian chromium through Playwright)."""

from __future__ import annotations

import pytest
from web_fixtures import launch_chromium


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module (modules that drive Playwright themselves never overlap it)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()
