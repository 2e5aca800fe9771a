"""The web app against hostile requests: path traversal on /source in every spelling (also sent
raw, past any client-side URL normalisation), reflected markup, body limits on the wire, refused
questions kept out of the conversation, and feedback writes from many processes at once."""

from __future__ import annotations

import multiprocessing
import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.web.feedback import FeedbackStore
from bot.settings import Settings
from bot.web.app import MAX_BODY_BYTES, ChatHandlers, create_app
from web_fixtures import FakeEngine, serve

TRAVERSALS = [
    "/source/%2e%2e/%2e%2e/etc/passwd",
    "/source/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/source/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/source/..%2f..%2f..%2fetc%2fpasswd",
    "/source/%252e%252e%252fetc%252fpasswd",  # double-encoded
    "/source/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",  # overlong UTF-8 dots
    "/source//etc/passwd",
    "/source/%2Fetc%2Fpasswd",
    "/source/%2F%2Fetc%2Fpasswd",
    "/source/..%5C..%5Cetc%5Cpasswd",  # backslashes
    "/source/%5Cetc%5Cpasswd",
    "/source/C:%5CWindows%5Cwin.ini",
    "/source/file:%2F%2F%2Fetc%2Fpasswd",
    "/source/history/..%2f..%2f..%2fetc%2fpasswd",
    "/source/history/%2e%2e/mopac.md",  # even to a real document: '..' is never followed
    "/source/mopac.md/../../../../etc/passwd",
    "/source/mopac.md%00",
    "/source/mopac.md%00.html",
    "/source/%00",
    "/source/~root/.bashrc",
    "/source/" + "..%2f" * 40 + "etc%2fpasswd",
    "/source/",
]

# Sent byte for byte over a socket: no client resolves the dots or encodes the backslashes.
RAW_TRAVERSALS = [
    "/source/../../etc/passwd",
    "/source/../../../../../../etc/passwd",
    "/source/..\\..\\etc\\passwd",
    "/source/history/../../bot/web/app.py",
    "/source/./../app.py",
    "/source//etc/passwd",
    "/source/%2e%2e/%2e%2e/etc/passwd",
]


@pytest.fixture(scope="module")
def engine():
    return FakeEngine()


@pytest.fixture(scope="module")
def app(engine, tmp_path_factory):
    return create_app(engine, Settings(data_dir=tmp_path_factory.mktemp("robust-web")))


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def url(app):
    with serve(app) as base:
        yield base


def raw_request(base_url: str, head: str, body: bytes = b"") -> tuple[int, bytes]:
    """Send ``head`` (request line and headers) exactly as written; return (status, body)."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode("latin-1") + b"\r\n" + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def test_a_known_document_is_served(client):
    assert client.get("/source/history/founding.md").status_code == 200


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_is_a_404(client, path):
    res = client.get(path)
    assert res.status_code == 404, (path, res.status_code)
    assert "root:" not in res.text and "[extensions]" not in res.text
    assert not res.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path", RAW_TRAVERSALS)
def test_raw_traversal_is_refused(url, path):
    status, body = raw_request(url, f"GET {path} HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n")
    assert status in (400, 404), (path, status)
    assert b"root:" not in body and b"import" not in body


@pytest.mark.parametrize("path", [
    "/source/<script>alert(1)</script>",
    "/source/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    "/source/mopac.md?start=%3Cscript%3Ealert(1)%3C/script%3E&end=3",
    "/source/javascript:alert(1)",
])
def test_reflected_markup_is_never_html(client, path):
    res = client.get(path)
    assert res.status_code in (404, 422)
    assert not res.headers["content-type"].startswith("text/html")
    if res.status_code == 404:
        assert res.headers["x-content-type-options"] == "nosniff"


def test_declared_huge_body_is_refused_before_it_is_sent(url):
    head = ("POST /api/ask HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\n"
            f"Content-Length: {10**12}\nConnection: close\n")
    status, body = raw_request(url, head)  # no body sent at all: the answer must not wait for it
    assert status == 413 and b"too large" in body


def test_chunked_body_over_the_limit_is_refused(url):
    chunk = b"x" * 8192
    n = MAX_BODY_BYTES // len(chunk) + 2
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(n)) + b"0\r\n\r\n"
    head = "POST /api/ask HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\nTransfer-Encoding: chunked\nConnection: close\n"
    status, text = raw_request(url, head, body)
    assert status == 413 and b"too large" in text


def test_refused_questions_stay_out_of_the_conversation(engine, tmp_path):
    handlers = ChatHandlers(engine, Settings(data_dir=tmp_path), FeedbackStore(tmp_path / "fb.sqlite3"))
    _, exchanges, *_ = handlers.submit("When was the Met founded?", [])
    messages, exchanges, *_ = handlers.submit("x" * 200_000, exchanges)
    assert "too long" in messages[-1]["content"]
    _, exchanges, *_ = handlers.submit("And its headquarters?", exchanges)
    question, history = engine.calls[-1]
    assert question == "And its headquarters?"
    assert [t.content for t in history if t.role == "user"] == ["When was the Met founded?"]


def _write_votes(path: str, writer: int, count: int) -> None:
    store = FeedbackStore(Path(path))
    for i in range(count):
        store.record(question=f"p{writer}-{i}", answer="a", citations=[{"doc_id": "x"}], vote="up")


def test_sixteen_writer_processes_lose_nothing(tmp_path):
    """Across processes only SQLite's own locking (WAL + busy timeout) keeps the writes apart."""
    path = tmp_path / "feedback.sqlite3"
    FeedbackStore(path)
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_write_votes, args=(str(path), w, 25)) for w in range(16)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * 16
    store = FeedbackStore(path)
    questions = [v.question_hash for v in store.votes()]  # the text itself is not stored
    assert sorted(questions) == sorted(store.policy.digest(f"p{w}-{i}") for w in range(16) for i in range(25))


@pytest.mark.browser
def test_reflected_markup_in_urls_does_not_run(url):
    from web_fixtures import browser_page

    dialogs: list[str] = []
    with browser_page(dialogs=dialogs) as page:
        for path in ("/source/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
                     "/source/%3Cscript%3Ealert(2)%3C%2Fscript%3E",
                     "/source/mopac.md?start=%3Cimg%20src%3Dx%20onerror%3Dalert(3)%3E&end=1",
                     "/?__theme=%3Cscript%3Ealert(4)%3C/script%3E"):
            page.goto(url + path)
            page.wait_for_timeout(300)
            assert page.locator("img[src=x]").count() == 0
    assert dialogs == []


@pytest.mark.parametrize("path", [
    "/gradio_api/file=https://evil.example/phish",  # the open redirect of gradio-app/gradio#13593
    "/gradio_api/file/https://evil.example/x",
    "/gradio_api/file=/etc/passwd",
    "/gradio_api/file=../../../../etc/passwd",
    "/gradio_api/file=" + str(Path(__file__).resolve()),  # a file of the app itself
])
def test_gradio_file_route_serves_no_urls_or_local_files(client, path):
    res = client.get(path, follow_redirects=False)
    assert res.status_code in (403, 404), (path, res.status_code)
    assert "location" not in res.headers and "root:" not in res.text and "import" not in res.text
