"""Shared pieces for the web tests: a deterministic FakeEngine and a live-server helper.

FakeEngine answers from three tiny in-memory documents with real offsets (every quote is
``document.body[start:end]``), records every call so tests can check that conversation
history reaches it, and abstains on anything it does not recognise. It stands in for
``bot.engine.Engine``; the web layer must work the same with either.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn

from bot.tools.launch import free_port
from bot.schema import Answer, Citation, Document, Support
from bot.query.validate import Turn

XSS = "<img src=x onerror=alert(1)>"

DOCUMENTS = (
    Document(
        doc_id="mopac.md",
        title="The Mayor's Office for Policing and Crime",
        body=(
            "About MOPAC\n\n"
            "The Mayor's Office for Policing and Crime (MOPAC) oversees the Metropolitan Police Service.\n"
            "The Commissioner runs the Met day to day and answers to the Mayor through MOPAC.\n"
            "Local communities are consulted so that policing priorities reflect what Londoners need.\n"
            "The Met has over 32,800 police officers.\n"
        ),
        site="london.gov.uk",
        date="April 2025",
    ),
    Document(
        doc_id="history/founding.md",
        title="A short history of the Met",
        body=(
            "The Metropolitan Police was founded in 1829 by Sir Robert Peel.\n"
            "Its first headquarters were at Great Scotland Yard.\n"
            "Officers became known as 'Bobbies' & 'Peelers' <after Peel>.\n"
            "There were once over 34,000 police officers.\n"
        ),
        site="met.police.uk",
        date="",
        archived=True,
    ),
    Document(
        doc_id="complaints.md",
        title="Complaints <about> the police",
        body=(
            "How to complain\n\n"
            "You can complain to the Met directly, or to the Independent Office for Police Conduct (IOPC).\n"
            "A note for testers: " + XSS + " must show as text.\n"
        ),
        site="policeconduct.gov.uk",
        date="March 2019",
    ),
)


def cite(doc: Document, sentence: str) -> Citation:
    """A citation of ``sentence``, which must occur in ``doc.body``."""
    start = doc.body.index(sentence)
    return Citation(doc.doc_id, doc.title, start, start + len(sentence), sentence, doc.date, doc.archived)


def _doc(doc_id: str) -> Document:
    return next(d for d in DOCUMENTS if d.doc_id == doc_id)


# keyword -> the sentences (doc_id, text) the fake answer quotes
_ANSWERS: dict[str, tuple[tuple[str, str], ...]] = {
    "manage": (
        ("mopac.md", "The Mayor's Office for Policing and Crime (MOPAC) oversees the Metropolitan Police Service."),
        ("mopac.md", "The Commissioner runs the Met day to day and answers to the Mayor through MOPAC."),
    ),
    "mopac": (
        ("mopac.md", "The Mayor's Office for Policing and Crime (MOPAC) oversees the Metropolitan Police Service."),
    ),
    "complain": (
        ("complaints.md", "You can complain to the Met directly, or to the Independent Office for Police Conduct (IOPC)."),
        ("complaints.md", "A note for testers: " + XSS + " must show as text."),
    ),
    "officers": (
        ("mopac.md", "The Met has over 32,800 police officers."),
    ),
    "founded": (
        ("history/founding.md", "The Metropolitan Police was founded in 1829 by Sir Robert Peel."),
    ),
    "headquarters": (
        ("history/founding.md", "Its first headquarters were at Great Scotland Yard."),
    ),
    "consult": (
        ("mopac.md", "Local communities are consulted so that policing priorities reflect what Londoners need."),
    ),
}


# keyword -> supporting quotes (doc_id, text, why) offered beside the answer: another source's figure.
_SUPPORTING: dict[str, tuple[tuple[str, str, str], ...]] = {
    "officers": (("history/founding.md", "There were once over 34,000 police officers.", "conflicting_value"),),
}


# keyword -> what the history must mention: "And its headquarters?" only makes sense
# after the founding question, so without that history the fake abstains.
_FOLLOW_UPS = {"headquarters": "founded"}


# Questions the fake answers, offered as "related" after each answer (as the real engine does).
RELATED = ("What is MOPAC?", "Where do I complain?", "When was the Met founded?")
# Related questions come from corpus text (questions, headings), so one carries markup to escape.
_RELATED_EXTRA = {"complain": ("What does " + XSS + " mean?",)}


@dataclass
class FakeEngine:
    """Keyword-matching stand-in for the real engine, with the same four methods."""

    calls: list[tuple[str, tuple[Turn, ...]]] = field(default_factory=list)
    fail_on: str = "explode"  # a question containing this raises, to test error handling

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        self.calls.append((question, tuple(history)))
        if self.fail_on in question:
            raise RuntimeError("the fake engine broke on purpose")
        lowered = question.lower()
        context = " ".join(t.content.lower() for t in history)
        for keyword, quotes in _ANSWERS.items():
            if keyword in lowered and _FOLLOW_UPS.get(keyword, "") in context:
                citations = tuple(cite(_doc(doc_id), text) for doc_id, text in quotes)
                support = tuple(Support(cite(_doc(doc_id), text), why) for doc_id, text, why in _SUPPORTING.get(keyword, ()))
                related = tuple(q for q in RELATED if keyword not in q.lower()) + _RELATED_EXTRA.get(keyword, ())
                return Answer(True, " ".join(c.quote for c in citations), citations + tuple(s.citation for s in support),
                              confidence=0.8, related=related, supporting=support)
        suggestions = (cite(_doc("mopac.md"), _ANSWERS["mopac"][0][1]), cite(_doc("complaints.md"), _ANSWERS["complain"][0][1]))
        return Answer(False, "", (), confidence=0.1, suggestions=suggestions, related=RELATED[:2])

    def document(self, doc_id: str) -> Document | None:
        return next((d for d in DOCUMENTS if d.doc_id == doc_id), None)

    def documents(self) -> list[Document]:
        return list(DOCUMENTS)


@contextmanager
def serve(app: object, *, timeout_s: float = 20.0) -> Iterator[str]:
    """Run ``app`` with uvicorn in a background thread on a free loopback port; yield its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"test server on port {port} did not start within {timeout_s} s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000


