"""What kind of text answers a question: a figure, a date, a duration, a person's name, a place...

The classic question-answering idea of an *expected answer type*, done with patterns: "When
did X happen?" is answered by a passage holding a date, "How many officers?" by one giving a
figure of officers, "Who is the current Deputy Chair?" by one naming a person. The
answer stage gives a bonus to spans of the wanted type and, when the type is *required*
(the question can't be answered without it), a penalty to spans without it, so "When did
Jo Example become Chair?" is not answered by a sentence that merely mentions her.
A question is read once into ``Asks`` (``read_asks``: its type, kind, what it counts, the role or
acronym it asks about...); ``satisfies`` then holds each span against that, not the question's text.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

from bot.query import domain
from bot.query.acronyms import letters, name_run, spells
from bot.text.terms import terms

MONTHS = [m.lower() for m in calendar.month_name[1:]]  # the English names (Python's own "C" locale)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred"
)

YEAR_PATTERN = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# A time of day ("9am", "17:30") and days ("every weekday"): part of a date, and all a time is.
_CLOCK = r"\b\d{1,2}(:\d\d)? ?(am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d\d\b"
_DAYS = r"\b(Mondays?|Tuesdays?|Wednesdays?|Thursdays?|Fridays?|Saturdays?|Sundays?|weekdays?|weekends?|daily|24 hours)\b"
# A date or a time: "1802", "January", "16 Nov", "9am", "every weekday".
DATE_PATTERN = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b(" + "|".join(m.capitalize() for m in MONTHS) + r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b"
    + "|" + _CLOCK + "|" + _DAYS
)
TIME_PATTERN = re.compile(_CLOCK + r"|\b(noon|midnight|24/7|round the clock)\b|" + _DAYS, re.IGNORECASE)
DURATION_PATTERN = re.compile(
    r"\b(\d[\d,.]*|" + _NUMBER_WORDS + r"|a|an)[ -](years?|months?|weeks?|days?|hours?|minutes?|pages?|decades?)\b"
    r"|\b(1[89]|20)\d\d ?[-–] ?\d{2,4}\b",
    re.IGNORECASE,
)
_ADDRESS_WORDS = ("Road", "Street", "Floor", "Building", "House", "Square")
_POSTCODE = r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}"
MONEY_PATTERN = re.compile(r"[£$€]\s?\d|\b\d[\d,.]*\s?(pounds|pence)\b", re.IGNORECASE)
# A phone number: seven digits or more (a corpus's short numbers, "call 0123", are in its domain file).
_PHONE_DIGITS = r"\b\d{3,4}[ \d]{4,}\b"

# Capitalised words that start institution and role names, not people's names (a corpus's own
# institutions and places are in its domain file, domain.py).
_NOT_NAMES = frozenset(
    "The A An In On At Of For And Our We It This That These Those Service Office Authority Commission Commissioner "
    "Assistant Deputy Chair Chief Officer Officers Board Group Council Government Ministers Minister Parliament "
    "Parliamentary Independent National Court Services Plan Strategy Directorate Department Unit Team Management "
    "Association Report Review Action Centre".split()
)
_TITLES = frozenset("Sir Dame Lord Lady Baroness Baron Dr Mr Mrs Ms".split())
_RANKS = frozenset("Commissioner Deputy Assistant Chief Mayor Chair Secretary Minister".split())
_INSTITUTION_WORDS = frozenset("Groups Boards Building Road Street Floor House Committee Panel Partnership Programme "
                               "Framework Services Units Teams".split())
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?:\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?)+\b")


@dataclass(frozen=True)
class AnswerType:
    name: str  # "number" | "date" | "duration" | "person" | "place" | "address" | "phone" | "email" | "postcode"
    required: bool  # True: a span without it cannot answer the question


COUNT = AnswerType("count", True)  # "How many officers?": a figure of officers, not a percentage
SHARE = AnswerType("share", True)  # "What share of residents...?": a percentage or a figure
NUMBER_LIKELY = AnswerType("count", False)  # "What is the budget?": usually, not surely, a figure
DATE = AnswerType("date", True)
DURATION = AnswerType("duration", True)
TIME = AnswerType("time", True)  # a time of day or days of the week
PERSON = AnswerType("person", True)
NAME_LIKELY = AnswerType("name", False)  # "Who looks after the canals?": usually a body's or a person's name
PLACE = AnswerType("place", True)  # where a named place is
PLACE_LIKELY = AnswerType("place", False)
ADDRESS = AnswerType("address", True)
PHONE = AnswerType("phone", True)
EMAIL = AnswerType("email", True)  # "What's their email address?": an address to email, not a postal one
POSTCODE = AnswerType("postcode", True)  # "What's the postcode?": the postal code, not the street
MONEY = AnswerType("money", True)  # "What is the salary?": an amount of money
EXPANSION = AnswerType("expansion", True)  # "What does VHW stand for?": the words its letters spell
EXPANSION_LIKELY = AnswerType("expansion", False)  # "What is HT?": best said with the words its letters spell
SIZE = AnswerType("size", False)  # "How big is it?": any figure (people, area, money) may say
NUMERIC = (COUNT, SHARE, NUMBER_LIKELY, SIZE)
# The kinds a question can require (a span without one is held against it), by name, in a fixed order:
# the fitted ranker's ``mismatch_x_*`` features. A postcode is held against a span by the rules only:
# refitted with its own feature, the ranker gained nothing more and lost two rows (docs/quality.md).
REQUIRED_TYPES = tuple(t.name for t in (COUNT, SHARE, DATE, DURATION, TIME, PERSON, PLACE, ADDRESS, PHONE, MONEY,
                                         EXPANSION, EMAIL))

_ROLE = (
    r"(commissioner|mayor|secretary|chair|chairman|chairwoman|chairperson|head|leader|director|chief|minister|"
    r"president|boss|founder|inspector)"
)
_WHO_IS_ROLE = re.compile(
    r"^who(?:'s|’s| is| was| were| are| became)\s+(?:the\s+)?(?:[\w’'-]+\s+){0,4}?" + _ROLE
    + r"s?\b(?:\s+(?!of\b|for\b|at\b|in\b)[a-z]+)?(?:\s+(?:of|for|at|in)\b[^?]*)?\s*\??\s*$",
    re.IGNORECASE,
)
_MONEY_WORDS = re.compile(r"\b(salary|salaries|wage|wages|pay|paid|earn|earns|earning|earnings|cost|costs|price|fee|fees"
                          r"|spend|spends|spent|charge|charges)\b")
# "When should I complain?" asks for a condition, not a date.
_WHEN_CONDITION = re.compile(r"^when (should|can|could|would|will|do|must|might|may) (i|you|we|someone|people|they)\b", re.I)
# Asking for a number to ring, not about "phone hacking".
_PHONE_QUESTION = re.compile(
    r"\b(phone|telephone|contact|helpline|complaint) (number|no|line)\b|\bnumber\b.*\b(call|ring|phone|dial|text)\b"
    r"|\b(call|ring|phone|dial)\b.*\bnumber\b|\b(by|over|on) the (phone|telephone)\b|\bby (phone|telephone)\b|\b(call|ring|phone|dial) (them|you|it|the|for)\b"
    # "What's their number?", "what is the helpline number for members?": a whole question for
    # someone's number is for one to ring ("What is the number of officers?" asks for a count).
    r"|^what(?:'s|’s| is| are| was) (?:the|their|its|his|her|your) (?:[\w-]+ )?number(?: (?:for|to call|to ring)\b.*)?\W*$"
)
# An email address: asked for as such ("Is there an email address...?" too), or by "email" in a
# question that is no yes/no one ("what's their email?"; "Can I complain by email?" is yes/no).
_EMAIL_QUESTION = re.compile(r"\be-?mail address(?:es)?\b")
_EMAIL_ANY = re.compile(r"\be-?mail\b")
EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POSTCODE_QUESTION = re.compile(r"\b(?:postcode|post code|postal code|zip(?: code)?)s?\b")
# A postal code: British ("AB1 2CD"), Canadian ("A1B 2C3"), or an American ZIP code after its
# state ("TX 12345"; five digits alone are as often part of a phone number).
POSTCODE_PATTERN = re.compile(rf"\b(?:{_POSTCODE}|[A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{{2}} \d{{5}}(?:-\d{{4}})?)\b")
_WHICH_BODY = re.compile(
    r"(which|what) (part|bit|department|unit|team|section|branch|body|bodies|organisation|organization|group|"
    r"function|force|lot|office|agency|service)s?\b", re.IGNORECASE,
)
# "What does VHW stand for?", "what's HT short for", "What do the letters SMG mean?" (an acronym, not any word).
_STANDS_FOR = re.compile(
    r"\b([A-Z][A-Za-z&]{1,7})(?:'s|’s| is)?\s+(?:stands?|short)\s+for\b"
    r"|\b[Ww]hat do(?:es)?\s+(?:the\s+)?(?:letters\s+)?([A-Z][A-Za-z&]*[A-Z][A-Za-z&]*)\s+mean\b"
)
# "VHW - what's that short for?", "HT: what does it stand for?": the acronym named before.
_THAT_STANDS_FOR = re.compile(r"\b(?:that|it|this)(?:'s|’s| is)?\s+(?:stands?|short)\s+for\b", re.IGNORECASE)
_ACRONYM_WORD = re.compile(r"\b[A-Z][A-Za-z&]*[A-Z][A-Za-z&]*\b")
_WHAT_IS_ACRONYM = re.compile(r"(?:and\s+)?[Ww]hat(?:'s|’s| is| are| was| were)\s+(?:the\s+|an?\s+)?"
                              r"([A-Z][A-Za-z&]*?[A-Z][A-Za-z&]*?)s?\s*\??$")
_LEAD_IN = re.compile(r"^\s*(?:(?:and|so|but|ok|okay|then|also|please|hi|hello)\b[\s,]*)*", re.IGNORECASE)


# A yes/no question's opening auxiliary ("Does the Trust...", "is that enough...").
YES_NO_LEAD = re.compile(r"^\s*(does|do|did|can|could|is|are|was|were|will|would|has|have|should)\s+(?=\S)", re.I)


def without_lead_in(question: str) -> str:
    """The question without chat openers: "And so, when was it founded?" -> "when was it founded?"."""
    return _LEAD_IN.sub("", question).strip()


# A closing word of chat: "Who was the first Commissioner then?" asks what "Who was the first Commissioner?" asks.
_TRAILER = re.compile(r",?\s+(?:then|though|anyway|exactly|again)(?=\s*[?.!]*\s*$)", re.IGNORECASE)


def expected_type(question: str) -> AnswerType | None:
    """What kind of text answers this question, if the question says (read once per question,
    into ``Asks.wanted``).

    The question word that opens the question decides first ("who actually picks up when I
    phone" asks for a who, not a when or a phone number); figures are recognised anywhere.
    """
    q = _TRAILER.sub("", without_lead_in(question.lower()))
    if stands_for(question):
        return EXPANSION
    if _WHAT_IS_ACRONYM.match(question.strip()):
        return EXPANSION_LIKELY
    if re.search(r"\bwhat (percentage|proportion|share)\b|\bwhat per ?cent\b|\bhow (much|many) of (the|our|their|its|all)\b", q):
        return SHARE
    if re.search(r"\bhow (big|large) (is|are|was|were)\b", q):
        return SIZE  # "how big is it?": the size of what, the passage says
    whether = YES_NO_LEAD.match(q) and not re.search(r"\b(know|tell me)\b", q)
    if re.search(r"\bhow much (do|does|did)\b", q) and not _MONEY_WORDS.search(q):
        return SHARE  # "How much do residents trust the Trust?": how many of them, not an amount
    if not whether and re.search(r"\b(how many|how much|what number|how big|how large)\b", q):
        return COUNT  # "how big an area...?" counts the area
    if _MONEY_WORDS.search(q) and re.match(r"(what|how)\b", q):
        return MONEY
    if re.search(r"\b(budget|population|size)\b", q) and not re.match(r"(who|why|where|when)\b", q):
        return NUMBER_LIKELY
    if re.match(r"what(?:'s|’s| is| was) (?:the )?name of\b", q):
        # "What's the name of the current Deputy Chair?" asks who, in other words.
        return PERSON if re.search(r"\b" + _ROLE + r"s?\b", q) else NAME_LIKELY
    if re.match(r"who\b.*\b(write|writing|post|send|address)\b", q):
        return ADDRESS  # "Who do I address the letter to?": the recipient, as a letter is addressed
    if re.match(r"who\b", q):
        return PERSON if _WHO_IS_ROLE.search(q) or re.match(r"who (chairs|chaired)\b", q) else NAME_LIKELY
    if re.match(r"why\b", q):
        return None
    if _WHICH_BODY.match(q):
        return NAME_LIKELY  # "Which part of the Trust handles dredging?": a unit's name
    if re.search(r"\b(how old|how long ago)\b", q):
        return DATE
    if re.search(r"\bhow long\b", q):
        return DURATION
    if re.search(r"\b(what|which) (time|times|hours)\b|\bopening (hours|times)\b", q):
        return TIME  # "What are its opening hours?": days and times, not a year
    if re.search(r"\b(what|which) (year|date|month|day)\b|\bsince when\b", q):
        return DATE
    if re.match(r"when\b", q):
        return None if _WHEN_CONDITION.match(q) else DATE
    if _EMAIL_QUESTION.search(q) or (not whether and _EMAIL_ANY.search(q)):
        return EMAIL
    if _POSTCODE_QUESTION.search(q):
        return POSTCODE
    if re.search(r"\baddress\b|^where\b.*\b(write|post|send)\b"
                 r"|\bwhere (?:do|should|can|could|would|must) (?:i|we|you) (?:write|post|send)\b", q):
        return ADDRESS
    if re.match(r"where(?:abouts)?(?: exactly)?(?:'s|’s| is| are| was| were)\b", q):
        # "Where is Harbour House?" must be answered by a place; "where are directions to..." may not.
        named = re.search(r"\b(?:is|are|was|were|'s|’s)\s+(?:the\s+)?[A-Z]", question)
        return PLACE if named else PLACE_LIKELY
    if _PHONE_QUESTION.search(q):
        return PHONE
    return None


def satisfies(wanted: AnswerType, text: str, asks: Asks, focus_terms: list[str],
              aliases: dict[str, frozenset[str]] | None = None) -> bool:
    """True when the span holds the kind of text the question (read into ``asks``) asks for.
    ``aliases``: the plain words of the question's informal ones ("tongues" -> languages), which
    may say what is counted."""
    check = _CHECKS[wanted.name]
    return check(text, asks, focus_terms, aliases or {})


_COUNTED_AFTER = re.compile(
    r"\b(?:how many|how much(?: of)?|what (?:share|percentage|proportion|number|per ?cent)(?: of)?)\s+((?:[\w’'+-]+\s*){1,4})",
    re.IGNORECASE,
)
_PHRASE_END = frozenset(
    "and or do does did is are was were have has had in on at for from to by with that who which will can could would "
    "should work works live lives come comes get gets there long old big".split()
)


def counted_phrase(question: str) -> list[str]:
    """The terms of what a number question counts: "How many [Volunteer Harbour Wardens]
    did the Trust have?", "What share of [harbour wardens] in the region...?"."""
    match = _COUNTED_AFTER.search(question)
    if not match:
        return []
    words = []
    for word in match.group(1).split():
        if word.lower().strip("?.,") in _PHRASE_END:
            break
        words.append(word)
    return terms(" ".join(words))


def counts_what_is_asked(text: str, asks: Asks, focus_terms: list[str],
                         aliases: dict[str, frozenset[str]] | None = None) -> bool:
    """A figure of the thing asked about: for "How many police stations...?", a passage with a
    figure must also say "stations", the counted phrase's last word (a figure of "police
    officers" counts something else), or its plain words ("how many different tongues" ->
    "languages"). "How many people work for the Trust?" is answered by a figure of its workforce
    ("4,500 wardens and staff")."""
    head = asks.counted
    if len(head) < 2 or asks.workforce:
        return mentions_figure(text, counted_terms(asks, focus_terms), shares=False)
    said = _text_terms(text)
    return mentions_figure(text, focus_terms, shares=False) and (
        head[-1] in said or not (aliases or {}).get(head[-1], frozenset()).isdisjoint(said))


def counted_terms(asks: Asks, focus_terms: list[str]) -> list[str]:
    """The terms a figure must stand beside: the question's and, for the people working
    somewhere, the kinds of people who do ("officers", "staff", "volunteers")."""
    if not asks.workforce:
        return list(focus_terms)
    return list(focus_terms) + sorted(_WORKFORCE | {t for w in domain.current().workforce_words for t in terms(w)})


def workforce_asked(question: str) -> bool:
    """ "How many people work for it?", "how many people does the Trust employ?" """
    return bool(_PEOPLE_WORKING.search(question))


_PEOPLE_WORKING = re.compile(r"\bhow many (?:[\w-]+ ){0,2}?(people|persons|individuals|folk)\b.*\b(work|works|working|employ|employs|employed)\b",
                             re.IGNORECASE)
# The kinds of people working anywhere; a corpus's own kinds ("officers") are in its domain file.
_WORKFORCE = frozenset(terms("staff volunteers employees workforce"))


def mentions_figure(text: str, focus_terms: list[str], shares: bool = True) -> bool:
    """True when a number stands within a few words of what the question counts.

    ``shares=False`` leaves out percentages: "how many people" is not answered by "12% of".
    "over 3,400 police officers" mentions a figure of officers; "16 Nov 2021" beside a
    headline about officers does not (the words next to the number are not about officers).
    """
    return bool(figure_terms(text, focus_terms, shares))


def figure_terms(text: str, focus_terms: list[str], shares: bool = True) -> set[str]:
    """The question's terms found next to one figure in the text: the most of them any figure has.

    "1,240 Volunteer Harbour Wardens" has {volunteer, harbour, warden} by its figure;
    "3,100 of the 12,345 wardens" has only {warden}.
    """
    wanted = set(focus_terms)
    best: set[str] = set()
    for is_share, nearby in _figure_windows(text):
        if is_share and not shares:
            continue
        found = wanted & nearby
        if len(found) > len(best):
            best = found
    return best


@lru_cache(maxsize=65536)
def _text_terms(text: str) -> frozenset[str]:
    """A passage's terms, worked out once: the same passages are checked question after question."""
    return frozenset(terms(text))


_FRACTIONS = frozenset("half halves third thirds quarter quarters majority".split())


@lru_cache(maxsize=65536)
def _figure_windows(text: str, before: int = 3, after: int = 5) -> tuple[tuple[bool, frozenset[str]], ...]:
    """For each figure in the text that counts something: (is it a percentage, terms around it).

    Depends on the text only, so it is worked out once per passage (passages recur across questions).
    """
    windows = []
    for line in text.split("\n"):
        words = line.split()
        for i, word in enumerate(words):
            if word.lower().strip(".,;:()") in _FRACTIONS:  # "Just over half of residents think...": a share
                windows.append((True, frozenset(terms(" ".join(words[i + 1: i + after + 6])))))
                continue
            if not _FIGURE.search(word.strip(".,;:()")) or _is_date(words, i):
                continue
            if "%" not in word and i + 1 < len(words) and words[i + 1].lower() == "of":
                continue  # "Five of the officers": a part of a group, not a count of it
            if not any(ch.isdigit() for ch in word):
                # A number in words counts what follows it closely: "four additional support
                # functions", not "two are former officers".
                nearby = " ".join(words[i + 1: i + 3])
            else:
                # "3 million local and foreign visitors": the counted thing may come a
                # few words on; a share ("40% of the population are from ...") a few more.
                reach = after + 5 if "%" in word else after
                nearby = " ".join(words[max(0, i - before): i + reach + 1])
            windows.append(("%" in word, frozenset(terms(nearby))))
    return tuple(windows)


# "Are there more bobbies on the beat?", "Did it push up officer numbers?", "Has it got any
# leaner?": a question about a change in amount is answered by a passage saying what grew or
# shrank ("an additional 500 officers", "record numbers", "doubled"), in whatever words.
_CHANGE_ASKED = re.compile(
    r"\bany\s+(?:more|\w+er)\b"  # "any more", "any better", "any leaner"
    r"|\b(?:more|extra|additional|fewer|less)\s+(?!than\b|about\b|on\b|of\b|info)\w+"  # "more officers", not "more about"
    r"|\b(?:increas\w*|boost\w*|push(?:ed|es|ing)? up|bolster\w*|risen|rise|grow\w*|gone up|go up|gone down|go down"
    r"|cut\w*|reduc\w*|drop\w*|fall\w*|fallen)\b",
    re.IGNORECASE,
)
_CHANGE_SAID = re.compile(
    r"\b(?:more|additional|extra|added|increas\w*|record|doubled|tripled|boost\w*|bolster\w*|hundreds of|highest"
    r"|grew|grown|rose|risen|higher|fewer|less|lower|reduc\w*|cut)\b",
    re.IGNORECASE,
)


# "Who did the Trust not consult?", "Which boroughs have no station?": a question asking for
# something by a negation is answered by a passage that says the negative; a passage without one
# answers the same words without the "not", another question. Only the asking clause counts: not
# an if-clause ("what if they don't reply?"), the asker's own situation ("I can't phone, who...")
# or a tag ("..., isn't it?"). Yes/no questions are answered either way.
_NEGATION = re.compile(r"\b(?:not|never|no|none|nobody|nothing|neither|nor|cannot)\b|n[’']t\b", re.IGNORECASE)
_SAYS_NEGATION = re.compile(_NEGATION.pattern + r"|\b(?:without|unable|non-\w+|refus\w*|fail\w*)\b", re.IGNORECASE)
_CONDITION_CLAUSE = re.compile(r"\b(?:if|unless)\b[^,;?]*", re.IGNORECASE)
_ASKER_NEGATED = re.compile(r"\b(?:i|we|you)\s+(?:\w+n[’']t|cannot|can not|(?:am|are|do|did|could|would)\s+not)\b"
                            r"|\b(?:i[’']m|we[’']re|you[’']re)\s+not\b", re.IGNORECASE)
# "Which body no longer exists?" asks what changed: a passage saying what replaced it answers.
_NO_LONGER = re.compile(r"\bno longer\b|\bnot any ?more\b", re.IGNORECASE)
_TAG = re.compile(r"\b\w+n[’']t\s+(?:it|they|there|he|she|we|you)\b\s*(?:[-–—,?!.]|$)", re.IGNORECASE)


def asks_negated(question: str, kind: str | None = None) -> bool:
    """Whether a wh-question asks for something by a negation ("Who did it not consult?");
    ``kind``: its ``wh_class``, when already known."""
    if (kind or wh_class(question)) == "other":  # a yes/no question opens with no wh-word: answered either way
        return False
    q = without_lead_in(question)
    for clause in (_CONDITION_CLAUSE, _ASKER_NEGATED, _TAG, _NO_LONGER):
        q = clause.sub(" ", q)
    return bool(_NEGATION.search(q))


def says_negation(text: str) -> bool:
    """Whether the text says a negative ("not", "never", "no", "without", "unable"...)."""
    return bool(_SAYS_NEGATION.search(text))


def asks_about_change(question: str) -> bool:
    """Whether the question asks if something grew or shrank."""
    return bool(_CHANGE_ASKED.search(question))


def says_change(text: str) -> bool:
    """Whether the text says something grew or shrank."""
    return bool(_CHANGE_SAID.search(text))


def has_person_name(text: str, asks: Asks) -> bool:
    """A personal name the question doesn't already give ("Sir Ann Example", "Chair Jo Example").

    A run of capitalised words, less a leading title or rank, with none of the words that make
    institution names ("Harbour Users Groups", "Safe Moorings Board" are no people).
    """
    asked = asks.words
    for run in _CAPITALISED_RUN.finditer(text):
        words = run.group(0).split()
        titled = False
        while words and (words[0] in _TITLES or words[0] in _RANKS or words[0] in domain.current().ranks):
            words, titled = words[1:], True
        domain_words = domain.current().not_person_names
        if not words or any(w in _NOT_NAMES or w in _INSTITUTION_WORDS or w in domain_words for w in words):
            continue
        if titled and len(words) == 1 and words[0].lower() not in asked:
            return True  # "Baroness Example", "Chair Example"
        if any(a.lower() not in asked and b.lower() not in asked for a, b in zip(words, words[1:])):
            return True
    return False


_NAME = re.compile(r"\b" + name_run() + r"|\b[A-Z]{3,}\b")  # acronyms of three letters or more: not "UK"


def names_the_role(text: str, asks: Asks) -> bool:
    """For "Who is the head of the HT?", a passage that names the role asked about, in the
    question's words or their plain ones ("boss" -> chair; ``Asks.roles``): the people a passage
    names without it ("...the rescue of Sam Sample...") don't hold that role."""
    asked = asks.roles
    return not asked or bool(asked & _text_terms(text))


def roles_asked(question: str, focus: Sequence[str] = ()) -> set[str]:
    """The terms of the role a who-question asks about ("commission" for "Who is the Commissioner?")."""
    no_title = _no_title()
    asked = set(terms(" ".join(m.group(1) for m in _ROLE_ASKED.finditer(question)))) - no_title
    return asked | (set(focus) & (_ROLE_TERMS - no_title)) if asked else set()


_ROLE_ASKED = re.compile(r"\b" + _ROLE + r"s?\b", re.IGNORECASE)
_ROLE_TERMS = frozenset(terms(_ROLE.strip("()").replace("|", " ")))


@lru_cache(maxsize=1)
def _no_title() -> frozenset[str]:
    """Roles a source names without the word (the domain file's; a founder is "founded by ...")."""
    return frozenset(t for role in domain.current().roles_said_without_the_word for t in terms(role))


@lru_cache(maxsize=1)
def place_pattern() -> re.Pattern[str]:
    """An address line: a street word, the domain file's address words, a city before a
    postcode's first half ("Exampleton AB1"), or a whole UK postcode."""
    d = domain.current()
    words = "|".join(re.escape(w) for w in (*_ADDRESS_WORDS, *d.address_words))
    cities = "".join(f"|{re.escape(c)} [A-Z]{{1,2}}\\d" for c in d.address_cities)
    return re.compile(rf"\b({words}{cities}|{_POSTCODE})\b")


@lru_cache(maxsize=1)
def phone_pattern() -> re.Pattern[str]:
    """A phone number: seven digits or more, or one of the domain file's short numbers."""
    short = "".join(rf"|\b{re.escape(n)}\b" for n in domain.current().phone_numbers)
    return re.compile(_PHONE_DIGITS + short)


def domain_changed() -> None:
    """Forget what was worked out from the previous domain (domain.use calls this)."""
    _no_title.cache_clear()
    place_pattern.cache_clear()
    phone_pattern.cache_clear()


def has_new_name(text: str, asks: Asks) -> bool:
    """A name of two or more capitalised words, or an acronym, with a word the question doesn't use
    ("Canal Friends" for "Who looks after the canals?")."""
    asked = asks.name_words
    return any(set(re.findall(r"[a-z']+", m.group(0).lower())) - asked - {"of", "for", "and", "the"}
               for m in _NAME.finditer(text))


def has_date(text: str, focus_terms: list[str], headline_share: float = 0.75) -> bool:
    """A date in the text. A date only in a headline's byline ("... | Harbour News | 21 Mar 2021")
    is when the piece was published: it dates the question's event only when the headline is
    about that event, i.e. holds most of the question's terms (with a follow-up's, the thread's:
    "[What is Harbour Renewal?] When does it end?" is not dated by "...where the river begins
    and ends | 11 Feb 2021")."""
    if not DATE_PATTERN.search(text):
        return False
    lines = text.split("\n")
    if any(DATE_PATTERN.search(line.split(" | ")[0]) for line in lines):
        return True  # a date in the text itself
    wanted = set(focus_terms)
    if not wanted:
        return True
    return any(len(wanted & set(terms(line.split(" | ")[0]))) >= headline_share * len(wanted)
               for line in lines if " | " in line and DATE_PATTERN.search(line))


def has_place(text: str, asks: Asks) -> bool:
    """An address, or "in/at/near" followed by a place the question doesn't name."""
    if place_pattern().search(text):
        return True
    asked = asks.words
    return any(
        m.group(2).lower() not in asked
        for m in re.finditer(r"\b(in|at|near|on|based in|located in)\s+(?:the\s+)?([A-Z][a-z]+)", text)
    )


def stands_for(question: str) -> str | None:
    """The acronym a question asks to spell out ("What does VHW stand for?" -> "VHW"), if any."""
    match = _STANDS_FOR.search(question)
    if not match:
        pointed = _THAT_STANDS_FOR.search(question)
        named = _ACRONYM_WORD.search(question[:pointed.start()]) if pointed else None
        return named.group(0) if named else None
    word = match.group(1) or match.group(2)
    # Two capitals at least: "What does the Trust stand for?" asks about its values, not its letters.
    return word if sum(ch.isupper() for ch in word) >= 2 else None


def acronym_asked(question: str) -> str | None:
    """The acronym a question asks about by itself: "What does VHW stand for?", "What is HT?"."""
    match = _WHAT_IS_ACRONYM.match(question.strip())
    return stands_for(question) or (match.group(1) if match else None)


def spells_out(text: str, acronym: str) -> bool:
    """Whether the text gives the acronym's words: "harbour trust (HT)", or a run of words whose
    initials spell it ("the Volunteer Harbour Wardens" for VHW)."""
    if re.search(rf"\({re.escape(acronym)}s?\)", text, re.IGNORECASE):
        return True
    want = letters(acronym) if len(letters(acronym)) > 1 else acronym.upper()
    words = re.findall(r"[\w'’&]+", text)
    capitalised = [w[:1].isupper() and w.upper() != acronym.upper() for w in words]
    return any(capitalised[i] and capitalised[end - 1] and spells(words[i:end], want)
               for i in range(len(words)) for end in range(i + len(want), min(len(words), i + 2 * len(want)) + 1))


def has_duration(text: str, focus: list[str]) -> bool:
    """A length of time in a sentence about what the question asks: "How long have I got to
    complain?" is not answered by "Ten years on from the Quayside Review..."."""
    about = set(focus) - _HOW_LONG
    return any(DURATION_PATTERN.search(sentence) and (not about or about & _text_terms(sentence))
               for sentence in re.split(r"(?<=[.!?])\s+|\n+", text))


_HOW_LONG = frozenset(terms("how long take takes taking"))


_FIGURE = re.compile(
    r"\d[\d,.]*|^(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty"
    r"|hundreds?|thousands?|millions?|dozens?)$",
    re.IGNORECASE,
)


def _is_date(words: list[str], i: int) -> bool:
    """A year ("2023", "2023-25") or a day before a month ("16 Nov"): a date, not a count."""
    word = words[i].strip(".,;:()")
    if re.fullmatch(r"(1[89]|20)\d\d([-–/](\d\d){1,2})?", word):
        return True  # "1802", "2021-23", "2015/16"
    nxt = words[i + 1].lower()[:3] if i + 1 < len(words) else ""
    return word.isdigit() and int(word) <= 31 and nxt in {m[:3] for m in MONTHS}


_CHECKS: dict[str, Callable[[str, Asks, list[str], dict[str, frozenset[str]]], bool]] = {
    "count": lambda text, asks, focus, aliases: counts_what_is_asked(text, asks, focus, aliases),
    "share": lambda text, asks, focus, aliases: mentions_figure(text, focus),
    "size": lambda text, asks, focus, aliases: any(_FIGURE.search(w) and not _is_date(text.split(), i)
                                                   for i, w in enumerate(text.split()) if any(ch.isdigit() for ch in w)),
    "date": lambda text, asks, focus, aliases: has_date(text, focus),
    "duration": lambda text, asks, focus, aliases: has_duration(text, focus),
    "time": lambda text, asks, focus, aliases: bool(TIME_PATTERN.search(text)),
    "expansion": lambda text, asks, focus, aliases: spells_out(text, asks.acronym or ""),
    "person": lambda text, asks, focus, aliases: has_person_name(text, asks) and names_the_role(text, asks),
    "name": lambda text, asks, focus, aliases: has_new_name(text, asks),
    "place": lambda text, asks, focus, aliases: has_place(text, asks),
    "address": lambda text, asks, focus, aliases: bool(place_pattern().search(text)),
    "phone": lambda text, asks, focus, aliases: bool(phone_pattern().search(text)),
    "email": lambda text, asks, focus, aliases: bool(EMAIL_PATTERN.search(text)),
    "postcode": lambda text, asks, focus, aliases: bool(POSTCODE_PATTERN.search(text)),
    # An amount of money, and a figure by what the question is about ("a salary of £30,000").
    "money": lambda text, asks, focus, aliases: bool(MONEY_PATTERN.search(text)) and mentions_figure(text, focus),
}


# What a question asks for, by its opening word: its kind (the fitted scorer crosses it with what
# a span holds).
_WH = (("when", r"^(when|what year|which year|in what year|what date|how long ago)\b"),
       ("who", r"^(who|whom|whose)\b"), ("count", r"^(how many|how much)\b"), ("where", r"^where\b"),
       ("which", r"^(which|what)\b"), ("why", r"^why\b"), ("how", r"^how\b"))
_WH_RE = [(name, re.compile(pattern)) for name, pattern in _WH]
WH_CLASSES = [name for name, _ in _WH] + ["other"]


def wh_class(question: str) -> str:
    """The question's kind by its opening word (one of ``WH_CLASSES``): "when", "who", "count"..."""
    q = question.strip().lower()
    q = re.sub(r"^(and|so|but|also|ok|okay|then)\b[, ]*", "", q)
    for name, pattern in _WH_RE:
        if pattern.search(q):
            return name
    return "other"


# "What is X?", "and what does X mean?": X is the question's subject, which a definition of it
# opens with ("X is ...", "X: ...").
_DEFINITION_Q = re.compile(r"^(?:and |so )?(?:(?:what|who)\s+(?:is|are|was|were)\s+(?:the |an? )?(.+?)"
                            r"|what\s+(?:does|do|did)\s+(?:the |an? )?(.+?)\s+mean)\s*\??$", re.I)
# "When is the next board meeting?" asks about the future.
_NEXT = re.compile(r"\b(next|upcoming|coming up|will (?:the |it |they |there )?\w+ (?:be )?(?:held|published|meet|happen))\b",
                   re.IGNORECASE)


# "What are the Trust's values?", "which principles guide it?", "list the support teams":
# the plural noun names what the list is of.
_LIST_QUESTION = re.compile(
    r"^(?:what|which)\s+(?:are|were)\s+(?:the\s+|its\s+|their\s+|our\s+|[\w’'-]+(?:'s|’s)\s+)*"
    r"(?:[\w&-]+\s+){0,3}?(?P<head>[a-z]+s)\b(?:\s+(?:of|for|in|at|that|which|does|do|did)\b.*)?\s*\??\s*$"
    r"|^(?:list|name)\s+(?:the\s+|its\s+|their\s+|[\w’'-]+(?:'s|’s)\s+)*(?:[\w&-]+\s+){0,3}?(?P<head2>[a-z]+s)\b",
    re.IGNORECASE,
)
_STRUCTURE_QUESTION = re.compile(r"\bhow\s+(?:is|are|was)\b.*\b(structured|organised|organized|set up|made up)\b", re.I)
_NOT_LIST_HEADS = frozenset("is was has does this its".split())


def list_head(question: str) -> list[str]:
    """The terms naming what a list question asks for ("values"), or [] for other questions."""
    q = question.strip()
    if _STRUCTURE_QUESTION.search(q):
        return terms("structure")
    match = _LIST_QUESTION.match(q)
    if not match:
        return []
    head = (match.group("head") or match.group("head2") or "").lower()
    return [] if head in _NOT_LIST_HEADS else terms(head)


@dataclass(frozen=True)
class Asks:
    """What a question asks for, read from its words once (``read_asks``): every candidate span
    is then held against this, never against the question's text again."""

    wanted: AnswerType | None = None  # the kind of text that answers (``expected_type``)
    kind: str = "other"  # its opening word's class (``wh_class``)
    words: frozenset[str] = frozenset()  # its lower-case words: a name it gives is no new name
    name_words: frozenset[str] = frozenset()  # the same, apostrophes kept ("met's")
    counted: tuple[str, ...] = ()  # the terms of what a number question counts (``counted_phrase``)
    workforce: bool = False  # "How many people work for it?" (``workforce_asked``)
    acronym: str | None = None  # the acronym asked about by itself (``acronym_asked``)
    roles: frozenset[str] = frozenset()  # the role a who-question asks about, with the focus's role terms
    change: bool = False  # whether something grew or shrank (``asks_about_change``)
    future: bool = False  # "When is the next meeting?": a date after the source's own
    definition: frozenset[str] = frozenset()  # the terms of X in "What is X?" or "What does X mean?"
    list_head: tuple[str, ...] = ()  # the terms naming the list asked for ("values"; ``list_head``)
    noun: str = ""  # "Which charter...?", "What kind of arches...?": the word it asks to be named (``asked_noun``)
    negated: bool = False  # "Who did it not consult?": answered by a passage saying a negative (``asks_negated``)

    def __post_init__(self) -> None:
        if self.kind not in WH_CLASSES:
            raise ValueError(f"question kind must be one of {', '.join(WH_CLASSES)}, got {self.kind!r}")


_ASKED_NOUN = re.compile(
    r"^(?:which|what)\s+(?:(?:kind|kinds|type|types|sort|sorts|form|forms) of\s+)?"
    r"(?!(?:is|are|was|were|do|does|did|can|could|would|should|has|have|had|will|of|the|a|an)\b)([a-z]{3,})\b",
    re.IGNORECASE,
)


def asked_noun(question: str) -> str:
    """The noun right after "which"/"what" (past "kind of"), lower-cased: "Which charter was
    signed?" asks for a charter's name; "" when the question opens otherwise."""
    m = _ASKED_NOUN.match(without_lead_in(question).strip())
    return m.group(1).lower() if m else ""


def read_asks(question: str, focus: Sequence[str] = ()) -> Asks:
    """What ``question`` asks for; ``focus``: the terms a role is looked for among (a follow-up's own)."""
    lowered = question.lower()
    definition = _DEFINITION_Q.match(question.strip())
    kind = wh_class(question)
    return Asks(wanted=expected_type(question), kind=kind,
                words=frozenset(re.findall(r"[a-z]+", lowered)), name_words=frozenset(re.findall(r"[a-z']+", lowered)),
                counted=tuple(counted_phrase(question)), workforce=workforce_asked(question),
                acronym=acronym_asked(question), roles=frozenset(roles_asked(question, focus)),
                change=asks_about_change(question), future=bool(_NEXT.search(question)),
                definition=frozenset(terms(definition.group(1) or definition.group(2))) if definition else frozenset(),
                list_head=tuple(list_head(question)), noun=asked_noun(question),
                negated=asks_negated(question, kind))
