"""The web app's edges (issue 17): uploads closed, forged events refused, no internals echoed,
CORS restricted, security headers, local API docs, and /api/health off the answering threads."""

from __future__ import annotations

import re
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from bot.settings import Settings
from bot.web.app import create_app
from web_fixtures import FakeEngine, serve

EVIL = "https://evil.example"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("hard") / "var")
    with TestClient(create_app(FakeEngine(), settings), raise_server_exceptions=False) as c:
        yield c


def _blocks(app):
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "")
    return mount.app.get_blocks()


def test_uploads_are_refused_and_nothing_is_served_back(client):
    res = client.post("/gradio_api/upload", files={"files": ("a.txt", b"payload" * 1000)})
    assert res.status_code == 403 and "/tmp" not in res.text
    assert _blocks(client.app).max_file_size == 0


@pytest.mark.parametrize("fn_index", [999, -1, 10**6])
def test_a_forged_event_index_is_a_404_not_a_500(client, fn_index):
    res = client.post("/gradio_api/queue/join", json={"fn_index": fn_index, "data": [], "session_hash": "abcdef"})
    assert res.status_code == 404, res.text


@pytest.mark.parametrize("path", ["/gradio_api/run/nothing", "/gradio_api/call/nothing"])
def test_an_unknown_api_name_is_a_404_not_a_500(client, path):
    assert client.post(path, json={"data": []}).status_code == 404


def test_event_errors_are_not_shown_to_the_user(client):
    assert _blocks(client.app).show_error is False


def test_cors_does_not_reflect_a_foreign_origin(client):
    for method, path in [("get", "/"), ("get", "/config"), ("get", "/api/health"), ("get", "/gradio_api/info")]:
        res = getattr(client, method)(path, headers={"Origin": EVIL})
        assert "access-control-allow-origin" not in res.headers, path
        assert res.headers.get("access-control-allow-credentials") != "true", path
    res = client.post("/api/ask", json={"question": "What is MOPAC?"}, headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in res.headers
    preflight = client.options("/gradio_api/queue/join", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "POST"})
    assert preflight.headers.get("access-control-allow-origin") != EVIL


def test_cors_allows_the_configured_origins_without_credentials(tmp_path):
    settings = Settings(data_dir=tmp_path, cors_origins="https://partner.example, https://other.example")
    with TestClient(create_app(FakeEngine(), settings)) as c:
        res = c.post("/api/ask", json={"question": "What is MOPAC?"}, headers={"Origin": "https://partner.example"})
        assert res.headers["access-control-allow-origin"] == "https://partner.example"
        assert res.headers.get("access-control-allow-credentials") != "true"
        assert "access-control-allow-origin" not in c.get("/", headers={"Origin": EVIL}).headers


def test_security_headers_on_every_response(client):
    for path in ["/", "/api/health", "/docs", "/source/mopac.md", "/openapi.json", "/no-such-page"]:
        res = client.get(path)
        assert res.headers.get("x-content-type-options") == "nosniff", path
        assert res.headers.get("referrer-policy") == "same-origin", path
    csp = client.get("/").headers["content-security-policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert "frame-ancestors" not in csp  # the default "*": any page may frame the chat, one opened from a file too


def test_frame_ancestors_come_from_the_setting(tmp_path):
    settings = Settings(data_dir=tmp_path, frame_ancestors="'self' https://partner.example")
    with TestClient(create_app(FakeEngine(), settings)) as c:
        assert c.get("/").headers["content-security-policy"].endswith("frame-ancestors 'self' https://partner.example")
        assert "frame-ancestors 'self' https://partner.example" in c.get("/source/mopac.md").headers["content-security-policy"]
    with pytest.raises(ValueError, match="frame_ancestors"):
        Settings(frame_ancestors="*; script-src *")


def test_api_docs_load_nothing_from_another_site(client):
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)""", page.text)
    assert urls and not [u for u in urls if re.match(r"(https?:)?//", u)]
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert asset in page.text
        assert client.get(f"/docs-assets/{asset}").status_code == 200


class BlockingEngine(FakeEngine):
    """Answers only once released: every answering thread stays busy until then."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def ask(self, question, history=()):
        self.release.wait(30)
        return super().ask(question, history)


def test_health_answers_while_every_answering_thread_is_busy(tmp_path):
    engine = BlockingEngine()
    app = create_app(engine, Settings(data_dir=tmp_path))
    with serve(app) as url:
        pending: list[threading.Thread] = []
        for _ in range(45):  # more than anyio's 40 worker threads
            t = threading.Thread(target=httpx.post, args=(f"{url}/api/ask",),
                                 kwargs={"json": {"question": "What is MOPAC?"}, "timeout": 60})
            t.start()
            pending.append(t)
        time.sleep(1.0)  # let them all arrive and take the threads
        try:
            started = time.perf_counter()
            res = httpx.get(f"{url}/api/health", timeout=10)
            assert res.status_code == 200 and time.perf_counter() - started < 2.0
        finally:
            engine.release.set()
            for t in pending:
                t.join(30)
