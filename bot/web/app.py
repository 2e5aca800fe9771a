"""The web front end: a FastAPI app with a JSON API, a source viewer and the Gradio chat.

``create_app(engine, settings)`` builds everything around an engine passed in (anything
with the ``AnswerEngine`` methods), so tests run it with a fake. Routes:

- ``POST /api/ask`` -> ``Answer.to_dict()``; bad input gets a 4xx with the same JSON shape.
- ``GET /source-page.css`` -> the /source page's stylesheet.
- ``GET /api/health`` -> ``{"status": "ok", "documents": n}``; OpenAPI docs at ``/docs``.
- ``GET /source/<doc_id>?start=&end=`` -> the document as a page, the cited passage in <mark>.
- ``/`` -> the Gradio chat: answers with clickable [n] markers and a collapsed "Also in the
  sources (n)" of supporting quotes, a sources panel whose entries carry
  ``data-citation`` and open the cited passage in a side panel (as the markers do), thumbs up/down stored
  through ``FeedbackStore``, and the answer's related questions as plain-text buttons that ask
  the next turn.

Rendering (HTML) is in ``render.py``; the pages' CSS and scripts are files in ``bot/web/static/``.
The API's request and answer are pydantic models (``validate.ApiAskRequest``, ``contract.AnswerOut``)
that FastAPI documents at /openapi.json. Safety: everything taken from a question or the
corpus is HTML-escaped before it reaches a page; chat messages are escaped text in our own markup (Gradio's sanitizer stays on); /source serves only
documents the engine knows. This module does not answer questions or read the corpus.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from bot.web import gradio_import

gradio_import.install()  # before gradio is imported: skips its stub rewriting (see gradio_import.py)

import anyio  # noqa: E402
import anyio.to_thread  # noqa: E402
import gradio as gr  # noqa: E402
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic.json_schema import models_json_schema

from bot.answering.answer import NOT_COVERED
from bot.answering.explain import Trace, trace_dict
from bot.web.feedback import FeedbackStore, FeedbackUnavailable
from bot.web.notices import Notices
from bot.web.page_text import PageText
from bot.web.outcomes import LoggedEngine, OutcomeLog
from bot.web import assets
from bot.web import security
from bot.web.render import (
    SOURCE_CSS, SOURCE_CSS_PATH, UI_CSS, chat_html, esc, esc_text, source_page, source_view, source_view_empty, sources_panel,
)
from bot.web.contract import AnswerOut
from bot.schema import Answer, Citation, Document
from bot.settings import Settings
from bot.answering.suggest import same_question
from bot.web.theme import UI_THEME_CSS
from bot.query.validate import MAX_REQUEST_BYTES, ApiAskRequest, RequestError, Turn, parse_request

if TYPE_CHECKING:
    from bot.index.store import Index

log = logging.getLogger(__name__)

MAX_BODY_BYTES = MAX_REQUEST_BYTES
CONCURRENT_ANSWERS = 8
# Bodies over this many bytes (a long history: an ordinary one is a few KB) answer in their own lane.
LARGE_BODY_BYTES = 16 * 1024
LARGE_ANSWERS = 2


class AnswerEngine(Protocol):
    """What the web layer needs from an engine (``bot.engine.Engine`` or a test fake)."""

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer: ...

    def document(self, doc_id: str) -> Document | None: ...

    def documents(self) -> list[Document]: ...


class ExplainingEngine(AnswerEngine, Protocol):
    """An engine that also fills an explain trace, as ``bot.engine.Engine`` does: ``POST /api/ask``
    with ``explain`` (on only with BOT_API_EXPLAIN=1) needs one; the tests' fakes need not be."""

    index: Index

    def ask(self, question: str, history: Sequence[Turn] = (), trace: Trace | None = None) -> Answer: ...


class SourcesNotReady(RuntimeError):
    """The engine is still loading (a first start builds the index): ask again in a moment."""


PREPARING = ("The sources are still being prepared (the first start builds the search index); "
             "please ask again in a moment.")


