"""The web layer without a browser: JSON API, /source pages, HTML rendering and chat handlers.

The engine is a fixture (FakeEngine here); a real-engine run only needs to override it.
"""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from bot.web.feedback import FeedbackStore
from bot.schema import Answer
from bot.settings import Settings
from bot.query.validate import Turn
from bot.web.render import chat_text, highlight, source_view, sources_panel, with_markers
from bot.web.app import ChatHandlers, Exchange, MAX_BODY_BYTES, create_app
from web_fixtures import XSS, FakeEngine, cite, DOCUMENTS

CONTRACT_KEYS = {"answered", "answer", "citations", "confidence"}


# Module-scoped: building the Gradio app takes about a second.
@pytest.fixture(scope="module")
def engine():
    return FakeEngine()


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return Settings(data_dir=tmp_path_factory.mktemp("web") / "var", max_question_chars=200)


@pytest.fixture(scope="module")
def client(engine, settings):
    with TestClient(create_app(engine, settings)) as c:
        yield c


# ------------------------------------------------------------------------------ /api


def test_health_counts_documents(client, engine):
    assert client.get("/api/health").json() == {"status": "ok", "documents": len(engine.documents())}


def test_ask_returns_the_answer_contract_with_true_offsets(client, engine):
    res = client.post("/api/ask", json={"question": "Who manages the Metropolitan Police?"})
    assert res.status_code == 200
    body = res.json()
    assert set(body) == CONTRACT_KEYS | {"related", "supporting", "notices"} and body["answered"] is True and body["citations"]
    for c in body["citations"]:
        assert engine.document(c["doc_id"]).body[c["start"]:c["end"]] == c["quote"]
        assert set(c) == {"doc_id", "title", "start", "end", "quote", "date", "archived"}


def test_ask_returns_supporting_quotes_after_the_leads_citations(client, engine):
    body = client.post("/api/ask", json={"question": "How many police officers are there?"}).json()
    assert body["answer"] == "The Met has over 32,800 police officers."
    [support] = body["supporting"]
    assert set(support) == {"doc_id", "title", "start", "end", "quote", "date", "archived", "why"}
    assert support["why"] == "conflicting_value" and support["date"] == "undated" and support["archived"] is True
    assert engine.document(support["doc_id"]).body[support["start"]:support["end"]] == support["quote"]
    assert [c["quote"] for c in body["citations"]] == [body["answer"], support["quote"]]  # the lead's first


def test_history_reaches_the_engine(client, engine):
    history = [{"role": "user", "content": "When was the Met founded?"}, {"role": "assistant", "content": "In 1829."}]
    body = client.post("/api/ask", json={"question": "And its headquarters?", "history": history}).json()
    assert "Great Scotland Yard" in body["answer"]
    assert engine.calls[-1] == ("And its headquarters?", (Turn("user", history[0]["content"]), Turn("assistant", "In 1829.")))


def test_abstention_carries_suggestions(client):
    body = client.post("/api/ask", json={"question": "What is the weather on Mars?"}).json()
    assert body["answered"] is False and body["answer"] == "" and body["suggestions"]


BAD_BODIES = [
    ("not json", b"{question: 1", 400),
    ("array", b'["What is MOPAC?"]', 422),
    ("bare string", b'"What is MOPAC?"', 422),
    ("number", b"42", 422),
    ("null", b"null", 422),
    ("missing question", b'{"history": []}', 422),
    ("question not a string", b'{"question": 5}', 422),
    ("empty question", b'{"question": "  \\u0000 "}', 422),
    ("too long", ('{"question": "' + "x" * 201 + '"}').encode(), 422),
    ("unknown field", b'{"question": "q", "stream": true}', 422),
    ("history not a list", b'{"question": "q", "history": "hi"}', 422),
    ("bad role", b'{"question": "q", "history": [{"role": "system", "content": "x"}]}', 422),
    ("not utf-8", b'{"question": "\xff\xfe"}', 400),
]


@pytest.mark.parametrize("raw,status", [b[1:] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES])
def test_bad_input_gets_a_4xx_in_the_contract_shape(client, raw, status):
    res = client.post("/api/ask", content=raw, headers={"content-type": "application/json"})
    assert res.status_code == status
    body = res.json()
    assert body["answered"] is False and body["answer"] == "" and body["citations"] == [] and body["confidence"] == 0
    assert isinstance(body["error"], str) and body["error"]


