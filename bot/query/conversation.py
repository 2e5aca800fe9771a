"""The question read once: from a question and the conversation so far to a ``Query``. No generative model.

``QueryBuilder.build`` is where a question's words are read: tokenised, typed (qtype.py:
what kind of text answers it), acronyms and informal words resolved, follow-up status and the
thread's subject decided. Retrieval, scoring and the answer's assembly only read the ``Query``
it makes; none of them goes back to the question's text. In particular:
- Follow-ups ("When?", "What's their postal address?", "And what replaced it?") carry the
  previous user question into retrieval, so the new question is read in its context.
- Acronyms are expanded both ways from definitions found in the corpus itself (acronyms.py),
  so "HT" also finds "the Harbour Trust".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from bot.query import domain
from bot.query.acronyms import AcronymMap, name_run
from bot.query.qtype import PERSON, YES_NO_LEAD, Asks, read_asks, roles_asked, without_lead_in
from bot.text.terms import terms
from bot.query.validate import Turn

_ANAPHORA = re.compile(
    r"\b(it|its|it's|they|their|theirs|them|he|him|his|she|her|this|that|these|those|there|then|"
    r"the same|the former|the latter|one)\b",
    re.IGNORECASE,
)
# "How do I join it?", "how can I go about reporting...": the action is the verb after the subject.
_HOW_TO = re.compile(r"how (?:do|can|could|should|would|might) (?:i|you|we|one|people|someone) "
                     r"(?:go about |actually |just |even )?([a-z]+)(?: ([a-z]+))?", re.IGNORECASE)
_LIGHT_VERBS = frozenset("make get go do have take find put give see know".split())
_CONTINUATION = re.compile(r"^\s*(and|but|also|so|what about|how about|what else|anything else)\b", re.IGNORECASE)
# "And X?" / "What about X?" with no question of its own after the opener.
_PARALLEL = re.compile(
    r"^\s*(and|what about|how about)\s+(?!(who|what|when|where|why|how|which|is|are|do|does|did|can|could|was|were|"
    r"has|have|will|would|should|if|then|after|before)\b)", re.IGNORECASE,
)
_SELECTION = re.compile(r"^\s*(?:and\s+|so\s+)?which\s+(?:one|ones|of\s+(?:them|those|these)|is|are)\b", re.IGNORECASE)
_OTHER = re.compile(r"\b(any|some|what|which) (other|more|additional|further)\b|\banother\b"
                    r"|\b(who|where|anyone|anybody|anywhere|someone|somebody|somewhere) else\b", re.IGNORECASE)
# "... as well?", "... instead?": a question closing on a word that points back at the conversation.
_TRAILING = re.compile(r"\b(as well|too|though|instead|either|then)\s*[?.!]*\s*$", re.IGNORECASE)
_ELABORATION = re.compile(
    r"\b(tell me more|more (about|on|detail)|what else|anything else|go on|such as|for example|for instance|"
    r"like what|which ones|what (does|did|do) (that|this|it) (cover|include|involve|mean)|what kind|in what way|"
    r"after that|what happened next|what came next|and then|then what)\b",
    re.IGNORECASE,
)



@dataclass(frozen=True)
class Colloquial:
    """How a corpus's readers word their questions, mapped to the plainer words its sources use
    (the domain file's ``[colloquial]`` table): "bent coppers" also searches for "corruption
    misconduct police officers". Domain data: with no domain file there is none."""

    lexical: dict[str, str]  # phrase -> plain words for the lexical query
    dense: dict[str, str]  # phrase -> plain words shown to the dense encoder too
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Longest phrases first, whole words only ("strapped for cash" before "cash"; no "cop" in "scope").
        # A phrase written in capitals matches only in capitals: "IT" the department, not "it".
        phrases = sorted(self.lexical, key=len, reverse=True)
        alternatives = [re.escape(p) if p.islower() else f"(?-i:{re.escape(p)})" for p in phrases]
        pattern = re.compile(r"(?<![\w-])(" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)
        object.__setattr__(self, "_pattern", pattern if phrases else None)

    @classmethod
    def load(cls, rows: Sequence[tuple[str, str, str]] | None = None) -> "Colloquial":
        """The map of ``rows`` (phrase, plain words, "both" | "lexical"): by default the current
        domain file's."""
        rows = domain.current().colloquial if rows is None else rows
        lexical, dense = {}, {}
        for phrase, plain, scope in rows:
            phrase, plain = phrase.strip(), plain.strip()
            phrase = phrase if phrase.isupper() else phrase.lower()
            lexical[phrase] = plain
            if scope == "both":
                dense[phrase] = plain
        return cls(lexical, dense)

    def _matches(self, text: str) -> list[str]:
        if not self._pattern:
            return []
        found = [m.group(1) for m in self._pattern.finditer(text)]
        return [f if f.isupper() and f in self.lexical else f.lower() for f in found]

    def terms(self, question: str) -> list[str]:
        """Lexical terms for the colloquial phrases in the question."""
        return [t for phrase in self._matches(question) for t in terms(self.lexical[phrase])]

    def aliases(self, question: str) -> dict[str, frozenset[str]]:
        """Each term of an informal phrase -> the terms of its plain words ("gay" -> {"lgbt"}).

        Only for phrases that mean their plain words ("both" in the file), not mere hints
        ("age" -> founded): finding "founded" is no answer to a question about age."""
        out: dict[str, frozenset[str]] = {}
        for phrase in self._matches(question):
            if phrase not in self.dense:
                continue
            plain = frozenset(terms(self.dense[phrase]))
            for t in terms(phrase):
                if t not in plain:
                    out[t] = out.get(t, frozenset()) | plain
        return out

    def for_encoder(self, question: str) -> str:
        """The question with the plain words of its informal phrases in brackets, for the encoder."""
        plain = list(dict.fromkeys(self.dense[p] for p in self._matches(question) if p in self.dense))
        return f"{question} ({', '.join(plain)})" if plain else question


@dataclass(frozen=True)
class Query:
    """Everything read from one question, once (``QueryBuilder.build``, then ``Engine.read``):
    what retrieval, answer scoring and the answer's assembly work from. Those stages only read
    these fields; none tokenises, types or looks up the question's text again."""

    question: str  # the user's own words, cleaned and spelled (what the trace shows)
    text: str  # what the dense encoder sees (question, plus context for a follow-up)
    terms: list[str]  # lexical terms for BM25, with acronym expansions and context
    focus_terms: list[str] = field(default_factory=list)  # the question's terms (a follow-up's: with its context)
    own_terms: list[str] = field(default_factory=list)  # a follow-up's own terms: what is asked now
    followup: bool = False
    # A follow-up whose thread was answered (Engine.read): the conversation placed it in the sources' domain.
    leans_on_answer: bool = False
    # Names the question is about ("Paris", "City of Exampleton Police", "HT"): each entry lists
    # the ways a passage may say it (a term, or all terms of an acronym's full name).
    entities: tuple[tuple[frozenset[str], ...], ...] = ()
    # Passages the assistant already quoted in this conversation, and those of its last answer.
    quoted: tuple[str, ...] = ()
    last_quoted: tuple[str, ...] = ()
    elaboration: bool = False  # "Tell me more", "What does that cover?": the text that follows answers
    # "And volunteers?", "What about the HT?": the last question asked again of something else.
    parallel: bool = False
    # "Which one is about the frontline?": one of the things just listed is asked for.
    selection: bool = False
    # "Are there any other functions?": something besides what the last answer listed or introduced.
    other: bool = False
    yes_no: bool = False  # "Is the harbour safe for swimming?": answered by a statement, not a fact
    # "How do I join it?": the terms of the action asked about (with its plain words); a passage
    # that never mentions it says nothing on how to do it.
    action: tuple[str, ...] = ()
    # Terms of informal phrases -> the plain terms that stand for them ("gay" -> {"lgbt"}).
    aliases: dict[str, frozenset[str]] = field(default_factory=dict)
    # Question terms the corpus never uses, with their nearest corpus terms (vocabulary.py; Engine.read).
    soft: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    # What the question asks for (qtype.py): the kind of text that answers, what a figure counts...
    asks: Asks = field(default_factory=Asks)
    cleaned: str = ""  # the question as asked, cleaned but not spelled (Engine.read; related questions compare it)
    written: tuple[str, ...] = ()  # the question's words as written (split at spaces): is a span's figure new?
    # Multi-word names the question uses ("City of Exampleton Police"), each with its terms in order.
    names: tuple[str, ...] = ()
    name_terms: tuple[tuple[str, ...], ...] = ()
    # Terms of the names, acronyms and capitalised words the question uses: another source saying
    # the same must have these anywhere in its text.
    named_terms: frozenset[str] = frozenset()
    role_terms: tuple[str, ...] = ()  # "Who is the current Chair?": the role, whose chunks are candidates
    still: bool = False  # "Does it still exist?": answered by the passage saying what replaced it
    succession: bool = False  # "What came before the HT?": answered by a passage saying which replaced which
    refers_back: bool = False  # "they", "it": a follow-up may be about what the last answer named
    # "who", "which", "what is it called": a title line above a passage may be the name asked for.
    who_which: bool = False
    # "...according to the auditor?": the terms after the phrase naming a source (None: no source named).
    source_terms: frozenset[str] | None = None
    # Which of the corpus's replaced bodies (Supersessions.items, by position) the question names (Engine.read).
    superseded: tuple[int, ...] = ()
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)  # ``text`` embedded

    def __post_init__(self) -> None:
        if not self.question.strip():
            raise ValueError("a query needs a question, got an empty one")
        if len(self.name_terms) != len(self.names):
            raise ValueError(f"{len(self.names)} names need as many term runs, got {len(self.name_terms)}")


