"""Which spans a conversation already quoted, and which come right after (quotes.py)."""

from bot.answering.quotes import QuotedSpans
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



def test_what_follows_a_piece_ending_inside_a_longer_span_is_what_starts_after_the_piece():
    intro, items, other = "Our work with residents includes:", "- listening to them;\n- reporting back.", "Other news."
    body = f"{intro}\n{items}\n\n{other}"
    block = Span(0, "d.md", 0, len(intro) + 1 + len(items), f"{intro}\n{items}")  # the introduction and its list
    listed = Span(0, "d.md", len(intro) + 1, len(intro) + 1 + len(items), items)
    later = Span(0, "d.md", body.index(other), len(body), other)
    quotes = QuotedSpans([block, listed, later])
    # The introduction alone was quoted: it ends inside the block, and the list comes next, not "Other news.".
    assert quotes.find([intro], last=[intro]) == ({0}, {1})
    assert quotes.find([items], last=[items]) == ({1}, {2})


def test_spans_starting_within_a_range():
    quotes = QuotedSpans(spans())
    assert quotes.starting_within("d.md", 0, BODY.index("Finally")) == [0, 1]
    assert quotes.starting_within("d.md", 1, len(BODY)) == [1, 2]
    assert quotes.starting_within("other.md", 0, len(BODY)) == []


def test_a_piece_quoting_two_spans_whole_finds_both_and_what_follows_them():
    quotes = QuotedSpans(spans())
    piece = "First we listen. Then we act on what we heard."
    assert quotes.quoting(piece) == [0, 1]
    assert quotes.find([piece], last=[piece]) == ({0, 1}, {2})


def test_a_span_that_is_a_quotation_is_found_from_the_words_it_quotes():
    # One page quotes a sentence between marks that the answer gave plainly, alone or followed by
    # the next sentence: the quotation is the passage said, not a new one to offer again.
    opened, closed = '"The review was led by an independent panel.', "It reported in the spring.”"
    body = f"{opened} {closed} Other news."
    quotes = QuotedSpans([Span(0, "d.md", 0, len(opened), opened),
                          Span(0, "d.md", len(opened) + 1, len(opened) + 1 + len(closed), closed),
                          Span(0, "d.md", body.index("Other"), len(body), "Other news.")])
    assert quotes.quoting("The review was led by an independent panel.") == [0]
    assert quotes.quoting("The review was led by an independent panel. It reported in the spring.") == [0, 1]
    assert quotes.quoting("It reported in the spring.") == [1]
    assert quotes.quoting('"The review was led by an independent panel.') == [0]  # once, marks and all
    assert quotes.quoting('"Other') == []  # marks alone make no quotation of a short piece


def test_every_span_starting_right_after_the_piece_follows_it():
    # After "First we listen." come both the sentence "Write to us at:" and the block it opens
    # (the address): "where do I write to?" is answered by the block, so both follow the answer.
    said, opener, address = "First we listen.", "Write to us at:", "Harbour House\nQuay Street"
    body = f"{said}\n{opener}\n{address}"
    block_end = len(body)
    quotes = QuotedSpans([Span(0, "d.md", 0, len(said), said),
                          Span(0, "d.md", len(said) + 1, len(said) + 1 + len(opener), opener),
                          Span(0, "d.md", len(said) + 1, block_end, f"{opener}\n{address}"),
                          Span(0, "d.md", body.index(address), block_end, address)])
    assert quotes.find([said], last=[said]) == ({0}, {1, 2})


ADDRESS = "Write to us by post to:\n\nHarbour Office\n1 Quay Street\nor by phone on: Tel: 0100 200 300\n\nOther news."


def address_spans() -> list[Span]:
    def span(text: str, from_: int = 0) -> Span:
        start = ADDRESS.index(text, from_)
        return Span(0, "d.md", start, start + len(text), text)
    lead_in = "Write to us by post to:"
    block = "Harbour Office\n1 Quay Street\nor by phone on: Tel: 0100 200 300"
    return [span(lead_in), span(lead_in + "\n\n" + block), span(block), span("Other news.")]


def test_a_piece_with_its_line_breaks_made_spaces_still_finds_its_span():
    quotes = QuotedSpans(address_spans())
    assert quotes.quoting("Harbour Office 1 Quay Street or by phone on: Tel: 0100 200 300") == [2]
    assert 1 in quotes.quoting("Write to us by post to: Harbour Office 1 Quay Street")


def test_what_follows_an_address_cut_after_its_street_is_the_rest_of_the_address():
    quotes = QuotedSpans(address_spans())
    # The answer stopped at the street: the block holding the phone line goes on past the cut.
    quoted, after = quotes.find(["Write to us by post to: Harbour Office 1 Quay Street"],
                                last=["Write to us by post to: Harbour Office 1 Quay Street"])
    assert 1 in quoted and 2 in after and 3 in after
