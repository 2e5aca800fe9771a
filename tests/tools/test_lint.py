"""``bot lint`` finds the known issues of a small test corpus, and the real ones of the shipped corpus."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.index.embed import HashingEmbedder
from bot.engine import Engine
from bot.tools.lint import Finding, lint, parse_date
from bot.settings import Settings

LINT_CORPUS = Path(__file__).parents[1] / "data" / "lint_corpus"
TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def lint_engine(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lint")
    settings = Settings(corpus_dir=LINT_CORPUS, index_dir=tmp / "embeddings", data_dir=tmp / "var")
    return Engine.load(settings, embedder=HashingEmbedder(), progress=lambda _: None)


def by_kind(findings: list[Finding]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in findings:
        out.setdefault(f.kind, set()).add(f.doc_id)
    return out


def test_finds_every_known_issue_and_nothing_else(lint_engine):
    findings = lint(lint_engine, max_age_years=5, k=3, today=TODAY)
    assert by_kind(findings) == {
        "old": {"authority-2012.md"},
        "undated": {"neighbourhoods.md"},
        "duplicate": {"office-copy.md"},
        "superseded": {"authority-2012.md"},
        "unreached": {"orchards.md"},
    }
    [old] = [f for f in findings if f.kind == "old"]
    assert old.message == "dated March 2012: check it is still current"
    [superseded] = [f for f in findings if f.kind == "superseded"]
    assert "Widget Police Authority" in superseded.message and "office-2024.md (June 2024)" in superseded.message
    whole = [f for f in findings if f.kind == "duplicate" and f.start is None]
    assert len(whole) == 1 and "office-2024.md" in whole[0].message


def test_age_limit_is_configurable(lint_engine):
    assert "old" not in by_kind(lint(lint_engine, max_age_years=20, k=3, today=TODAY))
    assert by_kind(lint(lint_engine, max_age_years=1, k=3, today=TODAY))["old"] == {"authority-2012.md", "office-2024.md",
                                                                                      "office-copy.md", "orchards.md"}


@pytest.mark.parametrize("text, expected", [
    ("June 2017", date(2017, 6, 1)), ("2024-03-14", date(2024, 3, 14)), ("14 March 2024", date(2024, 3, 14)),
    ("2010", date(2010, 1, 1)), ("2024-03-14T09:00:00+00:00", date(2024, 3, 14)), ("soon", None), ("", None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_bad_arguments_name_the_value(lint_engine):
    with pytest.raises(ValueError, match="k must be positive, got 0"):
        lint(lint_engine, k=0)


@pytest.mark.integration
def test_shipped_corpus_findings(real_engine):
    findings = lint(real_engine, today=TODAY)
    kinds = by_kind(findings)
    assert kinds["undated"] == {"hmicfrs-met-force-statement.md", "mpa-our-work.md"}
    assert "london-police-accountability.md" in kinds["old"]
    # The 2017 page sends complaints to the IPCC; the 2023 page calls the IPCC a predecessor.
    assert any(f.kind == "superseded" and f.doc_id == "london-police-accountability.md"
               and "Independent Police Complaints Commission" in f.message for f in findings)