def is_yes_no(question: str) -> bool:
    """A question opening with an auxiliary ("Does the Trust...?", "And is that enough...?")."""
    question = without_lead_in(question)
    if _IF_CLAUSE.match(question):  # "If I ring the helpline, will I be talking to ...?" (not "..., who deals with it?")
        return bool(_IF_THEN_AUX.search(question)) and not _WH_WORD.search(question)
    return bool(YES_NO_LEAD.match(question))


_IF_CLAUSE = re.compile(r"if\b", re.IGNORECASE)
_WH_WORD = re.compile(r"\b(who|what|where|when|why|how|which)\b", re.IGNORECASE)
_IF_THEN_AUX = re.compile(r"\b(am|is|are|was|were|do|does|did|can|could|will|would|should|has|have) "
                          r"(i|you|we|they|it|he|she|there)\b", re.IGNORECASE)


def is_followup(question: str, history: Sequence[Turn], tokens: Sequence[str] | None = None) -> bool:
    """A question that needs the previous turn to make sense (``tokens``: its ``terms()``, when
    already made)."""
    if not any(t.role == "user" for t in history):
        return False
    own = terms(question) if tokens is None else tokens
    if not own:
        return True
    if _CONTINUATION.match(question):
        return True
    if _OTHER.search(question) or _TRAILING.search(question):
        # "Is there another way to get through?", "...keeping an eye on them as well?": each
        # presupposes something the conversation already said, however long the question.
        return True
    if len(question.split()) <= 8 and _ANAPHORA.search(question):
        return True
    # "What's the address?", "Can I phone instead?": a short question naming nothing leans on the conversation.
    words = _WORD.findall(question)
    return len(words) <= _SHORT_WORDS and not any(_is_name(w, first=i == 0) for i, w in enumerate(words))