_INSTALL_TRIED = threading.Event()


def _install_chromium() -> None:
    """Install Debian's Chromium once per test run when it is missing and we may (root with
    apt-get), so the README's test command alone sets a fresh machine up; .ci/run installs it first."""
    import os
    import shutil
    import subprocess

    if CHROMIUM.exists() or _INSTALL_TRIED.is_set() or not hasattr(os, "geteuid") or os.geteuid() != 0 \
            or not shutil.which("apt-get"):
        return
    _INSTALL_TRIED.set()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("browser tests: installing Debian's chromium (apt-get install -y chromium) ...", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, check=False)


def launch_chromium(playwright):
    """Debian's Chromium, headless, started the way this workplace needs (no browser download)."""
    _install_chromium()
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium, as root)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


@contextmanager
def browser_page(viewport: dict = DESKTOP, dialogs: list[str] | None = None) -> Iterator[object]:
    """A fresh page in its own headless Chromium; skips the test without Playwright or Chromium.
    JavaScript dialogs (there should be none) are dismissed and their messages added to ``dialogs``."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(viewport=viewport).new_page()
            page.set_default_timeout(TIMEOUT_MS)
            if dialogs is not None:
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            yield page
        finally:
            browser.close()


def fake_uvicorn(monkeypatch, on_run=None) -> dict:
    """Patch uvicorn's Config and Server so ``app.main`` serves nothing: the returned dict gets
    the Config's keyword arguments and ``app`` when the server would run; ``on_run()`` is called
    then (its result, if any, stored as ``served["on_run"]``)."""
    import uvicorn

    served: dict = {}

    class Config:
        def __init__(self, app, **kwargs):
            self.app, self.kwargs = app, kwargs

    class Server:
        def __init__(self, config):
            self.config, self.should_exit, self.started = config, False, False

        def run(self):
            served.update(self.config.kwargs, app=self.config.app)
            if on_run is not None:
                served["on_run"] = on_run()

    monkeypatch.setattr(uvicorn, "Config", Config)
    monkeypatch.setattr(uvicorn, "Server", Server)
    return served


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module that imports this fixture (modules driving Playwright
    themselves never overlap it)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


def ask(page, question: str, timeout_ms: float = TIMEOUT_MS):
    """Type a question into the chat page, send it, wait for its answer and return that bubble.
    (The page's after-answer script, scrolling on phones, gets a moment to run.)"""
    from playwright.sync_api import expect

    bubbles = page.locator("#chat [data-testid=bot]")
    answers = bubbles.count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    expect(bubbles).to_have_count(answers + 1, timeout=timeout_ms)
    page.wait_for_timeout(150)
    return bubbles.last


def last_answer(page):
    """The chat page's last answer bubble."""
    return page.locator("#chat [data-testid=bot]").last