def test_oversized_body_is_refused_with_413(client):
    res = client.post("/api/ask", content=b"{" + b" " * MAX_BODY_BYTES + b"}", headers={"content-type": "application/json"})
    assert res.status_code == 413 and "too large" in res.json()["error"]


def test_oversized_chunked_body_is_refused_while_reading(client):
    def chunks():
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b" " * 1024

    res = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert res.status_code == 413


def test_engine_failure_is_a_json_error_not_a_traceback(client):
    res = client.post("/api/ask", json={"question": "please explode"})
    assert res.status_code == 500
    assert res.json()["answered"] is False and "engine failed" in res.json()["error"]
    assert "Traceback" not in res.text


def test_openapi_docs_and_chat_page_are_served(client):
    assert client.get("/docs").status_code == 200
    assert "/api/ask" in client.get("/openapi.json").json()["paths"]


def _schema(openapi: dict, node: dict) -> dict:
    """``node`` with its ``$ref`` (if any) resolved against the document's components."""
    ref = node.get("$ref")
    return openapi["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else node


def test_openapi_documents_the_supporting_quotes(client):
    openapi = client.get("/openapi.json").json()
    ask = openapi["paths"]["/api/ask"]["post"]
    answer = _schema(openapi, ask["responses"]["200"]["content"]["application/json"]["schema"])
    assert {"answered", "answer", "citations", "confidence", "supporting", "related"} <= set(answer["required"])
    assert set(answer["properties"]) == {"answered", "answer", "citations", "confidence", "supporting", "related",
                                         "notices", "suggestions", "error", "explain"}
    support = _schema(openapi, answer["properties"]["supporting"]["items"])
    why = support["properties"]["why"]
    assert set(why["enum"]) == {"other_source", "conflicting_value", "replaced_by", "continues"}
    assert {"doc_id", "title", "start", "end", "quote", "date", "archived", "why"} <= set(support["required"])
    citation = _schema(openapi, answer["properties"]["citations"]["items"])
    assert set(citation["properties"]) == {"doc_id", "title", "start", "end", "quote", "date", "archived", "url"}
    assert "url" not in citation["required"]  # only where the source states one
    # Every refusal is documented, in the answer's shape.
    for status in ("400", "403", "413", "422", "500", "503"):
        assert _schema(openapi, ask["responses"][status]["content"]["application/json"]["schema"]) == answer
    page = client.get("/")
    assert page.status_code == 200 and "gradio" in page.text.lower()


def test_openapi_documents_the_request_body(client):
    openapi = client.get("/openapi.json").json()
    body = openapi["paths"]["/api/ask"]["post"]["requestBody"]
    request = _schema(openapi, body["content"]["application/json"]["schema"])
    assert body["required"] is True and request["required"] == ["question"]
    assert set(request["properties"]) == {"question", "history", "explain"} and request["additionalProperties"] is False
    assert request["properties"]["question"]["type"] == "string" and request["properties"]["explain"]["type"] == "boolean"
    turn = _schema(openapi, request["properties"]["history"]["items"])
    assert turn["properties"]["role"]["enum"] == ["user", "assistant"] and turn["properties"]["content"]["type"] == "string"


def test_the_answer_json_is_exactly_the_documented_model(client, tiny_engine, tmp_path):
    """Every field the API sends is in AnswerOut, in its type, and every field of AnswerOut is sent
    by some response: the documentation and Answer.to_dict() can't drift apart."""
    from bot.web.contract import AnswerOut, CitationOut
    from bot.schema import Citation

    bodies = [client.post("/api/ask", json={"question": q}).json() for q in (
        "Who manages the Metropolitan Police?", "How many police officers are there?", "What is the weather on Mars?", "")]
    with TestClient(create_app(tiny_engine, Settings(data_dir=tmp_path, api_explain=True))) as c:
        bodies.append(c.post("/api/ask", json={"question": "Who founded the service?", "explain": True}).json())
    for body in bodies:
        AnswerOut.model_validate(body)  # strict, unknown fields forbidden
    assert set().union(*bodies) == set(AnswerOut.model_fields)
    assert {"supporting", "suggestions", "error", "explain", "notices"} <= {k for b in bodies for k, v in b.items() if v}
    cited = Citation("a.md", "A", 0, 1, "x", url="https://example.org/a").to_dict()
    assert CitationOut.model_validate(cited) and set(cited) == set(CitationOut.model_fields)


# ---------------------------------------------------------------------------- /source


def test_source_page_marks_the_passage_and_labels_the_document(client, engine):
    doc = engine.document("history/founding.md")
    c = cite(doc, "Its first headquarters were at Great Scotland Yard.")
    res = client.get(f"/source/{doc.doc_id}", params={"start": c.start, "end": c.end})
    assert res.status_code == 200 and "default-src 'none'" in res.headers["content-security-policy"]
    assert f'<mark class="cited" id="cited">{html.escape(c.quote)}</mark>' in res.text
    assert "undated" in res.text and "Archived" in res.text and html.escape(doc.title) in res.text


def test_source_page_escapes_corpus_text(client, engine):
    doc = engine.document("complaints.md")
    text = client.get(f"/source/{doc.doc_id}").text
    assert XSS not in text and html.escape(XSS) in text
    assert "<about>" not in text and "March 2019" in text and "Archived" not in text.split("<body>")[1]


@pytest.mark.parametrize(
    "path",
    ["/source/..%2F..%2Fetc%2Fpasswd", "/source/%2E%2E/%2E%2E/etc/passwd", "/source/etc/passwd", "/source/mopac.md%00", "/source/"],
)
def test_source_serves_only_known_documents(client, path):
    res = client.get(path)
    assert res.status_code == 404
    assert "root:" not in res.text


@pytest.mark.parametrize("params", [{"start": 5}, {"start": 10, "end": 5}, {"start": -1, "end": 3}, {"start": 0, "end": 10**6}])
def test_source_rejects_bad_ranges(client, params):
    assert client.get("/source/mopac.md", params=params).status_code == 400


def test_the_source_page_links_its_stylesheet_which_is_served_as_css(client):
    from urllib.parse import urljoin

    page = client.get("/source/history/founding.md")
    csp = page.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'; style-src 'self'") and "unsafe-inline" not in csp and "<style" not in page.text
    [href] = re.findall(r'<link rel="stylesheet" href="([^"]+)">', page.text)
    assert href == "../../source-page.css"  # relative: works under a proxy's path prefix
    css = client.get(urljoin("http://testserver/source/history/founding.md", href))
    assert css.status_code == 200 and css.headers["content-type"] == "text/css; charset=utf-8"
    assert css.headers["x-content-type-options"] == "nosniff" and "content-security-policy" not in css.headers
    assert "mark.cited" in css.text and "prefers-color-scheme: dark" in css.text and "--mb-mark-bg" in css.text


# -------------------------------------------------------------------------- rendering


def _answer(question: str) -> Answer:
    return FakeEngine().ask(question)


def test_markers_follow_their_quotes():
    answer = _answer("Who manages the Met?")
    text = with_markers(answer)
    assert text.index("[1]") < text.index("The Commissioner") < text.index("[2]")
    assert text.replace(" [1]", "").replace(" [2]", "") == answer.answer


def test_chat_text_is_escaped_and_lists_dated_sources():
    text = chat_text(_answer("Where do I complain?"))
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "[1] Complaints &lt;about&gt; the police (March 2019)" in text
    founded = chat_text(_answer("When was the Met founded?"))
    assert "(undated, archived)" in founded


def test_abstention_reads_as_such():
    answer = _answer("What is the weather on Mars?")
    assert chat_text(answer).startswith("The sources don't cover this question.")
    panel = sources_panel("Mars?", answer)
    assert "cover this" in panel and panel.count('data-kind="suggestion"') == len(answer.suggestions)


def test_sources_panel_escapes_and_links_every_citation():
    answer = _answer("Where do I complain?")
    panel = sources_panel(XSS, answer)
    assert "<img" not in panel and "<about>" not in panel
    assert re.findall(r'data-citation="(\d+)"', panel) == ["1", "2"]
    assert panel.count("March 2019") == 2


def test_source_view_marks_the_active_citation_and_offers_the_others():
    answer = _answer("Who manages the Met?")
    doc = FakeEngine().document("mopac.md")
    view = source_view(doc, answer.citations, 1)
    assert f'<mark class="cited" id="cited">{html.escape(answer.citations[1].quote)}</mark>' in view
    assert 'class="also" data-citation="1"' in view
    assert view.count('class="src-chip') == 2 and "April 2025" in view


@given(body=st.text(min_size=1, max_size=200), data=st.data())
def test_highlight_keeps_the_text_and_escapes_it(body, data):
    start = data.draw(st.integers(0, len(body) - 1))
    end = data.draw(st.integers(start + 1, len(body)))
    out = highlight(body, [(start, end, "<mark>")])
    assert out.count("<mark>") == 1
    assert html.unescape(out.replace("<mark>", "").replace("</mark>", "")) == body
    assert "<" not in out.replace("<mark>", "").replace("</mark>", "")


def test_highlight_skips_overlaps_and_bad_spans():
    out = highlight("abcdef", [(0, 3, "<mark>"), (2, 4, "<mark>"), (5, 99, "<mark>")])
    assert out == "<mark>abc</mark>def"


# ---------------------------------------------------------------------- chat handlers


@pytest.fixture
def handlers(engine, settings, tmp_path):
    return ChatHandlers(engine, settings, FeedbackStore(tmp_path / "fb.sqlite3"))


def test_follow_up_sends_the_conversation_so_far(handlers, engine):
    _, exchanges, *_ = handlers.submit("When was the Met founded?", [])
    messages, exchanges, box, *_ = handlers.submit("And its headquarters?", exchanges)
    assert box == "" and len(messages) == 4 and "Great Scotland Yard" in messages[3]["content"]
    question, history = engine.calls[-1]
    assert question == "And its headquarters?"
    assert history[0] == Turn("user", "When was the Met founded?") and history[1].role == "assistant"


def test_over_long_question_is_explained_in_the_chat(handlers, engine):
    calls = len(engine.calls)
    messages, exchanges, *_ = handlers.submit("x" * 500, [])
    assert "too long" in messages[-1]["content"] and len(engine.calls) == calls


def test_votes_are_stored_with_the_answer(handlers):
    _, exchanges, *_ = handlers.submit("What is MOPAC?", [])
    handlers.vote(exchanges, SimpleNamespace(index=1, liked=False))
    handlers.vote(exchanges, SimpleNamespace(index=9, liked=True))  # unknown message: ignored
    [vote] = handlers.feedback.votes()
    assert (vote.question, vote.vote) == (None, "down")  # no question text by default (README "Privacy")
    assert vote.question_hash == handlers.feedback.policy.digest("What is MOPAC?")
    assert vote.citations[0]["doc_id"] == "mopac.md"


def test_opening_a_citation_shows_its_document(handlers):
    _, exchanges, _, _, _, shown, *_ = handlers.submit("Who manages the Met?", [])
    view = handlers.open_citation(exchanges, shown, SimpleNamespace(citation="2"))
    assert '<mark class="cited" id="cited">The Commissioner' in view


def test_exchange_cited_falls_back_to_suggestions():
    answer = _answer("Mars?")
    assert Exchange("Mars?", answer).cited() == (answer.suggestions, "suggestion")
    assert DOCUMENTS  # the fake corpus is non-empty


# ------------------------------------------------------------------------------ app.py


def _fake_engine_module(load):
    return SimpleNamespace(Engine=SimpleNamespace(load=load))


def test_app_loads_the_engine_once_and_serves_it(monkeypatch, tmp_path, capsys):
    import sys

    import app
    from web_fixtures import fake_uvicorn

    loads = []

    def load(settings, progress=None):
        loads.append(settings)
        progress("building the index")
        return FakeEngine()

    monkeypatch.setitem(sys.modules, "bot.engine", _fake_engine_module(load))
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "var"))
    served = fake_uvicorn(monkeypatch)
    assert app.main(["--port", "8123"]) == 0
    assert len(loads) == 1 and (served["host"], served["port"]) == ("127.0.0.1", 8123)
    assert any(getattr(r, "path", None) == "/api/ask" for r in served["app"].routes)
    assert "building the index" in capsys.readouterr().err


