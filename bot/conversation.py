"""From a question and the conversation so far to a retrieval query. No generative model.

Two things happen here:
- Follow-ups ("When?", "What's their postal address?", "And what replaced it?") carry the
  previous user question into retrieval, so the new question is read in its context.
- Acronyms are expanded both ways from definitions found in the corpus itself (acronyms.py),
  so "MPA" also finds "the Metropolitan Police Authority".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from .acronyms import AcronymMap
from .retrieve import terms
from .validate import Turn

_ANAPHORA = re.compile(
    r"\b(it|its|it's|they|their|theirs|them|he|him|his|she|her|this|that|these|those|there|then|"
    r"the same|the former|the latter|one)\b",
    re.IGNORECASE,
)
_CONTINUATION = re.compile(r"^\s*(and|but|also|so|what about|how about|what else|anything else)\b", re.IGNORECASE)
_ELABORATION = re.compile(
    r"\b(tell me more|more (about|on|detail)|what else|anything else|go on|such as|for example|for instance|"
    r"like what|which ones|what (does|did|do) (that|this|it) (cover|include|involve|mean)|what kind|in what way|"
    r"after that|what happened next|what came next|and then|then what)\b",
    re.IGNORECASE,
)


# Everyday and British colloquial words for what the sources name formally. Applied to the
# lexical side only (the dense encoder already knows most of these): a question in plain
# words still meets the document's official vocabulary.
COLLOQUIAL = {
    "cop": "police officer", "cops": "police officers", "copper": "police officer", "coppers": "police officers",
    "bobby": "police officer", "bobbies": "police officers", "plod": "police", "old bill": "police",
    "bent": "corruption misconduct", "dodgy": "misconduct", "rude": "behaviour complaint",
    "tube": "London Underground", "underground": "London Underground", "train": "railway", "trains": "railway",
    "gay": "LGBT+", "lesbian": "LGBT+", "trans": "LGBT+", "bisexual": "LGBT+", "queer": "LGBT+",
    "boss": "Commissioner", "head": "Commissioner", "chief": "Commissioner", "in charge": "Commissioner manages",
    "money": "budget", "spend": "budget", "funding": "budget", "cash": "budget",
    "stalker": "stalking", "stalkers": "stalking", "terror": "terrorism", "terrorist": "terrorism",
    "watchdog": "Inspectorate HMICFRS IOPC", "royals": "Royal Family", "king": "Royal", "queen": "Royal",
    "started": "founded", "start": "founded", "set up": "founded established", "old": "founded", "age": "founded",
    "staff": "staff", "employees": "staff", "workers": "staff",
    "moan": "complaint", "grumble": "complaint", "report": "complaint",
    "people": "population", "residents": "population", "inhabitants": "population",
    "size": "area square", "big": "area largest", "large": "area largest", "area": "territory",
}
_COLLOQUIAL = re.compile(r"\b(" + "|".join(sorted(map(re.escape, COLLOQUIAL), key=len, reverse=True)) + r")\b", re.IGNORECASE)


def colloquial_terms(question: str) -> list[str]:
    return [t for m in _COLLOQUIAL.finditer(question) for t in terms(COLLOQUIAL[m.group(1).lower()])]


@dataclass(frozen=True)
class Query:
    """What retrieval and answer scoring work from."""

    question: str  # the user's own words
    text: str  # what the dense encoder sees (question, plus context for a follow-up)
    terms: list[str]  # lexical terms for BM25, with acronym expansions and context
    focus_terms: list[str] = field(default_factory=list)  # the question's own terms
    followup: bool = False
    # Names the question is about ("Paris", "City of London Police", "IOPC"): each entry lists
    # the ways a passage may say it (a term, or all terms of an acronym's full name).
    entities: tuple[tuple[frozenset[str], ...], ...] = ()
    # Passages the assistant already quoted in this conversation, and those of its last answer.
    quoted: tuple[str, ...] = ()
    last_quoted: tuple[str, ...] = ()
    elaboration: bool = False  # "Tell me more", "What does that cover?": the text that follows answers


def is_followup(question: str, history: Sequence[Turn]) -> bool:
    """A question that needs the previous turn to make sense."""
    if not any(t.role == "user" for t in history):
        return False
    own = terms(question)
    if not own:
        return True
    if _CONTINUATION.match(question):
        return True
    return len(question.split()) <= 8 and bool(_ANAPHORA.search(question))


def named_entities(question: str, acronyms: AcronymMap) -> tuple[tuple[frozenset[str], ...], ...]:
    """Capitalised words after the first, and acronyms: what a real answer's context must mention."""
    words = re.findall(r"[A-Za-z][\w'’+-]*", question)
    out = []
    for i, word in enumerate(words):
        is_acronym = len(word) >= 2 and word.isupper()
        if word == "I" or (i == 0 and not is_acronym) or not word[0].isupper():
            continue
        ways = [frozenset(terms(word))] if terms(word) else []
        for name in acronyms.names_for(word.strip("'’s")) if is_acronym else ():
            ways.append(frozenset(terms(name)))
        if ways:
            out.append(tuple(ways))
    return tuple(out)


class QueryBuilder:
    def __init__(self, acronyms: AcronymMap) -> None:
        self.acronyms = acronyms

    def build(self, question: str, history: Sequence[Turn] = ()) -> Query:
        own = terms(question) + self.acronyms.expand(question) + colloquial_terms(question)
        entities = named_entities(question, self.acronyms)
        dense = self.spelled_out(question)
        if not is_followup(question, history):
            return Query(question, dense, own, focus_terms=own, entities=entities)
        earlier = topic_questions(history)
        context = [t for q in earlier for t in terms(q) + self.acronyms.expand(q) + colloquial_terms(q)]
        # The new question's own words count double: it is what is being asked now.
        return Query(question, " ".join([self.spelled_out(q) for q in earlier] + [dense]), own + own + context, focus_terms=own + context,
                     followup=True, entities=entities, quoted=quotes(history), last_quoted=quotes(history, last=True),
                     elaboration=bool(_ELABORATION.search(question)))


    def spelled_out(self, text: str) -> str:
        """The text with the corpus's own acronyms spelled out for the dense encoder, which can't
        know them: "What is the DSVB?" -> "What is the DSVB (Domestic and Sexual Violence Board)?"."""
        for acronym in dict.fromkeys(self.acronyms.acronyms_in(text)):
            name = min(self.acronyms.names_for(acronym), key=len)
            text = re.sub(rf"\b({re.escape(acronym)})\b", rf"\1 ({name})", text, count=1, flags=re.IGNORECASE)
        return text


def quotes(history: Sequence[Turn], last: bool = False) -> tuple[str, ...]:
    """The pieces of the assistant's answers, or of its last one (answers join verbatim pieces with " … ")."""
    answers = [t.content for t in history if t.role == "assistant"]
    return tuple(p.strip() for a in (answers[-1:] if last else answers) for p in a.split(" … ") if p.strip())


def topic_questions(history: Sequence[Turn], limit: int = 3) -> list[str]:
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
