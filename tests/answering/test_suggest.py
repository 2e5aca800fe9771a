from bot.query.conversation import AcronymMap
from bot.schema import Document, Span
from bot.answering.suggest import Supersessions


def _spans(doc: Document) -> list[Span]:
    out, start = [], 0
    for sentence in doc.body.split(". "):
        end = start + len(sentence) + (1 if start + len(sentence) < len(doc.body) else 0)
        out.append(Span(0, doc.doc_id, start, end, doc.body[start:end]))
        start = end + 1
    return out


def test_replacements_are_learned_from_the_text():
    doc = Document("a.md", "A", "The Example Police Authority (EPA) has been replaced by the Office. It did things. "
                                "We looked again at the work of our predecessor the Old Complaints Body (OCB).")
    acronyms = AcronymMap.from_documents([doc])
    sup = Supersessions.from_index({"a.md": doc}, _spans(doc), acronyms)
    names = {s.old_name: s for s in sup.items}
    assert set(names) == {"Example Police Authority", "Old Complaints Body"}
    assert "EPA" in names["Example Police Authority"].aliases
    assert [s.old_name for s in sup.for_text("What did the EPA do?")] == ["Example Police Authority"]
    assert sup.for_text("What did the Office do?") == []
    assert sup.for_text("Complain to the OCB")[0].old_name == "Old Complaints Body"


def test_engine_adds_the_replacement_passage(tiny_engine):
    answer = tiny_engine.ask("What was the main duty of the Example Police Authority?")
    assert answer.answered
    assert any("has been replaced by" in c.quote for c in answer.citations)
    assert answer.to_dict()["related"] == list(answer.related)
