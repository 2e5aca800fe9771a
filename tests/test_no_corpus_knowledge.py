"""No knowledge of the corpus in code: no name, place, figure or phrase of corpus/ in a .py file
of the engine, the app, the benchmarks or the tools (comments and docstrings included).

The corpus's distinctive vocabulary is extracted from corpus/ itself, against a general side that
is not the corpus: the whole words of the bundled model's WordPiece vocabulary (common English and
common names) and the contexts of the SQuAD articles in ../shared/data/squad (eight Wikipedia
articles on other subjects). What the corpus says and the general side doesn't is distinctive:

- names: runs of two or more capitalised words ("Acme Trust", "Board of Acme Trust"), and their
  shorter runs, matched with their capitals;
- proper words: a word the corpus writes capitalised mid-sentence on its own (not inside a longer
  name) twice or more and never in lower case, that the general side never capitalises
  mid-sentence ("the Acme is"), matched with its capital;
- acronyms: two capitals or more ("AT", "ATs"), not a shouted general word ("NOT");
- rare words: words that are not general English ("acmeish", "trustwide"), any case;
- figures: numbers with a separator, a decimal point, a percent or pound sign, or three digits or
  more ("12,345", "4.5", "17%"), except the years 1900-2099 that any dated page has;
- phrases: five words in a row the general side never has, two or more of them not function words.

tests/ is out of scope: tests of the real corpus name the facts they expect. A term that code may
legitimately hold is listed with its reason in tests/data/code_vocabulary_allowed.toml.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

from bot.corpus.documents import parse_document
from bot.settings import PROJECT_ROOT, bundled_model_dir

SQUAD_FILE = PROJECT_ROOT.parent / "shared" / "data" / "squad" / "train-8-articles.json"
ALLOWED_FILE = PROJECT_ROOT / "tests" / "data" / "code_vocabulary_allowed.toml"
CODE_DIRS = ("bot", "benchmarks", "tools")
CODE_FILES = ("app.py",)

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
_TOKEN = re.compile(r"[A-Za-z](?:[A-Za-z'’-]*[A-Za-z])?|&|\S")  # no closing quote mark: "‘Acme’"
_CONNECTORS = frozenset({"of", "and", "for", "the", "&"})
# Words that open a sentence or a heading without being part of the name after them.
_OPENERS = frozenset("The A An In On At Of For And Our We It Its This That As To By From With If Their His Her "
                     "You Your But So When Where What Who How Why".split())
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z][A-Z&]*[A-Z](?:s|'s|’s)?(?![A-Za-z])")
_NUMBER = re.compile(r"(?<![\w.,£])£?\d+(?:,\d{3})*(?:\.\d+)?%?(?![\w%£]|[.,]\d)")
_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[a-z,] )[A-Z][a-z](?:[A-Za-z'’-]*[A-Za-z])?")
# ...and standing alone, not inside a name ("the Acme is", not "the Acme Trust").
_CAPITAL_ALONE = re.compile(r"(?<=[a-z,] )[A-Z][a-z](?:[A-Za-z'’-]*[A-Za-z])?(?=['’]?[\s,.;:?!)]+(?:$|[^A-Z&\s]))", re.MULTILINE)
_FUNCTION_WORDS = frozenset(
    "the a an of and or to in on at for by with from is are was were be been being it its this that these those "
    "as our we us you your they them their he him his she her i me my which who whom whose what when where why how "
    "not no yes if so than then there here all any some more most also about into over under only just may might "
    "can could will would shall should must have has had do does did up out one such each other".split()
)


def _norm(word: str) -> str:
    return word.replace("’", "'").lower()


@dataclass(frozen=True)
class Vocabulary:
    """A corpus's distinctive terms, by how they are matched in code."""

    names: frozenset[str]  # matched with their capitals
    proper_words: frozenset[str]  # matched with their capital
    acronyms: frozenset[str]  # matched as written, plural allowed
    rare_words: frozenset[str]  # matched in any case
    figures: frozenset[str]  # matched as written
    phrases: frozenset[str]  # five lower-cased words

    def without(self, allowed: set[str]) -> "Vocabulary":
        return Vocabulary(*(frozenset(t for t in getattr(self, f) if t not in allowed)
                            for f in ("names", "proper_words", "acronyms", "rare_words", "figures", "phrases")))


