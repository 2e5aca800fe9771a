"""Rendering for the web front end: pure functions from answers and documents to escaped text
or HTML, and the pages' CSS (its text is in ``bot/web/static/``, read by ``assets.py``). ``esc`` is
applied to every value that comes from a question or the corpus; nothing here answers
questions or knows about HTTP (``app.py`` does).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import quote as url_quote

from bot.answering.answer import NOT_COVERED  # one wording of "not covered", the API's and the chat's
from bot.web import assets
from bot.schema import Answer, Citation, Document
from bot.web.theme import PAGE_THEME_CSS


def esc(text: object) -> str:
    """Escape for HTML text and attribute values."""
    return html.escape(str(text), quote=True)


def esc_text(text: str) -> str:
    """Escape for a chat message: only & < > (quotes stay readable when a message is copied)."""
    return html.escape(text, quote=False)


def with_markers(answer: Answer) -> str:
    """The lead answer with a [n] marker after each of its cited quotes (unplaced ones at the end).
    Supporting quotes are not part of the answer text: they get no marker here."""
    text = answer.answer
    if re.search(r"\[\d+\]", text):  # the engine placed markers itself
        return text
    out, pos, unplaced = [], 0, []
    for number, citation in enumerate(answer.lead, start=1):
        found = text.find(citation.quote, pos) if citation.quote else -1
        if found < 0:
            unplaced.append(number)
            continue
        end = found + len(citation.quote)
        out.append(f"{text[pos:end]} [{number}]")
        pos = end
    out.append(text[pos:])
    return "".join(out).rstrip() + "".join(f" [{n}]" for n in unplaced)


def describe(citation: Citation) -> str:
    """'Title (April 2025, archived)': one line naming a source in plain text."""
    notes = [citation.date or "undated"] + (["archived"] if citation.archived else [])
    return f"{citation.title} ({', '.join(notes)})"


def plain_text(answer: Answer) -> str:
    """The answer as plain (unescaped) text: the lead with its markers, the supporting quotes,
    then every source numbered. This is what the copy button copies."""
    if answer.error is not None and not answer.answered:
        return f"Sorry, I can't take that question: {answer.error}"
    if not answer.answered:
        lines = [NOT_COVERED]
        if answer.suggestions:
            lines.append("The closest passages are listed under Sources; open one to check for yourself.")
        if answer.related:
            lines.append("Or ask one of the questions the sources do answer, below.")
        return "\n".join(lines)
    parts = [with_markers(answer)]
    first = len(answer.lead) + 1
    if answer.supporting:
        parts.append(f"{ALSO} ({len(answer.supporting)}):\n" + "\n".join(
            f"[{n}] {SUPPORT_LABELS[s.why]}: “{s.citation.quote}”" for n, s in enumerate(answer.supporting, start=first)))
    sources = "\n".join(f"[{n}] {describe(c)}" for n, c in enumerate(answer.citations, start=1))
    parts.append(f"Sources:\n{sources}")
    return "\n\n".join(parts)


def chat_text(answer: Answer) -> str:
    """The answer as escaped plain text (see ``plain_text``)."""
    return esc_text(plain_text(answer))


ALSO = "Also in the sources"
JOINER = " … "  # answer.JOINER, between the lead's quotes (not imported: rendering needs no engine)
# What each kind of supporting quote is, as the chat says it (schema.SUPPORT_REASONS).
SUPPORT_LABELS = {
    "other_source": "Another source says",
    "conflicting_value": "Another figure",
    "replaced_by": "Since replaced",
    "continues": "The same source goes on",
}


def _marker(number: int, citation: Citation, exchange: int, css: str = "ans-cite") -> str:
    # Gradio's sanitizer drops data-* attributes from chat messages: the classes carry the same
    # numbers, and the page's script (web.CHAT_CLICKS) puts the data-* attributes back.
    return (f'<a class="{css} cite-{number} exchange-{exchange}" data-citation="{number}" data-exchange="{exchange}" '
            f'href="{esc(source_href(citation))}" '
            f'target="_blank" rel="noopener" title="{esc(describe(citation))}">[{number}]</a>')


def chat_html(answer: Answer, exchange: int) -> str:
    """The chat bubble of an answer: the lead with a clickable marker after each quote (opening
    the cited passage, like the source cards: ``data-citation`` is the citation's number, and
    ``data-exchange`` the answer's place in the conversation), then the supporting quotes in a
    collapsed "Also in the sources (n)", each dated and clickable. ``data-copy`` holds the plain
    text the copy button copies. No whitespace between tags: the bubble keeps line breaks."""
    if not answer.answered:
        return chat_text(answer)
    pieces = []
    for number, citation in enumerate(answer.lead, start=1):
        pieces.append(f'<span class="ans-quote">{esc_text(citation.quote)}</span> {_marker(number, citation, exchange)}')
    lead = f'<div class="ans-lead">{esc_text(JOINER).join(pieces)}</div>'
    more = ""
    if answer.supporting:
        items = []
        for number, s in enumerate(answer.supporting, start=len(answer.lead) + 1):
            c = s.citation
            when = esc(c.date or "undated") + (" · archived" if c.archived else "")
            items.append(
                f'<li class="ans-support" data-why="{esc(s.why)}"><span class="ans-why">{esc(SUPPORT_LABELS[s.why])}</span> '
                f'<span class="ans-date">{when}</span> <span class="ans-src">{esc(c.title)}</span>'
                f'<br><span class="ans-quote">“{esc_text(c.quote)}”</span> {_marker(number, c, exchange)}</li>')
        more = (f'<details class="ans-more"><summary>{ALSO} ({len(answer.supporting)})</summary>'
                f'<ol class="ans-supporting">{"".join(items)}</ol></details>')
    return f'<div class="ans" data-copy="{esc(plain_text(answer))}">{lead}{more}</div>'


def source_href(citation: Citation) -> str:
    """Relative link to the standalone source page (relative so a path prefix keeps working)."""
    return f"source/{url_quote(citation.doc_id, safe='/')}?start={citation.start}&end={citation.end}#cited"


def original_href(url: str, quote: str = "") -> str:
    """``url`` pointing at ``quote`` with a text fragment (``#:~:text=``); "" unless http(s).

    Long quotes are matched by their first and last words (``text=start,end``); browsers
    without text fragments simply open the page."""
    if not re.match(r"https?://[^\s\"'<>]+$", url or ""):
        return ""
    base = url.split("#", 1)[0]
    words = quote.split()
    if not words:
        return base

    def part(ws: list[str]) -> str:
        # '-', ',' and '&' are the directive's own syntax: always percent-encoded.
        return url_quote(" ".join(ws), safe="").replace("-", "%2D")

    fragment = part(words) if len(words) <= 8 else f"{part(words[:4])},{part(words[-4:])}"
    return f"{base}#:~:text={fragment}"


def _original_link(url: str, quote: str) -> str:
    href = original_href(url, quote)
    if not href:
        return ""
    return (f'<a class="src-original" href="{esc(href)}" target="_blank" rel="noopener noreferrer" '
            f'title="The page this source was taken from, at the quoted passage">Open the original page &#x2197;</a>')


def _meta(date: str, archived: bool, site: str = "") -> str:
    parts = [f'<span class="src-site">{esc(site)}</span>'] if site else []
    parts.append(f'<span class="src-date">{esc(date)}</span>' if date else '<span class="src-date src-undated">undated</span>')
    if archived:
        parts.append('<span class="src-badge" title="This page is from an archive and may be out of date">Archived</span>')
    return f'<span class="src-meta">{"".join(parts)}</span>'


def _citation_card(number: int, citation: Citation, kind: str) -> str:
    return (
        f'<li><a class="src-card" data-citation="{number}" data-kind="{kind}" '
        f'href="{esc(source_href(citation))}" target="_blank" rel="noopener">'
        f'<span class="src-num">[{number}]</span>'
        f'<span class="src-head"><span class="src-title">{esc(citation.title)}</span>'
        f"{_meta(citation.date, citation.archived)}</span>"
        f'<span class="src-quote">{esc(citation.quote)}</span>'
        f'<span class="src-open">Show in source &rarr;</span></a>{_original_link(citation.url, citation.quote)}</li>'
    )


def _dates_note(citations: Sequence[Citation]) -> str:
    """A reminder to compare dates when an answer quotes sources of different dates (e.g. two figures)."""
    sources = {c.doc_id for c in citations}
    if len(sources) < 2 or len({(c.date, c.archived) for c in citations}) < 2:
        return ""
    return f'<p class="src-note">Quoted from {len(sources)} sources of different dates: check each one&rsquo;s date.</p>'


def sources_panel(question: str | None, answer: Answer | None) -> str:
    """The clickable list of an answer's citations (or, on abstention, its suggestions)."""
    if answer is None:
        return (
            '<div class="src-panel src-empty"><h2>Sources</h2>'
            "<p>Every answer is quoted from published pages. Its sources appear here: "
            "open one to read the passage in context.</p></div>"
        )
    heading = f'<h2>Sources <span class="src-for">for “{esc(question or "")}”</span></h2>'
    if answer.answered:
        cards = "".join(_citation_card(n, c, "citation") for n, c in enumerate(answer.citations, start=1))
        return f'<div class="src-panel">{heading}{_dates_note(answer.citations)}<ol class="src-list">{cards}</ol></div>'
    if answer.error is not None:
        return f'<div class="src-panel">{heading}<p class="src-error">{esc(answer.error)}</p></div>'
    note = f'<p class="src-abstain"><strong>{esc(NOT_COVERED)}</strong> '
    if not answer.suggestions:
        return f'<div class="src-panel">{heading}{note}Try asking in other words.</p></div>'
    cards = "".join(_citation_card(n, c, "suggestion") for n, c in enumerate(answer.suggestions, start=1))
    return (
        f'<div class="src-panel">{heading}{note}These are the closest passages; they may not answer it.</p>'
        f'<ol class="src-list src-suggestions">{cards}</ol></div>'
    )


def highlight(body: str, marks: Sequence[tuple[int, int, str]]) -> str:
    """Escaped ``body`` with each (start, end, opening_tag) span wrapped; overlaps are skipped."""
    out, pos = [], 0
    for start, end, tag in sorted(marks):
        if start < pos or not 0 <= start < end <= len(body):
            continue
        out += [esc(body[pos:start]), tag, esc(body[start:end]), "</mark>"]
        pos = end
    out.append(esc(body[pos:]))
    return "".join(out)


def source_view(doc: Document, citations: Sequence[Citation], active: int, kind: str = "citation") -> str:
    """A document with ``citations[active]`` marked, plus chips to jump to the others."""
    chips = "".join(
        f'<a class="src-chip{" active" if i == active else ""}" data-citation="{i + 1}" data-kind="{kind}" '
        f'href="{esc(source_href(c))}" target="_blank" rel="noopener" title="{esc(describe(c))}">[{i + 1}]</a>'
        for i, c in enumerate(citations)
    )
    label = "Sources in this answer" if kind == "citation" else "Closest passages"
    current = citations[active]
    marks = [(current.start, current.end, '<mark class="cited" id="cited">')]
    marks += [
        (c.start, c.end, f'<mark class="also" data-citation="{i + 1}" data-kind="{kind}" title="Source [{i + 1}]">')
        for i, c in enumerate(citations)
        if i != active and c.doc_id == doc.doc_id
    ]
    return (
        f'<article class="doc-view"><nav class="doc-chips" aria-label="{label}">{label}: {chips}</nav>'
        f'<header><h3 class="doc-title">{esc(doc.title)}</h3>{_meta(doc.date, doc.archived, doc.site)} '
        f'<a class="doc-page" href="{esc(source_href(current))}" target="_blank" rel="noopener">Open as a page &#x2197;</a>'
        f'{_original_link(doc.url, current.quote)}</header>'
        # A scroll box: focusable (tabindex) so it scrolls by keyboard, named for screen readers.
        f'<div class="doc-body" tabindex="0" role="region" aria-label="Text of {esc(doc.title)}">'
        f'{highlight(doc.body, marks)}</div></article>'
    )


def source_view_empty() -> str:
    return '<div class="doc-view doc-empty">Pick a source to read the cited passage in its document.</div>'


def source_page(doc: Document, start: int | None, end: int | None) -> str:
    """A standalone page for one document; the passage start..end (if given) is marked."""
    marks = [] if start is None or end is None else [(start, end, '<mark class="cited" id="cited">')]
    home = "../" * (1 + doc.doc_id.count("/"))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(doc.title)}</title><link rel="stylesheet" href="{esc(home)}{SOURCE_CSS_PATH}"></head>
<body><main class="doc-view doc-page-view">
<p><a href="{esc(home)}">&larr; Back to the chat</a></p>
<header><h1 class="doc-title">{esc(doc.title)}</h1>{_meta(doc.date, doc.archived, doc.site)}
{_original_link(doc.url, doc.body[start:end] if start is not None and end is not None else "")}</header>
<div class="doc-body">{highlight(doc.body, marks)}</div>
</main></body></html>"""


# The rules shared by the chat and the /source page come first in both (bot/web/static/*.css).
PAGE_CSS = assets.text("shared.css") + assets.text("page.css")
UI_CSS = assets.text("shared.css") + assets.text("chat.css")
# The /source page's stylesheet, rules then colours: a file of its own (app.py serves it at
# SOURCE_CSS_PATH, relative to the site's root), so the page's policy allows no inline style.
SOURCE_CSS = PAGE_CSS + PAGE_THEME_CSS
SOURCE_CSS_PATH = "source-page.css"  # not under static/ or assets/: those paths are Gradio's