class PreparingEngine:
    """Stands in for the engine while it loads, so the app can serve the page at once: until
    ``ready_with(engine)``, questions raise SourcesNotReady (the chat says so, the API answers
    503, /api/health too) and there are no documents; then everything is the engine's."""

    def __init__(self) -> None:
        self._engine: Any = None

    @property
    def ready(self) -> bool:
        return self._engine is not None

    def ready_with(self, engine: Any) -> None:
        self._engine = engine

    def ask(self, question: str, *args: Any, **kwargs: Any) -> Answer:
        if self._engine is None:
            raise SourcesNotReady(PREPARING)
        return self._engine.ask(question, *args, **kwargs)

    def document(self, doc_id: str) -> Document | None:
        return None if self._engine is None else self._engine.document(doc_id)

    def documents(self) -> list[Document]:
        return [] if self._engine is None else self._engine.documents()

    def __getattr__(self, name: str) -> Any:
        engine = self.__dict__.get("_engine")
        if engine is None:
            raise AttributeError(name)
        return getattr(engine, name)


def is_ready(engine: Any) -> bool:
    """Whether ``engine`` answers (an engine that never loads in the background always does)."""
    return bool(getattr(engine, "ready", True))


# ------------------------------------------------------------------------------ JSON API


class SafeJSONResponse(JSONResponse):
    """JSON as UTF-8, falling back to \\u escapes when the content holds a lone surrogate
    (a JSON body may spell one, e.g. a field named "\\ud800"; UTF-8 cannot encode it)."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def error_response(status: int, message: str) -> JSONResponse:
    """The answer contract, carrying an error instead of an answer."""
    return SafeJSONResponse(status_code=status, content=Answer.failure(message).to_dict())


class RequestTooLarge(Exception):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"request body is too large: over {limit} bytes (got at least {size})")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or RequestTooLarge once it passes ``limit`` bytes (checked while reading)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(int(declared), limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


class AnswerLanes:
    """Threads that answer /api/ask: a few for ordinary requests and fewer for large bodies
    (long histories), each lane first come, first served. A flood of large requests then
    waits in its own lane instead of queueing every ordinary question behind it, and only a
    handful of threads compete for the GIL with the event loop (which answers /api/health)."""

    def __init__(self, ordinary: int = CONCURRENT_ANSWERS, large: int = LARGE_ANSWERS,
                 large_bytes: int = LARGE_BODY_BYTES) -> None:
        if min(ordinary, large, large_bytes) <= 0:
            raise ValueError(f"lane sizes must be positive, got {ordinary}, {large}, {large_bytes}")
        self.sizes = (ordinary, large)
        self.large_bytes = large_bytes
        self._limiters: tuple[anyio.CapacityLimiter, anyio.CapacityLimiter] | None = None

    async def run(self, body_bytes: int, fn: Callable[..., Any], *args: Any) -> Any:
        if self._limiters is None:  # made inside the event loop that uses them
            self._limiters = (anyio.CapacityLimiter(self.sizes[0]), anyio.CapacityLimiter(self.sizes[1]))
        limiter = self._limiters[body_bytes > self.large_bytes]
        return await anyio.to_thread.run_sync(fn, *args, limiter=limiter)


def text_response(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message, status_code=status, headers={"X-Content-Type-Options": "nosniff"})


# /api/ask's request body in OpenAPI: ApiAskRequest's schema, by reference. The handler reads
# the body itself (a size limit while reading, broken JSON -> 400, every refusal in the answer's
# shape), so FastAPI cannot take the model as a parameter; document_request_models adds the
# model's schema to the components instead.
ASK_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"$ref": f"#/components/schemas/{ApiAskRequest.__name__}"}}}}}


def document_request_models(app: FastAPI) -> None:
    """Put the request models' schemas into the app's OpenAPI components (FastAPI's "Extending
    OpenAPI" recipe: wrap ``app.openapi``, which caches its result)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            _, defs = models_json_schema([(ApiAskRequest, "validation")], ref_template="#/components/schemas/{model}")
            schema.setdefault("components", {}).setdefault("schemas", {}).update(defs.get("$defs", {}))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# Every refusal has the answer's shape, with answered false and an "error".
ASK_ERRORS = {
    400: "the body is not valid JSON (broken, not UTF-8, nested too deeply, an integer over 4,300 digits)",
    403: "'explain' asked for, but traces are off on this server (BOT_API_EXPLAIN)",
    413: "the body is over 64 KB",
    422: "the request breaks the contract (see the request body's schema; the error says how)",
    500: "the engine failed on this question (the cause is logged, not returned)",
    503: "the engine is still loading (a first start builds the index)",
}


def add_api_routes(app: FastAPI, engine: AnswerEngine, settings: Settings, notices: Notices) -> None:
    """/api/ask, /api/health and /source/<doc_id> on ``app``."""
    lanes = AnswerLanes()

    def respond(raw: bytes) -> JSONResponse:
        """Parse, check and answer one body; runs in a lane's thread, so that parsing and
        checking a 64 KB body (tens of ms) never holds up the event loop either."""
        try:
            obj = json.loads(raw)
        except RecursionError:
            return error_response(400, "the body is not valid JSON: nested too deeply")
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an over-long integer
            return error_response(400, f"the body is not valid JSON: {exc}")
        if not isinstance(obj, dict):  # a bare string is fine on the CLI, not here
            return error_response(422, f"expected a JSON object with a 'question', got {type(obj).__name__}")
        explain = obj.pop("explain", False)
        if explain not in (True, False):
            return error_response(422, f"'explain' must be true or false, got {explain!r}")
        if explain and not settings.api_explain:
            return error_response(403, "explain traces are off on this server (set BOT_API_EXPLAIN=1 to allow them)")
        try:
            req = parse_request(obj, max_chars=settings.max_question_chars, max_turns=settings.max_history_turns)
        except RequestError as exc:
            return error_response(422, str(exc))
        trace = Trace(req.question) if explain else None
        try:
            if trace is None:
                answer = engine.ask(req.question, req.history)
            else:  # explain: the app serves a real engine (a fake's failure here is a 500, logged)
                answer = cast(ExplainingEngine, engine).ask(req.question, req.history, trace)
        except SourcesNotReady as exc:
            return error_response(503, str(exc))
        except Exception:
            log.exception("engine failed on %r", req.question)
            return error_response(500, "the engine failed on this question; it has been logged")
        payload = answer.to_dict()
        # What to tell the asker beyond the quotes: the urgent notice first, where to ask instead.
        payload["notices"] = notices.for_answer(req.question, answer)
        if trace is not None:
            payload["explain"] = trace_dict(trace, answer, cast(ExplainingEngine, engine).index)
        return SafeJSONResponse(payload)

    @app.post("/api/ask", summary="Answer a question with cited quotes", openapi_extra=ASK_BODY,
              response_model=AnswerOut, response_description=(
                  "The answer: `answer` is the lead quote(s) alone; `citations` holds the lead's citations first, "
                  "then those of the `supporting` quotes (other sources, other values, a replacement, what the same "
                  "source goes on to say), each with why it is offered."),
              responses={status: {"model": AnswerOut, "description": why} for status, why in ASK_ERRORS.items()})
    async def ask(request: Request) -> JSONResponse:
        try:
            raw = await read_body(request, MAX_BODY_BYTES)
        except RequestTooLarge as exc:
            return error_response(413, str(exc))
        return await lanes.run(len(raw), respond, raw)

    @app.get("/api/ask", include_in_schema=False)
    async def ask_get() -> JSONResponse:
        # Without this, GET fell through to the chat's routes and said 404: the path exists.
        return SafeJSONResponse(status_code=405, headers={"Allow": "POST"},
                                content=Answer.failure("use POST with a JSON body {\"question\": \"...\"}").to_dict())

    # async: answered on the event loop, never queued behind questions in the thread pool.
    @app.get("/api/health", summary="Liveness and the number of indexed documents")
    async def health() -> Any:
        if not is_ready(engine):  # 503 until the engine has loaded: load balancers wait
            return JSONResponse(status_code=503, content={"status": "preparing", "documents": 0})
        return {"status": "ok", "documents": len(engine.documents())}

    @app.get("/source/{doc_id:path}", response_class=HTMLResponse, summary="A source document, passage marked")
    def source(doc_id: str, start: int | None = None, end: int | None = None) -> Response:
        # Only ids the engine indexed are served; obviously bad ones never reach it.
        doc = engine.document(doc_id) if doc_id and ".." not in doc_id.split("/") else None
        if doc is None:
            return text_response(404, f"no such source document: {doc_id!r}")
        has_range = start is not None and end is not None and 0 <= start < end <= len(doc.body)
        if not has_range and (start, end) != (None, None):
            return text_response(
                400, f"start and end must be given together with 0 <= start < end <= {len(doc.body)}, got {start}..{end}"
            )
        return HTMLResponse(
            source_page(doc, start, end),
            headers={"Content-Security-Policy": "default-src 'none'; style-src 'self'"
                     + security.frame_ancestors_directive(settings.frame_ancestors)},
        )

    @app.get(f"/{SOURCE_CSS_PATH}", include_in_schema=False)
    async def source_css() -> Response:
        # The /source page's stylesheet (its policy allows styles from this origin only).
        return Response(SOURCE_CSS, media_type="text/css; charset=utf-8")


# ----------------------------------------------------------------------------- chat UI


@dataclass(frozen=True)
class Exchange:
    """One question and what came back; the chat holds two messages per exchange."""

    question: str
    answer: Answer
    # Identifies the answer message (votes on it are one row, replaced or deleted with the vote).
    message_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def cited(self) -> tuple[tuple[Citation, ...], str]:
        """The clickable passages of this answer and their kind."""
        if self.answer.answered:
            return self.answer.citations, "citation"
        return self.answer.suggestions, "suggestion"


def to_messages(exchanges: Sequence[Exchange], notices: Notices | None = None) -> list[dict[str, str]]:
    notices = notices or Notices.load()
    messages = []
    for i, ex in enumerate(exchanges):
        messages.append({"role": "user", "content": esc_text(ex.question)})
        messages.append({"role": "assistant", "content": with_notices(ex, notices, i)})
    return messages


def with_notices(ex: Exchange, notices: Notices, exchange: int) -> str:
    """The answer's bubble: the urgent notice first (whatever the sources say), the answer, and
    on an abstention where to ask instead. Notices are escaped text like the rest."""
    if ex.answer.error is not None and not ex.answer.answered:
        return chat_html(ex.answer, exchange)
    lead, trail = notices.leading(ex.question), notices.trailing(ex.answer)
    parts = [f'<strong class="notice-urgent">{esc_text(lead)}</strong>' if lead else "", chat_html(ex.answer, exchange),
             f'<span class="notice-abstain">{esc_text(trail)}</span>' if trail else ""]
    return "\n\n".join(p for p in parts if p)


def announcement(ex: Exchange | None, notices: Notices) -> str:
    """The live region's text for a new answer: read out by screen readers once, as it arrives."""
    if ex is None:
        return ""
    answer = ex.answer
    if answer.error is not None and not answer.answered:
        text = f"Not answered: {answer.error}"
    elif answer.answered:
        text = f"Answer, quoted from {len({c.doc_id for c in answer.citations})} source(s): {answer.answer}"
    else:
        text = f"{NOT_COVERED} {notices.abstain}"
    lead = notices.leading(ex.question)
    return f"<p>{esc(lead + ' ' if lead else '')}{esc(text[:600])}</p>"


def to_history(exchanges: Sequence[Exchange]) -> list[dict[str, str]]:
    """The conversation as the request contract's history (raw text, not the escaped display)."""
    history = []
    for ex in exchanges:
        if ex.answer.error is not None:
            continue  # a refused (or failed) question is not part of the conversation
        history.append({"role": "user", "content": ex.question})
        if ex.answer.answer:
            history.append({"role": "assistant", "content": ex.answer.answer})
    return history


RELATED_CHIPS = 3


def related_updates(answer: Answer | None, asked: Sequence[str] = ()) -> list[Any]:
    """The label and chip buttons under the chat: the answer's related questions, or hidden.

    Questions ``asked`` in this conversation (or rewordings of them) are never offered again.
    Button labels are plain text (Gradio escapes them), so corpus text never becomes HTML.
    """
    offered = answer.related if answer is not None and not answer.error else ()
    questions = [q for q in offered if not any(same_question(q, a) for a in asked)][:RELATED_CHIPS]
    if not questions:
        label = gr.update(value="", visible=False)
    else:
        text = "Related questions" if answer is not None and answer.answered else "Questions the sources do answer"
        label = gr.update(value=f'<p class="related-label">{esc(text)}</p>', visible=True)
    chips = [gr.update(value=q, visible=True) if q else gr.update(visible=False)
             for q in questions + [""] * (RELATED_CHIPS - len(questions))]
    return [label, *chips]


class ChatHandlers:
    """The Gradio event handlers; state is a per-session list of Exchange."""

    def __init__(self, engine: AnswerEngine, settings: Settings, feedback: FeedbackStore,
                 notices: Notices | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.feedback = feedback
        self.notices = notices or Notices.load(settings.notices_file)

    def ask(self, question: str, exchanges: list[Exchange]) -> Exchange:
        try:
            req = parse_request(
                {"question": question, "history": to_history(exchanges)},
                max_chars=self.settings.max_question_chars,
                max_turns=self.settings.max_history_turns,
            )
        except RequestError as exc:
            return Exchange(question, Answer.failure(str(exc)))
        try:
            return Exchange(req.question, self.engine.ask(req.question, req.history))
        except SourcesNotReady as exc:
            return Exchange(req.question, Answer.failure(str(exc)))
        except Exception:
            log.exception("engine failed on %r", req.question)
            return Exchange(req.question, Answer.failure("something went wrong while answering; please try again"))

    def submit(self, question: str, exchanges: list[Exchange]) -> tuple[Any, ...]:
        """-> chatbot, state, textbox, sources panel, source view, shown exchange, live region,
        related label, chips."""
        if not question or not question.strip():
            return tuple(gr.skip() for _ in range(7 + 1 + RELATED_CHIPS))
        exchanges = [*exchanges, self.ask(question, exchanges)]
        latest = exchanges[-1]
        panel = sources_panel(latest.question, latest.answer)
        # A refused question stays in the box, to be shortened or fixed rather than retyped.
        box = question if latest.answer.error is not None and not latest.answer.answered else ""
        asked = [ex.question for ex in exchanges]
        return (to_messages(exchanges, self.notices), exchanges, box, panel, source_view_empty(), len(exchanges) - 1,
                announcement(latest, self.notices), *related_updates(latest.answer, asked))

    def example(self, exchanges: list[Exchange], evt: gr.SelectData) -> tuple[Any, ...]:
        value = evt.value if isinstance(evt.value, dict) else {}
        return self.submit(str(value.get("text", "")), exchanges)

    def clear(self) -> tuple[Any, ...]:
        return [], [], "", sources_panel(None, None), source_view_empty(), -1, "", *related_updates(None)

    def show_exchange(self, exchanges: list[Exchange], evt: gr.SelectData) -> tuple[Any, ...]:
        """-> sources panel, source view, shown exchange."""
        # Clicking a message in the chat lists that exchange's sources.
        index = evt.index if isinstance(evt.index, int) else -1
        if not 0 <= index // 2 < len(exchanges):
            return gr.skip(), gr.skip(), gr.skip()
        ex = exchanges[index // 2]
        return sources_panel(ex.question, ex.answer), source_view_empty(), index // 2

    def open_citation(self, exchanges: list[Exchange], shown: int, evt: gr.EventData) -> Any:
        """A click on a [data-citation] element: show that passage in its document."""
        if not 0 <= shown < len(exchanges):
            return source_view_empty()
        citations, kind = exchanges[shown].cited()
        try:
            index = int(getattr(evt, "citation", 0)) - 1  # sent by CITATION_CLICKS
        except (TypeError, ValueError):
            return gr.skip()
        if not 0 <= index < len(citations):
            return gr.skip()
        doc = self.engine.document(citations[index].doc_id)
        if doc is None:
            return f'<div class="doc-view doc-empty">{esc(citations[index].doc_id)} is no longer available.</div>'
        return source_view(doc, citations, index, kind)

    def open_from_sources(self, exchanges: list[Exchange], shown: int, evt: gr.EventData) -> tuple[Any, Any, Any]:
        """-> sources panel, source view, shown exchange. A source card's click opens its passage;
        an inline marker in the chat (it carries its answer's ``exchange``) also lists that
        answer's sources, so the viewer's chips are that answer's citations."""
        exchange = getattr(evt, "exchange", None)
        if exchange is None:
            return gr.skip(), self.open_citation(exchanges, shown, evt), gr.skip()
        try:
            index = int(exchange)
        except (TypeError, ValueError):
            return gr.skip(), gr.skip(), gr.skip()
        if not 0 <= index < len(exchanges):
            return gr.skip(), gr.skip(), gr.skip()
        ex = exchanges[index]
        return sources_panel(ex.question, ex.answer), self.open_citation(exchanges, index, evt), index

    def vote(self, exchanges: list[Exchange], evt: gr.LikeData) -> None:
        """One vote per answer message: a vote stores it, another replaces it, undoing deletes it."""
        index = evt.index if isinstance(evt.index, int) else -1
        if not 0 <= index // 2 < len(exchanges):
            return  # a message we don't know: nothing to store
        ex = exchanges[index // 2]
        if ex.answer.error is not None and not ex.answer.answered:
            gr.Info("Votes are for answers; this message was not one, so the vote is not kept.")
            return
        try:
            if isinstance(evt.liked, bool):
                self.feedback.record(
                    question=ex.question,
                    answer=ex.answer.answer,
                    citations=[c.to_dict() for c in ex.answer.citations],
                    vote="up" if evt.liked else "down",
                    message_id=ex.message_id,
                )
            elif not evt.liked:  # Gradio sends "" when a vote is undone
                self.feedback.retract(ex.message_id)
        except FeedbackUnavailable as exc:  # a side store: the chat goes on without it
            log.error("feedback: vote not stored: %s", exc.detail)
            gr.Warning(f"Sorry, {exc}.")


# The page's scripts are files in bot/web/static/ (assets.py says how Gradio runs them). A click on a
# [data-citation] element sends its number to the panel's Python handler.
CITATION_CLICKS = assets.text("citation-clicks.js")
# The chat's inline markers, one listener on the page (with the sources panel), and the copy buttons.
CHAT_CLICKS = CITATION_CLICKS + assets.text("chat-clicks.js")
# The source viewer scrolls to the cited passage.
SCROLL_TO_MARK = CITATION_CLICKS + assets.text("scroll-to-mark.js")
# Runs once on the page: fixes of Gradio's markup it has no option for, kept as it re-renders.
PAGE_FIXES = assets.text("page-fixes.js")
# The live region: its container stays, only its text changes, so screen readers read it out.
ANNOUNCE = assets.text("announce.js")

PREPARING_PAGE = ("Preparing the sources… The first start builds the search index (about half a minute); "
                  "questions are answered as soon as it is ready.")

FOCUS_QUESTION = assets.text("focus-question.js")
# On a phone, bring the latest question to the top of the screen so its answer reads from the start.
SHOW_LATEST = assets.text("show-latest.js")


def build_ui(engine: AnswerEngine, settings: Settings, feedback: FeedbackStore, notices: Notices,
             text: PageText | None = None) -> gr.Blocks:
    """The chat page: conversation on the left, sources and the source viewer on the right."""
    handlers = ChatHandlers(engine, settings, feedback, notices)
    text = text or PageText.load(settings.chat_file)
    with gr.Blocks(title=text.title, fill_width=True, analytics_enabled=False) as demo:
        exchanges = gr.State([])
        shown = gr.State(-1)
        gr.HTML(
            f'<header class="app-head"><h1>{esc(text.title)}</h1><p>{esc(text.intro)}</p></header>',
            js_on_load=PAGE_FIXES,
        )
        if not is_ready(engine):  # opened during a first start: say so until the engine is ready
            preparing = gr.HTML(f'<p class="preparing" role="status">{esc(PREPARING_PAGE)}</p>', elem_id="preparing",
                                js_on_load=None)
            timer = gr.Timer(1.0)
            timer.tick(lambda: (gr.update(value="", visible=False), gr.Timer(active=False)) if is_ready(engine)
                       else (gr.skip(), gr.skip()), None, [preparing, timer], api_visibility="private")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=340):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    label="Conversation",
                    show_label=False,
                    height=520,
                    render_markdown=False,
                    sanitize_html=True,
                    buttons=["copy", "copy_all"],
                    feedback_options=("Like", "Dislike"),
                    examples=[{"text": q} for q in text.examples] or None,
                    placeholder=text.chat_placeholder,
                    layout="bubble",
                )
                with gr.Row(elem_id="related"):
                    related_label = gr.HTML("", visible=False, elem_id="related-label", js_on_load=None)
                    chips = [
                        gr.Button(visible=False, size="sm", variant="secondary", elem_classes=["related-q"])
                        for _ in range(RELATED_CHIPS)
                    ]
                with gr.Column(elem_id="composer", variant="compact"):
                    with gr.Row():
                        question = gr.Textbox(
                            elem_id="question",
                            label="Your question",  # the box's accessible name (shown to screen readers)
                            show_label=False,
                            placeholder=text.question_placeholder,
                            max_lines=4,
                            scale=5,
                            submit_btn=False,  # focused on load by PAGE_FIXES (not when framed)
                        )
                        send = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=64)
                        new_chat = gr.Button("New chat", elem_id="new-chat", variant="secondary", scale=1,
                                             min_width=64)
                    gr.HTML(f'<p class="human-note" role="note">{esc(notices.note)}</p>', elem_id="human-note",
                            js_on_load=None)
                announce = gr.HTML("", elem_id="announce", elem_classes=["sr-only"], js_on_load=ANNOUNCE)
            with gr.Column(scale=2, min_width=320, elem_id="side"):
                sources = gr.HTML(sources_panel(None, None), elem_id="sources", js_on_load=CHAT_CLICKS)
                viewer = gr.HTML(source_view_empty(), elem_id="source-view", js_on_load=SCROLL_TO_MARK)
        gr.HTML(
            '<footer class="app-foot">Quotes may be out of date: check the date and the Archived label. '
            'Your thumbs up/down are stored privately to improve answers. '
            '<a href="docs" target="_blank" rel="noopener">JSON API</a></footer>',
            js_on_load=None,
        )

        outputs = [chatbot, exchanges, question, sources, viewer, shown, announce, related_label, *chips]
        question.submit(handlers.submit, [question, exchanges], outputs, api_visibility="private").then(None, js=SHOW_LATEST)
        send.click(handlers.submit, [question, exchanges], outputs, api_visibility="private").then(None, js=SHOW_LATEST)
        chatbot.example_select(handlers.example, [exchanges], outputs, api_visibility="private").then(None, js=SHOW_LATEST)
        new_chat.click(handlers.clear, None, outputs, api_visibility="private").then(None, js=FOCUS_QUESTION)
        for chip in chips:  # a related question is asked as the next turn
            chip.click(handlers.submit, [chip, exchanges], outputs, api_visibility="private").then(None, js=SHOW_LATEST)
        chatbot.clear(handlers.clear, None, outputs, api_visibility="private").then(None, js=FOCUS_QUESTION)
        chatbot.select(handlers.show_exchange, [exchanges], [sources, viewer, shown], api_visibility="private")
        chatbot.like(handlers.vote, [exchanges], None, api_visibility="private")
        sources.click(handlers.open_from_sources, [exchanges, shown], [sources, viewer, shown], api_visibility="private")
        viewer.click(handlers.open_citation, [exchanges, shown], viewer, api_visibility="private")
    # The engine is thread-safe: let several sessions be answered at once.
    return demo.queue(default_concurrency_limit=CONCURRENT_ANSWERS)


# ---------------------------------------------------------------------------- the app


def create_app(engine: AnswerEngine, settings: Settings, feedback: FeedbackStore | None = None,
               outcomes: OutcomeLog | None = None) -> FastAPI:
    """The whole site around ``engine``; votes go to ``feedback`` (default: data_dir/feedback.sqlite3),
    each question's outcome to ``outcomes`` (default: data_dir/outcomes.sqlite3; README "Privacy")."""
    if feedback is None:
        feedback = FeedbackStore(Path(settings.data_dir) / "feedback.sqlite3", retention_days=settings.retention_days,
                                 keep_question_text=settings.keep_question_text)
    if outcomes is None:
        outcomes = OutcomeLog(Path(settings.data_dir) / "outcomes.sqlite3", retention_days=settings.retention_days,
                              keep_question_text=settings.keep_question_text)
    for store in (feedback, outcomes):
        store.purge_daily()  # rows expire even while nobody votes or asks
    # Near misses are told from the threshold in the confidence's own space (calibrated, when it is).
    threshold_in_use = getattr(engine, "threshold", None)  # a fake engine in tests may have none
    threshold = threshold_in_use() if callable(threshold_in_use) else settings.abstain_threshold
    engine = LoggedEngine(engine, outcomes, threshold)
    notices = Notices.load(settings.notices_file)
    text = PageText.load(settings.chat_file)
    app = FastAPI(
        title=text.title,
        description="Extractive answers, every sentence quoted from a cited source.",
        docs_url=None,  # served from local files below: no request to a CDN
        redoc_url=None,
    )
    add_api_routes(app, engine, settings, notices)
    document_request_models(app)
    security.add_local_docs(app, text.title)
    security.close_uploads(app)
    security.allow_origins(app, settings.cors_origins)
    app.add_middleware(security.SecurityHeaders, csp=security.page_csp(settings.frame_ancestors))
    security.refuse_unknown_events()
    return gr.mount_gradio_app(
        app,
        build_ui(engine, settings, feedback, notices, text),
        path="/",
        css=UI_CSS + UI_THEME_CSS,
        theme=THEME,
        footer_links=[],  # our footer links the JSON API docs instead
        run_history=False,  # don't keep conversations in the browser's storage
        enable_monitoring=False,
        show_error=False,  # the user gets a generic message; the detail stays in the server log
        max_file_size=0,  # no upload component: nothing to accept (the route is closed too)
    )


THEME = gr.themes.Default(
    primary_hue="blue",
    neutral_hue="slate",
    font=[gr.themes.Font("system-ui"), gr.themes.Font("Segoe UI"), gr.themes.Font("Helvetica"), "sans-serif"],
).set(
    # White on blue-500 is 3.7:1; on 700 (light) and 600 (dark) it is over 4.5:1.
    button_primary_background_fill="*primary_700",
    button_primary_background_fill_hover="*primary_800",
    button_primary_background_fill_dark="*primary_600",
    button_primary_background_fill_hover_dark="*primary_700",
    button_primary_text_color="white",
    button_primary_text_color_dark="white",
)