def _is_general_word(word: str, general: set[str]) -> bool:
    w = _norm(word).split("'")[0]  # "haven't", "who've": the word before the apostrophe
    if not w or w in general or all(part in general for part in w.split("-") if part):
        return True
    for suffix in ("s", "es", "ies", "ed", "ing", "ly", "er", "ers", "ation", "ise", "ised", "ising"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            stem = w[: -len(suffix)]
            candidates = {stem, stem + "e", stem + "y", stem[:-1] if stem[-1:] == stem[-2:-1] else stem,
                          stem + "ize", stem + "ized", stem + "izing", stem + "ization"}
            if candidates & general:
                return True
    return False


_SENTENCE_ENDS = frozenset(".?!:;|•–-")


def _runs(text: str) -> tuple[set[str], set[str]]:
    """Every run of two or more capitalised words, connectors ("of", "&") allowed between them:
    (those seen inside a sentence, those seen only opening one, where the first word may be
    capitalised only for that: "Updated June")."""
    inside: set[str] = set()
    opening: set[str] = set()
    for line in text.splitlines():
        run: list[str] = []
        starts_sentence = False

        def flush() -> None:
            while run and run[-1] in _CONNECTORS:
                run.pop()
            for i in range(len(run)):
                for j in range(i + 2, len(run) + 1):
                    sub = run[i:j]
                    if sub[0] in _CONNECTORS or sub[-1] in _CONNECTORS or sub[0] in _OPENERS:
                        continue
                    if sum(t[0].isupper() for t in sub) >= 2:
                        (opening if i == 0 and starts_sentence else inside).add(" ".join(sub))
            run.clear()

        previous = None
        for token in _TOKEN.findall(line):
            if token[0].isalpha() and token[0].isupper():
                if not run:
                    starts_sentence = previous is None or previous in _SENTENCE_ENDS
                run.append(token)
            elif run and token in _CONNECTORS:
                run.append(token)
            else:
                flush()
            previous = token
        flush()
    return inside, opening - inside


def _acronyms(text: str) -> set[str]:
    return {re.sub(r"(?:s|'s|’s)$", "", m.group()) for m in _ACRONYM.finditer(text)}


def _figures(text: str) -> set[str]:
    out = set()
    for m in _NUMBER.finditer(text):
        figure = m.group()
        digits = re.sub(r"\D", "", figure)
        if re.fullmatch(r"(19|20)\d\d", figure) or figure.startswith("0"):
            continue  # a recent year: any dated page has them; "020": a dialling code, no figure
        if any(c in figure for c in ",.%£") or len(digits) >= 3:
            out.add(figure)
    return out


def _capitalised_mid_sentence(text: str) -> set[str]:
    return {re.sub(r"['’]s$", "", m.group()) for line in text.splitlines()
            for m in _MID_SENTENCE_CAPITAL.finditer(line)}


def _five_grams(text: str) -> set[str]:
    words = [_norm(w) for w in _WORD.findall(text)]
    return {" ".join(words[i:i + 5]) for i in range(len(words) - 4)}


def extract_vocabulary(corpus_texts: list[str], general_texts: list[str], general_words: set[str] = frozenset()) -> Vocabulary:
    """The terms of ``corpus_texts`` that ``general_texts`` and ``general_words`` don't have."""
    corpus, general_text = "\n".join(corpus_texts), "\n".join(general_texts)
    general = set(general_words) | {_norm(w) for w in _WORD.findall(general_text)}
    general_lower = {w for w in _WORD.findall(general_text) if w.islower()}
    corpus_lower_words = {w for w in _WORD.findall(corpus) if w[0].islower()}
    # A name run that opens a sentence ("Updated June"): its first word belongs to the name only
    # if the corpus capitalises it mid-sentence too, or it is no general word.
    mid = _capitalised_mid_sentence(corpus)
    general_names = set().union(*_runs(general_text))
    inside, opening = _runs(corpus)
    names = set(inside)
    for name in opening:
        first = name.split()[0]
        if first in mid or _norm(first) not in general:
            names.add(name)
        elif len(name.split()) > 2 and sum(t[0].isupper() for t in name.split()[1:]) >= 2:
            names.add(name.split(" ", 1)[1])
    names -= general_names
    alone = Counter(re.sub(r"['’]s$", "", m.group()) for m in _CAPITAL_ALONE.finditer(corpus))
    proper = {w for w in mid - _capitalised_mid_sentence(general_text)
              if alone[w] >= 2 and w.lower() not in corpus_lower_words and not w.isupper()}
    acronyms = {a for a in _acronyms(corpus) - _acronyms(general_text) if _norm(a) not in general_lower}
    rare = {_norm(w) for w in _WORD.findall(corpus) if not w.isupper() and not _is_general_word(w, general)}
    phrases = {p for p in _five_grams(corpus) - _five_grams(general_text)
               if sum(w not in _FUNCTION_WORDS for w in p.split()) >= 2}
    return Vocabulary(frozenset(names), frozenset(proper), frozenset(acronyms), frozenset(rare),
                      frozenset(_figures(corpus) - _figures(general_text)), frozenset(phrases))


def _apostrophes(pattern: str) -> str:
    return re.sub("['’]", "['’]", pattern)


def _alternation(terms: frozenset[str], word_pattern) -> str:
    return "|".join(word_pattern(t) for t in sorted(terms, key=len, reverse=True)) or "(?!)"


@lru_cache(maxsize=8)
def _patterns(vocabulary: Vocabulary) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """One pattern for the terms matched with their capitals, one for those matched in any case."""
    def name(n: str) -> str:  # a name may wrap onto the next comment line
        return r"\s+(?:#\s*)?".join(_apostrophes(re.escape(w)) for w in n.split())

    def acronym(a: str) -> str:
        return re.escape(a) + r"(?:s|'s|’s)?"

    exact = "|".join([_alternation(vocabulary.names, name), _alternation(vocabulary.proper_words, name),
                      _alternation(vocabulary.acronyms, acronym)])
    figures = _alternation(vocabulary.figures, re.escape)
    return (re.compile(r"(?<![A-Za-z0-9])(?:" + exact + r")(?![A-Za-z0-9])"
                       r"|(?:(?<![\w.,£])|(?<=\\b))(?:" + figures + r")(?![\w%]|[.,]\d)"),  # "\b999" in a regex too
            re.compile(r"(?<![A-Za-z])(?:" + _alternation(vocabulary.rare_words, lambda w: _apostrophes(re.escape(w)))
                       + r")(?![A-Za-z])", re.IGNORECASE))


def find_terms(vocabulary: Vocabulary, text: str) -> list[tuple[int, str]]:
    """(line number, term as the text writes it) for every distinctive term in ``text``."""
    found: set[tuple[int, str]] = set()
    for pattern in _patterns(vocabulary):
        for m in pattern.finditer(text):
            found.add((text.count("\n", 0, m.start()) + 1, re.sub(r"\s+(?:#\s*)?", " ", m.group())))
    words = [(m.start(), _norm(m.group())) for m in _WORD.finditer(text)]
    for i in range(len(words) - 4):
        phrase = " ".join(w for _, w in words[i:i + 5])
        if phrase in vocabulary.phrases:
            found.add((text.count("\n", 0, words[i][0]) + 1, phrase))
    return sorted(found)


def code_files() -> list[Path]:
    files = [PROJECT_ROOT / f for f in CODE_FILES]
    for folder in CODE_DIRS:
        files += sorted((PROJECT_ROOT / folder).rglob("*.py"))
    return [f for f in files if f.is_file()]


def allowed_terms() -> dict[str, str]:
    """term -> why code may hold it (tests/data/code_vocabulary_allowed.toml)."""
    data = tomllib.loads(ALLOWED_FILE.read_text(encoding="utf-8"))
    allowed = data.get("allowed", {})
    for term, reason in allowed.items():
        if not isinstance(reason, str) or len(reason.split()) < 4:
            raise ValueError(f"{ALLOWED_FILE}: {term!r} needs a reason (a sentence), got {reason!r}")
    return allowed


@lru_cache(maxsize=1)
def corpus_vocabulary() -> Vocabulary:
    if not SQUAD_FILE.is_file():
        pytest.skip(f"no SQuAD file at {SQUAD_FILE} for the general side")
    docs = [parse_document(p.name, p.read_text(encoding="utf-8")) for p in sorted((PROJECT_ROOT / "corpus").iterdir())
            if p.suffix in (".md", ".txt")]
    squad = json.loads(SQUAD_FILE.read_text(encoding="utf-8"))
    general = [p["context"] for article in squad["data"] for p in article["paragraphs"]]
    texts = [f"{d.title}\n{d.site}\n{d.date}\n{d.body}" for d in docs]
    return extract_vocabulary(texts, general, _model_words()).without(set(allowed_terms()))


# --- the extractor, on a made-up corpus -------------------------------------------------------

_MADE_UP = [
    "Founded by Sir Ann Example in 1802, the Brindlecombe Trust is run by the Board of Brindlecombe Trust. "
    "The Trust employs 12,345 wardens, 17% of them part-time, and the BT publishes its trustwide plans on "
    "the first day of spring. Ask the Trust what Brindlecombe does.",
    "The Brindlecombe Trust (BT) answers to the Exampleton Council. It is NOT a charity; its budget is £4.5 million.",
]
_GENERAL = ["The council of the city met in spring. A charity may employ wardens and publish plans. "
            "In 1999 it was founded by the first people of the city, not by the king."]


def _made_up_vocabulary() -> Vocabulary:
    return extract_vocabulary(_MADE_UP, _GENERAL, _model_words())


@lru_cache(maxsize=1)
def _model_words() -> frozenset[str]:
    """The whole words of the bundled model's WordPiece vocabulary: common English and names."""
    return frozenset(line.strip() for line in (bundled_model_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines()
                     if line.strip().isalpha())


def test_the_extractor_finds_names_acronyms_rare_words_figures_and_phrases():
    v = _made_up_vocabulary()
    assert {"Sir Ann Example", "Brindlecombe Trust", "Board of Brindlecombe Trust", "Exampleton Council"} <= v.names
    assert v.proper_words == {"Trust"}  # "Brindlecombe" stands alone once: a rare word, not a proper one
    assert v.acronyms == {"BT"}  # "NOT" is a general word shouted
    assert {"trustwide", "brindlecombe", "exampleton"} <= v.rare_words
    assert not {"charity", "spring", "wardens", "board", "trust"} & v.rare_words
    assert v.figures == {"1802", "12,345", "17%", "£4.5"}  # not 1999, nor a recent year
    assert "publishes its trustwide plans on" in v.phrases
    assert not any("charity" in p and "city" in p for p in v.phrases)


def test_the_extractor_catches_a_reintroduction_in_code():
    v = _made_up_vocabulary()
    code = (
        'EXAMPLES = ["What is the BT?", "Who runs the brindlecombe trust?"]\n'
        '# A name nobody else uses ("Board of Brindlecombe\n#  Trust") must be in the passage.\n'
        'PLACEHOLDER = "Ask about Brindlecombe…"\n'
        "WARDENS = 12,345\n"
        "# the Trust publishes its trustwide plans on time\n"
        "def score(span): return span.count('spring')  # general words pass: council, charity, trust, 1999\n"
    )
    hits = find_terms(v, code)
    assert {line for line, _ in hits} == {1, 2, 4, 5, 6}, hits
    assert (2, "Board of Brindlecombe Trust") in hits and (5, "12,345") in hits and (4, "Brindlecombe") in hits
    assert (6, "publishes its trustwide plans on") in hits and (1, "BT") in hits
    assert find_terms(v, "# ask the Trust") == [(1, "Trust")]  # only ever capitalised, like a name
    assert not find_terms(v, "def plan(council, charity):\n    return 'spring 1999 NOT BTW'\n")
    assert find_terms(v, 'FOUNDED = re.compile(r"\\b1802\\b")') == [(1, "1802")]  # in a regex too


def test_every_allowed_term_has_a_reason():
    assert all(len(reason.split()) >= 4 for reason in allowed_terms().values())


# --- the real corpus against the code --------------------------------------------------------

# Lines the code held before this check (tests may quote the corpus; code may not).
_FORMER_HITS = [
    'placeholder="Ask about the Met…",',
    '"What is MOPAC?",',
    "# A personal name the question doesn't already give (\"Sir Robert Peel\", \"Commissioner Mark Rowley\").",
    '"""Passages saying that a body asked about or quoted was replaced (MPA -> MOPAC, IPCC -> IOPC)."""',
    '# "Where is Scotland Yard?" must be answered by a place',
    '# A date or a time: "1829", "January"',
    '"1,440 Police Community Support Officers" has {community, support, officer} by its figure;',
    '"It cannot meet fully all the demands placed on it." says nothing on its own',
    '# "Is there a HMICFRS report?", "What do the letters DPS mean?"',
    'PHONE_PATTERN = re.compile(r"\\b\\d{3,4}[ \\d]{4,}\\b|\\b101\\b|\\b999\\b")',
]


@pytest.mark.parametrize("line", _FORMER_HITS)
def test_the_real_corpus_vocabulary_catches_what_the_code_used_to_say(line):
    assert find_terms(corpus_vocabulary(), line), line


def test_no_code_file_holds_the_corpus_vocabulary():
    v = corpus_vocabulary()
    report = []
    for path in code_files():
        for line, term in find_terms(v, path.read_text(encoding="utf-8")):
            report.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: {term}")
    assert not report, ("terms of corpus/ in code (use made-up examples, or move domain wording to "
                        "bot/data/domain.toml):\n" + "\n".join(report))
