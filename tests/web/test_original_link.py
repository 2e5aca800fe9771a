"""'Open the original page': only where a document states its URL, pointing at the passage."""

from __future__ import annotations

import pytest

from bot.web.render import original_href, source_page, source_view, sources_panel
from bot.schema import Answer, Citation, Document

URL = "https://www.riverside.example.gov.uk/community-safety/board"
BODY = "Who chairs the board\n\nThe board is chaired by the council's cabinet member for community-safety, every year."
DOC = Document("board.md", "Board", BODY, url=URL)
START = BODY.index("The board")
CITE = Citation("board.md", "Board", START, len(BODY), BODY[START:], url=URL)


def test_short_quote_is_one_text_fragment():
    assert original_href(URL, "The board meets") == URL + "#:~:text=The%20board%20meets"


def test_long_quote_is_matched_by_its_first_and_last_words_with_syntax_escaped():
    href = original_href(URL + "#top", CITE.quote)
    assert href == (URL + "#:~:text=The%20board%20is%20chaired,for%20community%2Dsafety%2C%20every%20year.")


@pytest.mark.parametrize("url", ["", "javascript:alert(1)", "ftp://x.org/a", "https://x.org/a b", 'https://x.org/"><script>'])
def test_no_link_without_a_web_address(url):
    assert original_href(url, "The board") == ""


def test_cards_and_source_views_offer_the_original_page():
    panel = sources_panel("Who chairs it?", Answer(True, CITE.quote, (CITE,), 0.9))
    assert 'class="src-original" href="https://www.riverside.example.gov.uk/community-safety/board#:~:text=The%20board' in panel
    assert "Open the original page" in source_view(DOC, [CITE], 0)
    assert "#:~:text=The%20board%20is%20chaired" in source_page(DOC, START, len(BODY))
    assert CITE.to_dict()["url"] == URL


def test_documents_without_a_url_offer_none():
    doc = Document("board.md", "Board", BODY)
    cite = Citation("board.md", "Board", START, len(BODY), BODY[START:])
    assert 'class="src-original"' not in sources_panel("q", Answer(True, cite.quote, (cite,), 0.9))
    assert 'class="src-original"' not in source_view(doc, [cite], 0) + source_page(doc, START, len(BODY))
    assert "url" not in cite.to_dict()  # the JSON contract is unchanged for them
