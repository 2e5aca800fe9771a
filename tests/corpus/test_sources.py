"""Reading source files: main text without page chrome, stated metadata only, bad input refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus.documents import parse_document
from bot.corpus.sources import Rejected, read_source, sniff

SOURCES = Path(__file__).parents[1] / "data" / "sources"
HTML = SOURCES / "borough-watch.html"
PDF = SOURCES / "two-column-report.pdf"


def test_html_keeps_the_article_and_drops_the_chrome():
    src = read_source(HTML)
    for chrome in ("cookies", "Council tax", "Parking permits", "All rights reserved", "Privacy notice",
                   "Related pages", "Search this site", "Home"):
        assert chrome not in src.body, chrome
    assert "The board is chaired by the council's cabinet member for community safety." in src.body
    # Headings are lines of their own (a block by themselves).
    assert "\n\nWho chairs the board\n\n" in src.body


def test_html_metadata_is_what_the_page_states():
    src = read_source(HTML)
    assert (src.title, src.site, src.date, src.url, src.source, src.archived) == (
        "How the Riverside Community Safety Board works", "Riverside Council", "2024-03-14",
        "https://www.riverside.example.gov.uk/community-safety/board", "borough-watch.html", False)
    doc = parse_document("x.md", src.render())  # the header is a valid corpus header
    assert (doc.title, doc.site, doc.date, doc.url, doc.body) == (src.title, src.site, src.date, src.url, src.body)


def test_html_without_stated_metadata_gets_none_invented(tmp_path):
    page = tmp_path / "bare.html"
    page.write_text("<html><head><link rel='canonical' href='https://example.org/wards'></head><body>"
                    "<nav><a href='/'>Home</a></nav><main><h1>Ward panels</h1>"
                    "<p>In 2019 the ward panels met eleven times and agreed their priorities in public.</p>"
                    "<p>Each panel has a chair elected by the residents who attend its meetings.</p></main>"
                    "<footer>Copyright 2021 Example Ltd</footer></body></html>", encoding="utf-8")
    src = read_source(page)
    assert src.date == ""  # not the footer's copyright year
    assert src.site == ""  # not the domain name
    assert src.url == "https://example.org/wards"
    assert src.title == "Ward panels"


def test_archived_and_dated_text_in_a_page(tmp_path):
    page = tmp_path / "old.html"
    page.write_text("<html><body><article><h1>Old page</h1><p>Warning: This is archived material and may be "
                    "out of date.</p><p>Updated June 2017. The authority set the force's budget every year "
                    "after consulting residents.</p></article></body></html>", encoding="utf-8")
    src = read_source(page)
    assert (src.archived, src.date) == (True, "June 2017")


def test_two_column_pdf_is_read_column_by_column():
    src = read_source(PDF)
    assert src.title == "Riverside Youth Safety Panel: annual report"
    assert src.date == ""  # the PDF's creation date is not a publication date
    # A paragraph wrapped over five lines of the left column comes out whole, not
    # interleaved with the right column's lines (as a content-stream reader gives it).
    assert ("The Riverside Youth Safety Panel gives young people aged 14 to 21 a say in how their "
            "neighbourhoods are policed.") in src.body
    order = [src.body.index(s) for s in ("What the panel does", "How often it meets",
                                         "Stop and search reviews", "How to join")]
    assert order == sorted(order)
    assert "\n\nHow to join\n\n" in src.body


def test_scanned_pdf_without_text_layer_is_refused(tmp_path):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # a picture of a page, no text
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(Rejected, match="no text layer"):
        read_source(path)


@pytest.mark.parametrize("name, content, reason", [
    ("empty.html", b"", "file is empty"),
    ("chrome.html", b"<html><body><nav><a href='/'>Home</a><a href='/a'>About</a></nav><footer>(c) 2024</footer>"
                    b"</body></html>", "words of text found"),
    ("page.pdf", b"<!doctype html><html><body><p>Hello</p></body></html>", "named .pdf but its content is html"),
    ("report.html", b"%PDF-1.4\n%...", "named .html but its content is pdf"),
    ("notes.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "named .txt but its content is binary"),
    ("notes.md", "caf\u00e9".encode("latin-1"), "not UTF-8"),
    ("broken.pdf", b"%PDF-1.4\nthis is not really a PDF", "unreadable PDF"),
    ("picture.png", b"\x89PNG", "unsupported file type"),
])
def test_bad_input_gets_a_one_line_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(Rejected, match=reason) as info:
        read_source(path)
    assert "\n" not in str(info.value)


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path):
    path = tmp_path / "huge.pdf"
    with open(path, "wb") as fh:  # sparse: 201 MB on paper, nothing on disk
        fh.truncate(201 * 1024 * 1024)
    with pytest.raises(Rejected, match="201 MB, over the 200 MB limit"):
        read_source(path)


def test_markdown_headings_become_plain_heading_lines(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("# Ward panels\n\n## Who chairs them\n\nA resident elected at each meeting chairs it.\n", encoding="utf-8")
    src = read_source(path)
    assert src.title == "Ward panels"
    assert src.body == "Ward panels\n\nWho chairs them\n\nA resident elected at each meeting chairs it.\n"


def test_sniff():
    assert sniff(b"%PDF-1.7") == "pdf"
    assert sniff(b"\n<!DOCTYPE html><html>") == "html"
    assert sniff(b"plain words") == "text"
    assert sniff(b"PK\x03\x04\x00") == "binary"


def test_a_dateline_outside_the_main_text_still_dates_the_page(tmp_path):
    page = tmp_path / "dated.html"
    page.write_text("<html><body><header><nav><a href='/'>Home</a></nav><p class='dateline'>Updated June 2017</p>"
                    "</header><main><article><h1>Ward panels</h1><p>Each ward panel meets every two months and "
                    "agrees three local policing priorities with its officers.</p><p>Residents chair the panels "
                    "and anyone who lives in the ward may attend.</p></article></main>"
                    "<footer><p>Warning: This is archived material and may be out of date.</p></footer></body></html>",
                    encoding="utf-8")
    src = read_source(page)
    assert (src.date, src.archived) == ("June 2017", True)
    assert "Updated June 2017" not in src.body


def test_a_file_with_a_corpus_header_keeps_what_it_states(tmp_path):
    path = tmp_path / "panel.md"
    path.write_text("---\ntitle: Ward panels\nsite: Widget Borough\ndate: May 2025\narchived: true\n"
                    "url: https://example.org/panels\n---\nWard panels meet every two months to agree local priorities.\n",
                    encoding="utf-8")
    src = read_source(path)
    assert (src.title, src.site, src.date, src.archived, src.url, src.source) == (
        "Ward panels", "Widget Borough", "May 2025", True, "https://example.org/panels", "panel.md")
    assert src.body == "Ward panels meet every two months to agree local priorities.\n"
