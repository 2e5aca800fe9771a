"""Compare main-text extractors for ``python -m bot add`` (README "Adding sources" quotes the output).

HTML: trafilatura, readability-lxml and jusText on tests/data/sources/borough-watch.html and on
the five real seed pages (../shared/seeds, with the seed cleaner's chrome lines removed), each set in a page with the usual chrome around it
(cookie banner, menu, breadcrumbs, related links, footer). PDF: pypdf (plain and "layout"
modes) and pdfminer.six (with ``sources.py``'s column order) on tests/data/sources/
two-column-report.pdf and on each seed page typeset in two flowing columns, drawn line by line
across the page as layout programs write them.

Scores per extractor: ``recall`` = share of the page's sentences (six words or more) found whole
in the output; ``chrome`` = how many of the chrome phrases leaked into it; ``headings`` = share
of headings that come out as a line of their own; ``ms`` = mean time per page. Run with the dev
requirements installed::

    python benchmarks/extractors.py
"""

from __future__ import annotations

import html
import io
import re
import sys
import time
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.corpus.chunk import is_bare_line  # noqa: E402
from bot.corpus.ingest import clean_text  # noqa: E402
from bot.corpus.sources import _from_pdf  # noqa: E402

SOURCES = ROOT / "tests" / "data" / "sources"
SEEDS = ROOT.parent / "shared" / "seeds"
CHROME = ["We use cookies", "Accept all cookies", "Reject optional cookies", "Bins and recycling", "Council tax",
          "Parking permits", "Contact us", "Search this site", "Related pages", "Accessibility statement",
          "Privacy notice", "All rights reserved", "Follow us on social media"]
TEMPLATE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="cookie-consent" role="dialog"><p>We use cookies to make this website work and to understand how you use
it.</p><button>Accept all cookies</button><button>Reject optional cookies</button></div>
<header><a href="/" class="logo">Home</a><nav><ul><li><a href="/bins">Bins and recycling</a></li>
<li><a href="/council-tax">Council tax</a></li><li><a href="/parking">Parking permits</a></li>
<li><a href="/contact">Contact us</a></li></ul></nav><form><input type="search" placeholder="Search this site"></form>
</header><main><article>{article}</article><aside><h3>Related pages</h3><ul><li><a href="/a">Report a crime</a></li>
</ul></aside></main><footer><ul><li><a href="/acc">Accessibility statement</a></li><li><a href="/p">Privacy notice</a>
</li></ul><p>&copy; 2024 Example. All rights reserved.</p><p>Follow us on social media.</p></footer></body></html>"""


def norm(text: str) -> str:
    return " ".join(re.sub(r"[‘’]", "'", text).split())


def sentences(text: str) -> list[str]:
    out = []
    for block in re.split(r"\n\s*\n", text):
        for s in re.split(r"(?<=[.!?])\s+", " ".join(block.split())):
            if len(s.split()) >= 6:
                out.append(norm(s))
    return out


def headings(text: str) -> list[str]:
    return [norm(b) for b in re.split(r"\n\s*\n", text) if b.strip() and "\n" not in b.strip()
            and is_bare_line(b.strip()) and len(b.split()) >= 2]


def seed_blocks(raw: str) -> list[tuple[str, str]]:
    blocks = [b.strip() for b in re.split(r"\n\s*\n", raw.replace("\r\n", "\n")) if b.strip()]
    return [("h" if "\n" not in b and is_bare_line(b) else "p", " ".join(b.split())) for b in blocks]


def seed_pages() -> list[tuple[str, str, str]]:
    """(name, html, reference text) for each seed page set in a chrome-laden page."""
    pages = []
    for path in sorted(SEEDS.glob("*.txt")):
        raw = clean_text(path.read_text(encoding="utf-8"))  # the seed's own leftovers of chrome removed
        blocks = seed_blocks(raw)
        article = "".join(f"<h2>{html.escape(t)}</h2>" if k == "h" else f"<p>{html.escape(t)}</p>" for k, t in blocks)
        ref = "\n\n".join(t for _, t in blocks)
        pages.append((path.name, TEMPLATE.format(title=html.escape(blocks[0][1]), article=article), ref))
    return pages


def html_extractors():
    import justext
    import lxml.html
    import trafilatura
    from readability import Document

    def traf(page: str) -> str:
        return trafilatura.extract(page, output_format="txt", include_comments=False, favor_precision=True) or ""

    def readab(page: str) -> str:
        tree = lxml.html.fromstring(Document(page).summary())
        for el in tree.iter("p", "h1", "h2", "h3", "li", "div"):
            el.tail = "\n\n" + (el.tail or "")
        return tree.text_content()

    def jt(page: str) -> str:
        paras = justext.justext(page.encode("utf-8"), justext.get_stoplist("English"))
        return "\n\n".join(p.text for p in paras if not p.is_boilerplate)

    return {"trafilatura": traf, "readability-lxml": readab, "jusText": jt}


def two_column_pdf(title: str, blocks: list[tuple[str, str]]) -> bytes:
    """The blocks flowing down the left column, then the right, page after page, drawn row by row."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    ruler = FPDF(format="A4")  # measures line breaks (fpdf2 needs a page for that)
    ruler.add_page()
    width, x_cols, top, bottom = 85, (15, 110), 30.0, 280.0
    latin = [(k, t.translate(str.maketrans("’‘“”–—•", "''\"\"--*")).encode("latin-1", "replace").decode("latin-1"))
             for k, t in blocks]
    pages: list[list[tuple[float, float, str, str]]] = [[]]
    col, y = 0, top
    for kind, text in latin:
        ruler.set_font("Helvetica", "B" if kind == "h" else "", 12 if kind == "h" else 10)
        # output="LINES" returns the lines alone (fpdf2 types the return as every output's union).
        for line in cast(list[str], ruler.multi_cell(width, 5, text, dry_run=True, output="LINES")):
            y += 5.0 if kind == "h" else 4.3
            if y > bottom:
                col, y = (col + 1) % 2, top + 4.3
                if col == 0:
                    pages.append([])
            pages[-1].append((y, x_cols[col], kind, line))
        y += 3.0
    for drawn in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 14)
        pdf.text(15, 20, title[:80])
        for y, x, kind, line in sorted(drawn):
            pdf.set_font("Helvetica", "B" if kind == "h" else "", 12 if kind == "h" else 10)
            pdf.text(x, y, line)
    return bytes(pdf.output())


