"""The corpus's world is data (bot/data/domain.toml): the engine works without it, and the
shipped file only adds what this corpus needs."""

import pytest

from bot.query import domain, qtype
from bot.query.acronyms import AcronymMap
from bot.query.conversation import Colloquial, QueryBuilder
from bot.query.domain import DOMAIN_FILE, Domain
from bot.index.embed import HashingEmbedder
from bot.engine import Engine
from bot.tools.evaluate import Row, evaluate
from bot.text.terms import terms


@pytest.fixture
def restore_domain():
    yield
    domain.use(Domain.load(DOMAIN_FILE))


def test_the_shipped_domain_file_loads():
    d = Domain.load(DOMAIN_FILE)
    assert d.not_person_names and d.address_words and d.roles_said_without_the_word
    assert d.ranks and d.workforce_words and d.colloquial


def test_a_bad_domain_file_is_refused_by_name(tmp_path):
    path = tmp_path / "domain.toml"
    path.write_text('not_person_names = "Met"\n')
    with pytest.raises(ValueError, match="must be a list of words"):
        Domain.load(path)
    path.write_text('colours = ["red"]\n')
    with pytest.raises(ValueError, match="unknown key"):
        Domain.load(path)
    path.write_text('[colloquial]\n"the harbour" = ["Harbour Trust", "sometimes"]\n')
    with pytest.raises(ValueError, match="colloquial 'the harbour' must be"):
        Domain.load(path)


def test_domain_words_only_add_to_the_general_rules(restore_domain):
    domain.use(Domain())
    # General English: a street word or a postcode is an address; a titled name is a person.
    assert qtype.place_pattern().search("12 High Street") and qtype.place_pattern().search("London AB1 2CD")
    assert qtype.has_person_name("It was founded by Sir Ann Example.", qtype.read_asks("Who founded it?"))
    assert not qtype.place_pattern().search("Exampleton Gate")
    assert qtype.has_person_name("Ask Example Smith.", qtype.read_asks("Who do I ask?"))
    domain.use(Domain(address_words=("Gate",), not_person_names=frozenset({"Example"})))
    assert qtype.place_pattern().search("Exampleton Gate")
    assert not qtype.has_person_name("Ask Example Smith.", qtype.read_asks("Who do I ask?"))


def test_ranks_and_workforce_words_only_add_to_the_general_ones(restore_domain):
    domain.use(Domain())
    # A general rank before a name, and the general kinds of people working somewhere.
    assert qtype.has_person_name("It is run by Chair Example.", qtype.read_asks("Who is the chair?"))
    assert not qtype.has_person_name("It is run by Warden Example.", qtype.read_asks("Who is the warden?"))
    assert set(qtype.counted_terms(qtype.read_asks("How many people work for it?"), [])) == set(terms("staff volunteers employees workforce"))
    domain.use(Domain(ranks=frozenset({"Warden"}), workforce_words=("wardens",)))
    assert qtype.has_person_name("It is run by Warden Example.", qtype.read_asks("Who is the warden?"))
    assert "warden" in qtype.counted_terms(qtype.read_asks("How many people work for it?"), [])
    assert "warden" not in qtype.counted_terms(qtype.read_asks("How many boats are there?"), [])


def test_short_phone_numbers_are_the_domain_s(restore_domain):
    domain.use(Domain())
    assert qtype.phone_pattern().search("Call 0123 456 7890.") and not qtype.phone_pattern().search("Call 123.")
    domain.use(Domain(phone_numbers=("123",)))
    assert qtype.phone_pattern().search("Call 123.") and not qtype.phone_pattern().search("Call 1234.")


def test_informal_wording_is_the_domain_s(restore_domain):
    domain.use(Domain())
    assert Colloquial.load().terms("who runs the quay?") == []  # no domain, no informal wording
    assert Colloquial.load().for_encoder("who runs the quay?") == "who runs the quay?"
    domain.use(Domain(colloquial=(("the quay", "Harbour Trust moorings", "both"),)))
    assert Colloquial.load().terms("who runs the quay?") == terms("Harbour Trust moorings")
    assert Colloquial.load(rows=()).terms("who runs the quay?") == []
    assert QueryBuilder(AcronymMap()).colloquial.for_encoder("who runs the quay?") == \
        "who runs the quay? (Harbour Trust moorings)"


def test_the_engine_answers_without_a_domain_file(tiny_settings, restore_domain):
    engine = Engine.load(tiny_settings.replace(domain_file=""), embedder=HashingEmbedder(), progress=lambda _: None)
    assert domain.current() == Domain()
    rows = [Row("a", "Who founded the service?", (), True, "fact", "history.md", "Robert Peel"),
            Row("b", "Where do I send a complaint by post?", (), True, "fact", "complaints.md", "1 High Street"),
            Row("c", "What is the capital of France?", (), False, "unanswerable")]
    report = evaluate(engine, rows)
    assert report.metrics["verbatim_rate"] == 1.0
    assert [r.correct for r in report.results] == [True, True, True]


@pytest.mark.integration
def test_the_squad_articles_are_answered_without_a_domain_file(monkeypatch, capsys, restore_domain):
    from bot import cli
    from bot.tools.squad import DEFAULT_SQUAD_FILE

    if not DEFAULT_SQUAD_FILE.is_file():
        pytest.skip(f"no SQuAD file at {DEFAULT_SQUAD_FILE}")
    monkeypatch.setenv("BOT_DOMAIN_FILE", "")
    assert cli.main(["eval", "--squad", str(DEFAULT_SQUAD_FILE), "--articles", "Normans", "--limit", "12"]) == 0
    assert domain.current() == Domain() and "lead right" in capsys.readouterr().out
