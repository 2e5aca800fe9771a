"""Write the test PDFs in this folder (committed; rerun only to change them).

``two-column-report.pdf`` is a one-page, two-column report whose text is drawn line by line
across the page (left line, right line, left line...), as many layout programs write it: an
extractor that follows the content stream reads the two columns interleaved; one that
analyses the layout reads each column whole. Needs fpdf2 (requirements-dev.txt)::

    python tests/data/sources/make_pdfs.py
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).resolve().parent

TITLE = "Riverside Youth Safety Panel: annual report"
LEFT = [
    ("h", "What the panel does"),
    ("p", "The Riverside Youth Safety Panel gives young people aged 14 to 21 a say in how their "
          "neighbourhoods are policed. Its members are chosen each September by the borough's "
          "secondary schools and colleges."),
    ("h", "How often it meets"),
    ("p", "The panel meets on the first Tuesday of every month at the Riverside Youth Centre. "
          "Officers from the local neighbourhood team attend every meeting to answer the "
          "members' questions."),
]
RIGHT = [
    ("h", "Stop and search reviews"),
    ("p", "Twice a year the panel reviews a sample of body-worn video from stop and search "
          "encounters in the borough and sends its findings to the borough commander."),
    ("h", "How to join"),
    ("p", "Young people who want to join the panel can apply through their school's student "
          "council or by writing to the youth service before the end of July."),
]


def _lines(pdf: FPDF, blocks: list[tuple[str, str]], width: float) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for kind, text in blocks:
        pdf.set_font("Helvetica", "B" if kind == "h" else "", 12 if kind == "h" else 10)
        for line in pdf.multi_cell(width, 5, text, dry_run=True, output="LINES"):
            out.append((kind, line))
        out.append(("gap", ""))
    return out


def two_column(path: Path) -> None:
    pdf = FPDF(format="A4")
    pdf.set_title(TITLE)
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=timezone.utc))  # the same bytes on every run
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.text(15, 20, TITLE)
    width, gutter, x_left = 85, 10, 15
    x_right = x_left + width + gutter
    # Each column is laid out by itself (1.2x line spacing, a gap after each block), then
    # everything is drawn top to bottom across the page, as a layout program writes it.
    drawn: list[tuple[float, float, str, str]] = []
    for x, blocks in ((x_left, LEFT), (x_right, RIGHT)):
        y = 35.0
        for kind, line in _lines(pdf, blocks, width):
            if kind == "gap":
                y += 3.0
                continue
            y += 5.0 if kind == "h" else 4.3
            drawn.append((y, x, kind, line))
    for y, x, kind, line in sorted(drawn):
        pdf.set_font("Helvetica", "B" if kind == "h" else "", 12 if kind == "h" else 10)
        pdf.text(x, y, line)
    pdf.output(str(path))


if __name__ == "__main__":
    two_column(HERE / "two-column-report.pdf")
    print("wrote", HERE / "two-column-report.pdf")
