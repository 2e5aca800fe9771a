from pathlib import Path

import pytest

from bot.corpus.documents import CorpusError, load_corpus, parse_document
from bot.corpus.ingest import clean_text, detect_date, mend_broken_words, render, SeedEntry
from bot.settings import PROJECT_ROOT


def test_header_fields_and_body_offsets():
    doc = parse_document("a.md", "---\ntitle: T\ndate: June 2017\narchived: true\nsource: s.txt\n---\nBody text.\n")
    assert (doc.title, doc.date, doc.archived, doc.source) == ("T", "June 2017", True, "s.txt")
    assert doc.body == "Body text.\n"


def test_plain_file_takes_title_from_first_line():
    doc = parse_document("notes.txt", "\n\nHow to complain\n\nWrite to us.\n")
    assert doc.title == "How to complain" and doc.date == "" and not doc.archived


@pytest.mark.parametrize("raw", ["---\ntitle: x\n", "---\nauthor: me\n---\nbody", "---\narchived: maybe\n---\nbody"])
def test_broken_header_is_an_error_naming_the_problem(raw):
    with pytest.raises(ValueError, match="a.md"):
        parse_document("a.md", raw)


def test_unreadable_files_are_skipped_by_name(tiny_corpus: Path):
    (tiny_corpus / "bad.txt").write_bytes(b"\xff\xfe\x00broken")
    (tiny_corpus / "empty.md").write_text("   \n")
    warnings = []
    docs, skipped = load_corpus(tiny_corpus, warn=warnings.append)
    assert {s.path for s in skipped} == {"bad.txt", "empty.md"}
    assert len(docs) == 3 and any("bad.txt" in w for w in warnings)


def test_empty_corpus_is_a_clear_error(tmp_path: Path):
    with pytest.raises(CorpusError, match="no readable documents"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "missing")


def test_cleaning_removes_debris_without_rewording():
    raw = ("top of page\nLogo - Copy.png\nThe Met is responsib le for it.  It  also helps.\n"
           "  • first item\n\n  • second item\nDACs , Directors\ncounter- terrorism\n↑ Back to top\nClick to enlarge.\n")
    text = clean_text(raw, vocabulary={"responsible", "it", "also", "the"})
    assert text == ("The Met is responsible for it. It also helps.\n- first item\n- second item\n"
                    "DACs, Directors\ncounter-terrorism\n")


def test_broken_word_mending_needs_the_joined_word_to_be_known():
    vocab = {"responsible", "on", "line"}
    assert mend_broken_words("responsib le", vocab) == "responsible"
    assert mend_broken_words("walk on", vocab) == "walk on"


def test_dates_and_archived_flag_come_from_the_text():
    assert detect_date("MOPAC report\nUpdated June 2017") == "June 2017"
    assert detect_date("As of April 2025, the Met had") == "April 2025"
    assert detect_date("Update | November 2023") == "November 2023"
    assert detect_date("no date here") == ""
    out = render(SeedEntry("s.txt", "x.md", "Title"), "Warning: This is archived material and may be out of date.\n", None)
    assert "archived: true" in out and "source: s.txt" in out and "date:" not in out


def test_shipped_corpus_keeps_seed_names_and_metadata():
    docs, skipped = load_corpus(PROJECT_ROOT / "corpus")
    assert not skipped and len(docs) == 5
    assert all(d.source.endswith(".txt") for d in docs)
    by_source = {d.source[:3]: d for d in docs}
    assert by_source["001"].archived and by_source["000"].date == "June 2017"
    assert by_source["003"].date == "April 2025" and by_source["004"].date == "November 2023"
    for d in docs:
        assert "responsib le" not in d.body and "top of page" not in d.body and "•" not in d.body
