"""Read one source file (a saved web page, a PDF, a text or Markdown file) into a corpus document.

``read_source(path)`` checks the file (size cap, content matches its extension), extracts its
main text and the metadata the file itself states, and returns a ``Source`` whose ``render()``
is a corpus/ file (the header format of ``documents.py``). Anything unusable raises ``Rejected``
with a one-line reason.

- HTML: trafilatura extracts the main text (navigation, cookie banners, footers and asides are
  dropped); headings stay as their own lines. Title, canonical URL and date come from what the
  page states (``<title>``/``og:title``, ``<link rel=canonical>``/``og:url``, dated meta tags);
  the date search in the page's text is switched off, because it takes a copyright footer's
  year for a date. The publisher is taken only from a tag that names it (``og:site_name``...),
  never from the domain.
- PDF: pdfminer.six lays out the text boxes; boxes are read column by column, a box's wrapped
  lines are joined into one paragraph, a short one-line box is a heading. A PDF without a text
  layer (a scan) is rejected: there is no OCR here.
- Text/Markdown: the seed cleaner of ``ingest.py`` (chrome lines, bullets, broken words); a
  file that already has a corpus header keeps it.

Dates in the text ("Updated June 2017") and the "archived material" warning are detected as
``ingest.py`` does. Nothing here writes files or touches the index (see ``add.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.corpus.documents import parse_document
from bot.corpus.ingest import ARCHIVED, clean_text, detect_date

SUFFIX_KINDS = {".html": "html", ".htm": "html", ".pdf": "pdf", ".txt": "text", ".md": "text"}
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
# Less text than this answers nothing: what is left of an empty page or one that is all
# navigation (extractors fall back to whatever text there is).
MIN_WORDS = 8


class Rejected(ValueError):
    """This file adds nothing to the corpus; the message is the one-line reason."""


@dataclass(frozen=True)
class Source:
    """A document ready to be written to corpus/: header fields and the cleaned body."""

    title: str
    body: str
    site: str = ""
    date: str = ""
    archived: bool = False
    source: str = ""  # the file it was made from
    url: str = ""  # the page's own canonical address, only where it states one

    def __post_init__(self) -> None:
        if not self.body.strip():
            raise Rejected("no text left after extraction")
        for name in ("title", "site", "date", "source", "url"):
            value = getattr(self, name)
            if "\n" in value or value.strip() != value:
                raise ValueError(f"{name} must be one trimmed line, got {value!r}")
        if not self.title:
            raise ValueError("title must not be empty")

    def render(self) -> str:
        """The corpus/ file: header (same keys and order as the seed cleaner's) and body."""
        header = ["---", f"title: {self.title}"]
        if self.site:
            header.append(f"site: {self.site}")
        if self.date:
            header.append(f"date: {self.date}")
        header.append(f"archived: {'true' if self.archived else 'false'}")
        if self.source:
            header.append(f"source: {self.source}")
        if self.url:
            header.append(f"url: {self.url}")
        header.append("---")
        return "\n".join(header) + "\n" + self.body


def _one_line(text: str | None, limit: int = 200) -> str:
    return " ".join((text or "").split())[:limit]


def sniff(head: bytes) -> str:
    """What the first bytes of a file are: "pdf", "html", "binary" or "text"."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"%PDF-"):
        return "pdf"
    if b"\x00" in head:
        return "binary"
    if re.search(rb"<(?:!doctype\s+html|html|head|body|title|meta)\b", head[:8192], re.IGNORECASE):
        return "html"
    return "text"


def read_source(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, vocabulary: set[str] | None = None,
                title: str = "", site: str = "") -> Source:
    """The document in ``path``; ``title``/``site`` override what the file states (editorial)."""
    path = Path(path)
    kind = SUFFIX_KINDS.get(path.suffix.lower())
    if kind is None:
        raise Rejected(f"unsupported file type {path.suffix or '(none)'!r}: use {', '.join(SUFFIX_KINDS)}")
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise Rejected("not a regular file")
        if size > max_bytes:
            raise Rejected(f"file is {size / 2**20:.0f} MB, over the {max_bytes / 2**20:.0f} MB limit")
        if size == 0:
            raise Rejected("file is empty")
        data = path.read_bytes()
    except OSError as exc:
        raise Rejected(f"cannot read it ({exc.strerror or exc})") from None
    found = sniff(data[:8192])
    if found != kind:
        raise Rejected(f"named {path.suffix} but its content is {found}")
    if kind == "pdf":
        source = _from_pdf(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            if kind == "text":
                raise Rejected(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at {exc.start})") from None
            text = data.decode("cp1252", errors="replace")  # old pages without a charset
        source = _from_html(text) if kind == "html" else _from_text(text, vocabulary, path.name)
    n_words = len(source.body.split())
    if n_words < MIN_WORDS:
        raise Rejected(f"only {n_words} words of text found (an empty page, or all navigation?)")
    fields = {"source": path.name}
    if title:
        fields["title"] = title
    if site:
        fields["site"] = site
    return _replace(source, **fields)


def _replace(doc: Source, **changes: Any) -> Source:  # checked by Source.__post_init__
    from dataclasses import replace

    return replace(doc, **changes)


def _finish(body: str, title: str | None, page_text: str = "", **meta: object) -> Source:
    """Clean the body and detect the date and archived flag where the metadata had none.

    ``page_text`` is all the text of the page: a dateline ("Updated June 2017") or an archive
    warning often stands outside the main text, and is still the page's own statement."""
    body = clean_text(body)
    if not body.strip():
        raise Rejected("no text found in it")
    title = _one_line(title) or _one_line(next((line for line in body.splitlines() if line.strip()), ""), 120)
    whole = page_text or body
    date = str(meta.pop("date", "") or "") or detect_date(whole)
    return Source(title=title, body=body, date=date, archived=bool(ARCHIVED.search(whole)),
                  **{k: _one_line(str(v or "")) for k, v in meta.items()})


# ---- HTML ---------------------------------------------------------------------------------

_SITE_TAGS = ("og:site_name", "application-name", "publisher", "dc.publisher", "dcterms.publisher")


def _from_html(html: str) -> Source:
    import lxml.html
    import trafilatura

    text = trafilatura.extract(html, output_format="txt", include_comments=False, include_tables=True,
                               include_links=False, include_images=False, favor_precision=True,
                               date_extraction_params={"extensive_search": False, "original_date": True})
    if not text or not text.strip():
        raise Rejected("no main text found in the page (empty, or all navigation?)")
    meta = trafilatura.extract_metadata(html, extensive=False)
    # One block per extracted element, so headings and paragraphs are separate blocks;
    # the items of a list stay one block.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    body = ""
    for i, line in enumerate(lines):
        if i:
            body += "\n" if line.startswith("- ") and lines[i - 1].startswith("- ") else "\n\n"
        body += line
    site, page_text = "", ""
    try:
        tree = lxml.html.fromstring(html.encode("utf-8"))
        for el in tree.iter("meta"):
            name = (el.get("property") or el.get("name") or "").strip().lower()
            if name in _SITE_TAGS and (el.get("content") or "").strip():
                site = el.get("content") or ""  # not None: tested just above
                break
        for el in list(tree.iter("script", "style", "noscript", "template")):
            el.drop_tree()
        page_text = "\n".join(t.strip() for t in tree.itertext() if t.strip())
    except (ValueError, lxml.etree.ParserError):
        pass
    return _finish(body, meta.title if meta else "", page_text, site=site, url=(meta.url if meta else "") or "",
                   date=(meta.date if meta else "") or "")


# ---- PDF ----------------------------------------------------------------------------------


def _from_pdf(data: bytes) -> Source:
    import io

    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser

    title = ""
    paragraphs: list[str] = []
    try:
        doc = PDFDocument(PDFParser(io.BytesIO(data)))
        info = doc.info[0] if doc.info else {}
        raw_title = info.get("Title", b"")
        raw_title = raw_title.resolve() if hasattr(raw_title, "resolve") else raw_title
        if isinstance(raw_title, bytes):
            title = raw_title.decode("utf-16" if raw_title.startswith(b"\xfe\xff") else "latin-1", errors="replace")
        elif isinstance(raw_title, str):
            title = raw_title
        for page in extract_pages(io.BytesIO(data), laparams=LAParams()):
            boxes = [el for el in page if isinstance(el, LTTextContainer) and el.get_text().strip()]
            paragraphs.extend(_paragraph(box.get_text()) for box in _reading_order(boxes, page.width))
    except Exception as exc:  # pdfminer raises many kinds (PDFSyntaxError, PSEOF, encryption...)
        raise Rejected(f"unreadable PDF ({type(exc).__name__}: {_one_line(str(exc), 80)})") from None
    body = "\n\n".join(p for p in paragraphs if p)
    if not body.strip():
        raise Rejected("the PDF has no text layer (a scan?): run OCR on it first")
    return _finish(body, title)


def _reading_order(boxes: list, page_width: float) -> list:
    """Boxes top to bottom, but a two-column stretch left column first.

    A box wider than 60% of the page spans the columns and ends a stretch; within a stretch,
    boxes starting left of the middle come before those right of it, each top to bottom.
    """
    middle = page_width / 2
    ordered: list = []
    stretch: list = []

    def flush() -> None:
        stretch.sort(key=lambda b: (b.x0 >= middle, -b.y1))
        ordered.extend(stretch)
        stretch.clear()

    for box in sorted(boxes, key=lambda b: -b.y1):
        if box.width > 0.6 * page_width:
            flush()
            ordered.append(box)
        else:
            stretch.append(box)
    flush()
    return ordered


def _paragraph(text: str) -> str:
    """A text box's wrapped lines as one line (a hyphen at a line end is kept, unspaced)."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    out = ""
    for line in lines:
        out += line if not out or out.endswith("-") else " " + line
    return out


# ---- text ---------------------------------------------------------------------------------


def _from_text(text: str, vocabulary: set[str] | None, name: str) -> Source:
    text = text.replace("\r\n", "\n")
    if text.startswith("---\n"):  # already a corpus file: keep what its header states
        try:
            doc = parse_document(name, text)
        except ValueError as exc:
            raise Rejected(str(exc)) from None
        if not doc.body.strip():
            raise Rejected("file has no text")
        return Source(title=doc.title, body=doc.body, site=doc.site, date=doc.date, archived=doc.archived,
                      url=doc.url)
    if "\x00" in text:
        raise Rejected("contains NUL bytes (binary file?)")
    # Markdown headings ("## Who chairs") become plain heading lines, as in the rest of corpus/.
    text = re.sub(r"(?m)^#{1,6}\s+", "", text)
    body = clean_text(text, vocabulary)
    if not body.strip():
        raise Rejected("file has no text")
    title = _one_line(next((line for line in body.splitlines() if line.strip()), ""), 120)
    return Source(title=title, body=body, date=detect_date(text), archived=bool(ARCHIVED.search(text)))