def test_app_reports_a_failed_start_in_one_line(monkeypatch, capsys):
    import sys

    import app

    def load(settings, progress=None):
        raise FileNotFoundError("corpus/ is missing")

    from web_fixtures import fake_uvicorn

    monkeypatch.setitem(sys.modules, "bot.engine", _fake_engine_module(load))
    fake_uvicorn(monkeypatch)  # the page is served while the engine loads; a failed load stops it
    assert app.main([]) == 1
    err = capsys.readouterr().err.strip()
    assert err.splitlines()[-1] == "error: could not start the chatbot: corpus/ is missing" and "Traceback" not in err


def test_related_questions_reach_the_chips_as_text(handlers):
    *_, label, first, second, third = handlers.submit("What is MOPAC?", [])
    assert label["visible"] and "Related questions" in label["value"]
    assert [c["value"] for c in (first, second, third) if c.get("visible")] == ["Where do I complain?", "When was the Met founded?"]
    label, *chips = handlers.clear()[7:]
    assert not label["visible"] and not any(c.get("visible") for c in chips)


def test_explain_traces_are_off_unless_the_server_allows_them(tiny_engine, tmp_path):
    off = Settings(data_dir=tmp_path / "off")
    with TestClient(create_app(tiny_engine, off)) as c:
        r = c.post("/api/ask", json={"question": "Who founded the service?", "explain": True})
        assert r.status_code == 403 and "BOT_API_EXPLAIN" in r.json()["error"]
        plain = c.post("/api/ask", json={"question": "Who founded the service?"}).json()
        assert "explain" not in plain and CONTRACT_KEYS <= set(plain)
    on = Settings(data_dir=tmp_path / "on", api_explain=True)
    with TestClient(create_app(tiny_engine, on)) as c:
        body = c.post("/api/ask", json={"question": "Who founded the service?", "explain": True}).json()
        assert CONTRACT_KEYS <= set(body) and body["explain"]["candidates"][0]["parts"]
        assert body["explain"]["threshold"] == tiny_engine.threshold()  # in the confidence's space (calibrated)
        assert c.post("/api/ask", json={"question": "x", "explain": "yes"}).status_code == 422


