"""What the web app sends and accepts beyond its own routes: headers, CORS, API docs, Gradio's extras.

- Every response says ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``;
  an HTML page without a policy of its own gets ``PAGE_CSP``: scripts, styles, images and
  connections from this origin only (Gradio's page needs inline scripts and styles, and
  ``eval`` for the ``js_on_load`` snippets), framed only by ``Settings.frame_ancestors``.
- CORS: only the origins in ``Settings.cors_origins`` may read responses from another site,
  without credentials. Gradio reflects any Origin with credentials unless the parent app has a
  CORS middleware of its own, so one is always installed (with no origins: same origin only).
- ``/docs`` is Swagger UI from the files the ``fastapi-offline`` package ships, served here:
  no request leaves for a CDN.
- Gradio's upload route is closed (the chat has no upload component), and an event naming a
  function the page doesn't have is a 404, not a 500 with a traceback in the log.

This module does not answer questions or render the chat.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCS_ASSETS = "/docs-assets"

# 'unsafe-eval': Gradio runs each gr.HTML's js_on_load with `new Function`; 'unsafe-inline': its
# page boots from inline scripts and styles. Everything else comes from this origin.
_PAGE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; "
    "worker-src 'self' blob:; frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)


def frame_ancestors_directive(setting: str) -> str:
    """``; frame-ancestors ...`` for a policy, or "" for "*": CSP's ``*`` leaves out pages opened
    from a file (``examples/embed.html``), so "any site" is said by having no directive at all."""
    return "" if setting.strip() == "*" else f"; frame-ancestors {setting.strip()}"


def page_csp(frame_ancestors: str) -> str:
    return _PAGE_CSP + frame_ancestors_directive(frame_ancestors)


def origins(setting: str) -> list[str]:
    """``"https://a.example, https://b.example"`` -> the list; ``""`` -> [] (same origin only)."""
    return [o.strip().rstrip("/") for o in setting.split(",") if o.strip()]


class SecurityHeaders:
    """Adds the headers above to every HTTP response (ASGI middleware: streams pass untouched)."""

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.csp = csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", self.csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _swagger_static_dir() -> Path:
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the API docs need the fastapi-offline package: pip install -r requirements.txt")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def add_local_docs(app: FastAPI, title: str) -> None:
    """``/docs`` from local files (FastAPI's self-hosting recipe); create the app with ``docs_url=None``."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=_swagger_static_dir()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{title} - API",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
        )


def close_uploads(app: FastAPI) -> None:
    """Refuse Gradio's upload route (before Gradio's own, which takes files of any size)."""

    @app.api_route("/gradio_api/upload", methods=["GET", "POST", "PUT"], include_in_schema=False)
    async def no_uploads() -> JSONResponse:
        return JSONResponse({"error": "uploads are not accepted"}, status_code=403)


def allow_origins(app: FastAPI, setting: str) -> None:
    """The CORS policy; installed on the parent app, Gradio defers to it."""
    app.add_middleware(CORSMiddleware, allow_origins=origins(setting), allow_credentials=False,
                       allow_methods=["GET", "POST"], allow_headers=["content-type"])


def refuse_unknown_events() -> None:
    """An event for a function the page doesn't have (a bad ``fn_index`` or API name) -> 404.

    Gradio looks the function up with a bare dict index, so a forged ``fn_index`` raised KeyError
    and came back as a 500 (with a traceback in the log). Idempotent."""
    from gradio import route_utils

    if getattr(route_utils.get_fn, "_refuses_unknown", False):
        return
    lookup = route_utils.get_fn

    def get_fn(*args, **kwargs):
        try:
            return lookup(*args, **kwargs)
        except (KeyError, route_utils.FnIndexInferError):
            raise HTTPException(status_code=404, detail="no such event") from None

    get_fn._refuses_unknown = True  # type: ignore[attr-defined]
    route_utils.get_fn = get_fn