_SHORT_WORDS = 4
_WORD = re.compile(r"[A-Za-z][\w'’+-]*")


def _is_acronym(word: str) -> bool:
    """An acronym ("HT"), plural ones included ("VHWs")."""
    word = word[:-1] if word.endswith("s") and len(word) >= 3 else word
    return len(word) >= 2 and word.isupper()


def _is_name(word: str, first: bool) -> bool:
    """An acronym ("HT"), or a capitalised word not opening the question ("Trust", not "What")."""
    return _is_acronym(word) or (word[0].isupper() and not first and word != "I")


def named_entities(question: str, acronyms: AcronymMap) -> tuple[tuple[frozenset[str], ...], ...]:
    """Capitalised words after the first, and acronyms: what a real answer's context must mention."""
    words = _WORD.findall(question)
    out = []
    for i, word in enumerate(words):
        if not _is_name(word, first=i == 0):
            continue
        ways = [frozenset(terms(word))] if terms(word) else []
        for name in acronyms.names_for(word.strip("'’s")) if _is_acronym(word) else ():
            ways.append(frozenset(terms(name)))
        if ways:
            out.append(tuple(ways))
    return tuple(out)


# General constructions a phrase map can't hold, as their words need not be next to each other,
# with the plain words sources would use: "What's the Trust actually for?", "What is the HT for?"
# ask a purpose; "Does the Trust put visitors first?" asks whom it prioritises (not "put the
# first wardens on the quays").
_CONSTRUCTIONS = (
    # (Not "What are they being investigated for?", "What was he arrested for?": a reason, not a purpose.)
    (re.compile(r"\bwhat(?:'s|’s| is| are| was| were)\s+(?!(?:\w+\s+){0,4}?(?:being|(?!used\b)\w+(?:ed|en))\s+for\b)"
                r"(?:\w+\s+){1,4}?for\b\s*(?=[?,.!]|$)", re.IGNORECASE),
     terms("purpose")),
    (re.compile(r"\bput(?:s|ting)?\s+(?:\w+\s+){1,3}?first\b(?!\s+(?!and\b|in\b)\w)", re.IGNORECASE), terms("prioritise")),
)