def test_the_explain_setting_reads_from_the_environment():
    assert Settings.from_env({"BOT_API_EXPLAIN": "1"}).api_explain is True
    assert Settings.from_env({}).api_explain is False
    with pytest.raises(ValueError, match="BOT_API_EXPLAIN"):
        Settings.from_env({"BOT_API_EXPLAIN": "maybe"})


def test_chat_bubble_has_clickable_markers_and_the_supporting_quotes_collapsed():
    from bot.web.render import chat_html

    answer = _answer("How many police officers does the Met have?")
    bubble = chat_html(answer, 3)
    assert re.findall(r'class="ans-cite cite-\d+ exchange-3" data-citation="(\d+)" data-exchange="3"', bubble) == ["1", "2"]
    lead, _, more = bubble.partition('<div class="ans-lead">')[2].partition("<details")
    assert "32,800" in lead and "34,000" not in lead and "Sources:" not in lead
    assert more.startswith(' class="ans-more"><summary>Also in the sources (1)</summary>')
    assert "Another figure" in more and "undated · archived" in more and "34,000" in more
    assert "<details open" not in bubble  # collapsed
    # The copy button copies the plain text: the answer with its sources.
    copy = html.unescape(re.search(r'data-copy="([^"]*)"', bubble).group(1))
    assert copy.startswith("The Met has over 32,800 police officers. [1]") and "Sources:\n[1] The Mayor's" in copy
    assert "[2] A short history of the Met (undated, archived)" in copy


def test_chat_bubble_escapes_the_quotes():
    from bot.web.render import chat_html

    bubble = chat_html(_answer("Where do I complain?"), 0)
    assert "<img" not in bubble and "&lt;img src=x onerror=alert(1)&gt;" in bubble


def test_an_inline_marker_opens_its_answers_passage_and_lists_its_sources(handlers):
    _, exchanges, *_ = handlers.submit("How many police officers are there?", [])
    _, exchanges, *_ = handlers.submit("What is MOPAC?", exchanges)
    panel, view, shown = handlers.open_from_sources(exchanges, 1, SimpleNamespace(citation="2", exchange="0"))
    assert shown == 0 and "There were once over 34,000 police officers." in panel
    assert '<mark class="cited" id="cited">There were once over 34,000 police officers.</mark>' in view
    # A source card's click (no exchange) opens the passage of the answer shown, the panel untouched.
    panel, view, shown = handlers.open_from_sources(exchanges, 1, SimpleNamespace(citation="1"))
    assert "(MOPAC) oversees" in view