def pdf_extractors():
    import pypdf

    def plain(data: bytes) -> str:
        return "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages)

    def layout(data: bytes) -> str:
        return "\n".join(p.extract_text(extraction_mode="layout") or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages)

    return {"pypdf": plain, "pypdf layout": layout, "pdfminer.six (bot)": lambda data: _from_pdf(data).body}


def score(output: str, ref: str, chrome: list[str]) -> tuple[float, int, float]:
    flat = norm(output)
    sents = sentences(ref)
    recall = sum(s in flat for s in sents) / max(1, len(sents))
    leaked = sum(c in output for c in chrome)
    lines = {norm(line) for line in output.splitlines()}
    heads = headings(ref)
    kept = sum(h in lines for h in heads) / max(1, len(heads))
    return recall, leaked, kept


def table(title: str, rows: dict[str, list[tuple[float, int, float, float]]]) -> None:
    print(f"\n{title}\n{'extractor':22s} {'recall':>7s} {'chrome':>7s} {'headings':>9s} {'ms':>7s}")
    for name, scores in rows.items():
        n = len(scores)
        print(f"{name:22s} {sum(s[0] for s in scores) / n:7.3f} {sum(s[1] for s in scores):7d} "
              f"{sum(s[2] for s in scores) / n:9.3f} {sum(s[3] for s in scores) / n:7.1f}")


def main() -> None:
    test_page = (SOURCES / "borough-watch.html").read_text(encoding="utf-8")
    test_ref = ("The Riverside Community Safety Board brings together the council, the borough police, the fire service "
                "and local health partners to reduce crime and disorder in Riverside.\n\nWho chairs the board\n\n"
                "The board is chaired by the council's cabinet member for community safety.\n\nHow residents can take "
                "part\n\nEach ward also has a safer neighbourhood panel, where residents meet their local officers every "
                "two months to agree three local policing priorities.\n\nWhat the board publishes")
    pages = [("borough-watch.html", test_page, test_ref)] + (seed_pages() if SEEDS.is_dir() else [])
    rows: dict[str, list] = {}
    for name, fn in html_extractors().items():
        for _, page, ref in pages:
            t = time.perf_counter()
            out = fn(page)
            ms = (time.perf_counter() - t) * 1e3
            rows.setdefault(name, []).append((*score(out, ref, CHROME), ms))
    table(f"HTML: {len(pages)} pages (the test page and the seed pages in chrome)", rows)

    pdfs = [((SOURCES / "two-column-report.pdf").read_bytes(), "\n\n".join(t for _, t in [
        ("p", "The Riverside Youth Safety Panel gives young people aged 14 to 21 a say in how their neighbourhoods are "
              "policed. Its members are chosen each September by the borough's secondary schools and colleges."),
        ("h", "How often it meets"),
        ("p", "The panel meets on the first Tuesday of every month at the Riverside Youth Centre."),
        ("h", "How to join")]))]
    if SEEDS.is_dir():
        for path in sorted(SEEDS.glob("*.txt")):
            blocks = seed_blocks(clean_text(path.read_text(encoding="utf-8")))
            ref = "\n\n".join(t.translate(str.maketrans("’‘“”–—•", "''\"\"--*")) for _, t in blocks)
            pdfs.append((two_column_pdf(blocks[0][1], blocks), ref))
    rows = {}
    for name, fn in pdf_extractors().items():
        for data, ref in pdfs:
            t = time.perf_counter()
            out = fn(data)
            ms = (time.perf_counter() - t) * 1e3
            rows.setdefault(name, []).append((*score(out, ref, []), ms))
    table(f"PDF: {len(pdfs)} two-column PDFs (the test PDF and the seed pages typeset)", rows)


if __name__ == "__main__":
    main()