# Read from the question for the answer stage, which never reads its text (see Query).
_NAME_RUN = re.compile(r"\b" + name_run())
_THEY = re.compile(r"\b(they|them|their|it|its)\b", re.IGNORECASE)
# "Does it still exist?", "Is it still going?", "Is it still around?": answered by a replacement.
_STILL = re.compile(r"\bstill\b.*\b(exist|exists|going|around|running|operating|active|in existence|there)\b|"
                    r"\b(does|do|did)\b.*\bexist\b|\bnot exist\b", re.IGNORECASE)
_ACCORDING_TO = re.compile(r"\b(according to|going by|as per|per|as stated by|as said by|in the words of)\b",
                           re.IGNORECASE)
_SUCCESSION = re.compile(
    r"\b(before|predecessors?|previous(ly)?|formerly|used to be|replace[ds]?|preceded|succeeded|successors?|"
    r"came after|abolished|old name|called then)\b",
    re.IGNORECASE,
)
_WHO_WHICH = re.compile(r"\b(who|whom|whose|which|called|named?|names)\b", re.IGNORECASE)


def multiword_names(question: str) -> list[str]:
    """Names of two or more capitalised words in the question ("City of Exampleton Police").

    The question's first word is left out ("Where is..."), as is a lone capitalised word.
    """
    body = question.split(None, 1)[1] if len(question.split()) > 1 else ""
    return [m.group(0) for m in _NAME_RUN.finditer(body)]


