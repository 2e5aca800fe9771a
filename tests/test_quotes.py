"""Which spans a conversation already quoted, and which come right after (quotes.py)."""

from bot.quotes import QuotedSpans
from bot.schema import Span

BODY = "First we listen. Then we act on what we heard. Finally we report back to residents."


def spans() -> list[Span]:
    out, start = [], 0
    for sentence in ["First we listen.", "Then we act on what we heard.", "Finally we report back to residents."]:
        start = BODY.index(sentence, start)
        out.append(Span(0, "d.md", start, start + len(sentence), sentence))
    return out


def test_the_passage_quoted_and_the_one_after_it():
    quotes = QuotedSpans(spans())
    quoted, after = quotes.find(["First we listen."], last=["First we listen."])
    assert quoted == {0} and after == {1}
    # Quoted twice in the thread: what came after the last answer is no longer "after" once quoted.
    quoted, after = quotes.find(["First we listen.", "Then we act on what we heard."], last=["First we listen."])
    assert quoted == {0, 1} and after == set()


def test_a_piece_shortened_by_the_client_still_finds_its_span():
    quotes = QuotedSpans(spans())
    assert quotes.quoting("Finally we report back to resid…") == [2]
    assert quotes.quoting("Then") == []  # too short to trust a partial match