class QueryBuilder:
    def __init__(self, acronyms: AcronymMap, colloquial: Colloquial | None = None) -> None:
        self.acronyms = acronyms
        self.colloquial = colloquial or Colloquial.load()

    def _terms(self, text: str, tokens: list[str] | None = None, expanded: list[str] | None = None) -> list[str]:
        """The text's terms with its acronyms' expansions, its informal words' plain ones and its
        constructions' (``tokens``, ``expanded``: its ``terms()`` and acronym expansions, when made)."""
        plain = [t for pattern, words in _CONSTRUCTIONS if pattern.search(text) for t in words]
        return ((terms(text) if tokens is None else tokens) + (self.acronyms.expand(text) if expanded is None else expanded)
                + self.colloquial.terms(text) + plain)

    def _for_encoder(self, text: str) -> str:
        # "Does the Trust put visitors first?" is encoded as the statement it asks about: the
        # auxiliary carries no content, and the passage that answers is a statement.
        text = YES_NO_LEAD.sub("", text, count=1)
        return self.colloquial.for_encoder(self.spelled_out(text))

    def build(self, question: str, history: Sequence[Turn] = ()) -> Query:
        """The question read once, in the conversation ``history`` (oldest first)."""
        self.acronyms.learn_from(question)
        tokens = terms(question)  # the one tokenisation of the question
        expanded = self.acronyms.expand(question)
        own = self._terms(question, tokens, expanded)
        entities = named_entities(question, self.acronyms)
        aliases = self.colloquial.aliases(question)
        followup = is_followup(question, history, tokens)
        read = self._read_for_answer(question, expanded)
        if not followup:
            return Query(question, self._for_encoder(question), own, focus_terms=own, entities=entities, aliases=aliases,
                         yes_no=is_yes_no(question), action=self.action(question), **read, **self._asks(question, own, own))
        earlier = topic_questions(history)
        context = [t for q in earlier for t in self._terms(q)]
        if _THEY.search(question) and not entities and _asks_for_someone(earlier[-1]):
            # "Can I complain to someone else?" -> "...to the Ombudsman..." -> "What's their address?":
            # "their" is whom the answer named.
            context += self._named_by_answer(quotes(history, last=True), set(context))
        if not entities:  # "What replaced it?": the bodies the thread is about, by their acronyms
            entities = tuple(dict.fromkeys(e for q in earlier for e in named_entities(q, self.acronyms) if len(e) > 1))
        parallel = bool(_PARALLEL.match(question)) and not _ELABORATION.search(question)
        if parallel:
            # "Who polices the Underground?" -> "And the square mile?": the last question asked again
            # of something else, so a name it asked for is asked for again.
            read["who_which"] = read["who_which"] or bool(_WHO_WHICH.search(earlier[-1]))
        # The new question's own words count double: it is what is being asked now.
        return Query(question, " ".join(self._for_encoder(q) for q in earlier + [question]), own + own + context,
                     focus_terms=own + context, own_terms=own, followup=True, entities=entities, quoted=quotes(history),
                     last_quoted=quotes(history, last=True), elaboration=bool(_ELABORATION.search(question)),
                     parallel=parallel,
                     selection=bool(_SELECTION.match(question)), other=bool(_OTHER.search(question)),
                     yes_no=is_yes_no(question), action=self.action(question),
                     aliases={k: v for q in earlier for k, v in self.colloquial.aliases(q).items()} | aliases,
                     **read, **self._asks(question, own or context, own + context))

    def _named_by_answer(self, pieces: Sequence[str], known: set[str]) -> list[str]:
        """The terms of the one body or person the ``pieces`` of an answer name (an acronym the
        corpus defines, with its names; or a name of capitalised words), if the thread's terms
        (``known``) don't already hold it; [] when they name none or several."""
        text = " ".join(pieces)
        named: list[list[frozenset[str]]] = []  # each thing named, in all the ways it is written
        for acronym in dict.fromkeys(self.acronyms.acronyms_in(text)):
            named.append([frozenset(terms(acronym))] + [frozenset(terms(n)) for n in self.acronyms.names_for(acronym)])
        for name in multiword_names(text):
            written = frozenset(terms(name))
            if written and not any(written in ways for ways in named):
                named.append([written])
        if len(named) != 1 or any(way <= known for way in named[0]):
            return []
        return [t for way in named[0] for t in sorted(way)]

    def _read_for_answer(self, question: str, expanded: list[str]) -> dict[str, Any]:
        """The fields the answer stage needs of the question's own words (names, cues), follow-up or not."""
        names = self.names(question)
        cue = _ACCORDING_TO.search(question)
        named = {t for name in names for t in terms(name)} | set(expanded)
        named |= {t for word in re.findall(r"\b[A-Z][A-Za-z]*[A-Z]\w*", question) for t in terms(word)}
        return dict(written=tuple(question.split()), names=tuple(names),
                    name_terms=tuple(tuple(terms(name)) for name in names), named_terms=frozenset(named),
                    still=bool(_STILL.search(question)), succession=bool(_SUCCESSION.search(question)),
                    refers_back=bool(_THEY.search(question)), who_which=bool(_WHO_WHICH.search(question)),
                    source_terms=frozenset(terms(question[cue.end():])) if cue else None)

    @staticmethod
    def _asks(question: str, type_focus: list[str], focus: list[str]) -> dict[str, Any]:
        """What the question asks for, its role's terms in ``type_focus`` (what is asked now) read
        into ``asks``; for a who-question about a role ("Who is the current Chair?"), the role's
        terms in all of ``focus`` (the thread's too): the chunks saying it are candidates."""
        asks = read_asks(question, type_focus)
        return dict(asks=asks, role_terms=tuple(sorted(roles_asked(question, focus))) if asks.wanted is PERSON else ())

    def names(self, question: str) -> list[str]:
        """Multi-word names in the question: capitalised ones, and the corpus's own names however
        they are typed ("the city of london police")."""
        typed = multiword_names(question)
        lowered = [n.lower() for n in typed]
        # Typed in lower case, only names of three words or more: two ("professional standards",
        # "met police") are as often a plain phrase or the corpus's own subject.
        return typed + [n for n in self.acronyms.names_in(question)
                        if not any(n.lower() in t for t in lowered) and len(n.split()) >= 3]

    def action(self, question: str) -> tuple[str, ...]:
        """The terms of what a "how do I ..." question wants to do, with the plain words of an
        informal verb ("how do I report a cop" -> report, complaint; "how do I grass" -> report)."""
        match = _HOW_TO.match(without_lead_in(question))
        if not match:
            return ()
        verb = match.group(1)
        if verb.lower() in _LIGHT_VERBS:  # "how do I make a complaint?": the action is in the object
            return ()
        found = terms(verb) + self.colloquial.terms(verb) + self.colloquial.terms(f"{verb} {match.group(2) or ''}")
        return tuple(dict.fromkeys(found))

    def spelled_out(self, text: str) -> str:
        """The text with the corpus's own acronyms spelled out for the dense encoder, which can't
        know them: "What is the SMG?" -> "What is the SMG (Safe Moorings Group)?"."""
        for acronym in dict.fromkeys(self.acronyms.acronyms_in(text)):
            name = min(self.acronyms.names_for(acronym), key=len)
            text = re.sub(rf"\b({re.escape(acronym)})\b", rf"\1 ({name})", text, count=1, flags=re.IGNORECASE)
        return text


# "Can I complain to someone other than the Trust?", "Is there a body I can go to?": asking for
# someone, whom the answer will name.
_SOMEONE = re.compile(r"\b(?:some|any)(?:one|body)\b|\b(?:body|organisation|organization)\b", re.IGNORECASE)


def _asks_for_someone(question: str) -> bool:
    # (Not typed through qtype: each question is typed once, when it is asked.)
    return bool(_WHO_WHICH.search(question) or _SOMEONE.search(question))


def quotes(history: Sequence[Turn], last: bool = False) -> tuple[str, ...]:
    """The pieces of the assistant's answers, or of its last one (answers join verbatim pieces with " … ")."""
    answers = [t.content for t in history if t.role == "assistant"]
    return tuple(p.strip() for a in (answers[-1:] if last else answers) for p in a.split(" … ") if p.strip())


TOPIC_TURNS = 3  # a follow-up leans on at most this many earlier questions


def topic_questions(history: Sequence[Turn], limit: int = TOPIC_TURNS) -> list[str]:
    """The earlier user questions a follow-up depends on, oldest first.

    Walks back from the last user question until one stands on its own: after "What is the
    reform plan called?" -> "How long does it run?", a further "What was it called before?"
    still needs "reform plan" from two turns back.
    """
    users = [i for i, t in enumerate(history) if t.role == "user"]
    chain: list[str] = []
    for i in reversed(users):
        chain.insert(0, history[i].content)
        if len(chain) >= limit or not is_followup(history[i].content, history[:i]):
            break
    return chain
