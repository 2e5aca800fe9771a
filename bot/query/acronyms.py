"""Acronyms and their full names, learned from the documents themselves.

Two ways a text defines an acronym:
- in brackets after the name: "The Office of the Harbour Inspector for Rivers & Canals
  (OHIRC)";
- by using it near a name with the same initials: "The HT Safe Moorings Group has
  completed ... The SMG has also ...".
The name kept is the shortest run of words, ending where the acronym starts, whose capitalised
initials spell the acronym ("Governance The Exampleton Harbour Trust (EHT)" gives
"Exampleton Harbour Trust").
"""

from __future__ import annotations

import re
import threading
from typing import Sequence, TypeVar

from bot.text.terms import terms
from bot.schema import Document

TermSet = TypeVar("TermSet", set[str], frozenset[str])  # with_equivalents gives back the kind it is given

# A run of name words (capitalised, or small joining words) right before "(ACRONYM)".
_BRACKETED = re.compile(r"((?:[A-Z][\w'’]*,?\s+|(?:of|for|and|the|&|on|in)\s+){1,14})\(([A-Z][A-Za-z]{1,7})\)")


def name_run(joiners: Sequence[str] = ("of", "for", "and", "the", "&"), comma: bool = False) -> str:
    """Regex source for a run of capitalised words, small joining words allowed between them:
    "Office for Harbours and Canals", "City of Exampleton Police"."""
    word = r"[A-Z][\w'’]*"
    join = "|".join(map(re.escape, joiners))
    return rf"{word}(?:{',?' if comma else ''}\s+(?:(?:{join})\s+)*{word})+"


_CAPITALISED_RUN = re.compile(r"\b" + name_run(("of", "for", "and", "the", "&", "on", "in"), comma=True))
_ACRONYM_WORD = re.compile(r"\b[A-Z][A-Z&]{1,7}s?\b|\b[A-Z][a-z]?[A-Z][A-Za-z]{0,5}\b")


def letters(acronym: str) -> str:
    """The capital letters an acronym spells: "DfE" -> "DE", "VHWs" -> "VHW"."""
    return "".join(ch for ch in acronym if ch.isupper())


def spells(words: list[str], want: str) -> bool:
    """True when the words' initials spell ``want``: capitalised words must each give the next
    letter; small words ("and", "of") may or may not ("Office for Harbours and Canals" -> OHAC)."""
    def match(i: int, j: int) -> bool:
        if i == len(words):
            return j == len(want)
        initial = words[i][0].upper()
        takes = j < len(want) and initial == want[j] and match(i + 1, j + 1)
        return takes or (not words[i][0].isupper() and match(i + 1, j))
    return match(0, 0)


def name_for(words: list[str], acronym: str) -> str | None:
    """The shortest tail of ``words``, starting with a capitalised word, that spells the acronym."""
    want = letters(acronym)
    for start in range(len(words) - 1, -1, -1):
        tail = [w.rstrip(",") for w in words[start:]]
        if tail[0][:1].isupper() and spells(tail, want):
            return " ".join(words[start:]).rstrip(",")
        if sum(w[:1].isupper() for w in tail) > len(want):
            break
    return None


def _keys(acronym: str) -> list[str]:
    """The keys an acronym the documents write is known by: a plural ("VHWs") by its singular
    too, so that a question saying "VHW" finds it from the start, not only once someone asked."""
    plural = acronym.endswith("s") and acronym[:-1].isupper()
    return [acronym.upper()] + ([acronym[:-1]] if plural else [])


# At most this many acronyms that questions used and the documents never spell out are
# remembered as such; questions are anyone's words, so the memo must not grow without end.
MAX_UNRESOLVED = 4096


class AcronymMap:
    """Acronym <-> full name, learned from the documents."""

    def __init__(self, pairs: dict[str, set[str]] | None = None, names: Sequence[list[str]] = ()) -> None:
        self.pairs = pairs or {}
        # Acronyms the documents write; those learned later from questions ("XRL") are written nowhere.
        self._written = frozenset(self.pairs)
        # Capitalised runs of words in the documents: where an acronym only a question uses
        # ("XRL") may be spelled out ("Exampleton River Line").
        self._runs = list(names)
        self._unresolved: frozenset[str] = frozenset()
        self._lower_names: dict[str, str] | None = None  # built on first use (names_in)
        self._lock = threading.Lock()

    @classmethod
    def from_documents(cls, documents: Sequence[Document]) -> "AcronymMap":
        pairs: dict[str, set[str]] = {}
        for doc in documents:
            for match in _BRACKETED.finditer(doc.body):
                acronym = match.group(2)
                name = name_for(match.group(1).split(), acronym)
                if name:
                    for key in _keys(acronym):
                        pairs.setdefault(key, set()).add(name)
        # Acronyms used without brackets: look for a name with the same initials in the same text.
        all_runs: dict[str, list[str]] = {}
        for doc in documents:
            runs = [m.group(0).split() for m in _CAPITALISED_RUN.finditer(doc.body)]
            all_runs.update((" ".join(r), r) for r in runs)
            for acronym in sorted({m.group(0) for m in _ACRONYM_WORD.finditer(doc.body)}):
                key = acronym.upper()
                if key in pairs or len(letters(acronym)) < 3:
                    continue
                name = _spelled_in(runs, acronym)
                if name:
                    for key in _keys(acronym):
                        pairs.setdefault(key, set()).add(name)
        return cls(pairs, list(all_runs.values()))

    def term_equivalents(self) -> list[tuple[frozenset[str], frozenset[str]]]:
        """(acronym's terms, a full name's terms) pairs, for matching either against the other."""
        return [(frozenset(terms(acronym)), frozenset(terms(name)))
                for acronym, names in self.pairs.items() for name in names if terms(acronym) and terms(name)]

    def names_in(self, text: str) -> list[str]:
        """The corpus's own multi-word names that the text uses, whatever its case: "how many
        wardens does the city of exampleton trust have" -> ["City of Exampleton Trust"]."""
        if self._lower_names is None:
            names: dict[str, str] = {}
            for run in self._runs:
                for i in range(len(run)):
                    for j in range(i + 2, len(run) + 1):
                        part = run[i:j]
                        if part[0] != "The" and part[0][:1].isupper() and part[-1][:1].isupper():
                            names.setdefault(" ".join(w.lower() for w in part), " ".join(part))
            self._lower_names = names
        words = re.findall(r"[\w'’&+-]+", text.lower())
        found = [self._lower_names[" ".join(words[i:j])] for i in range(len(words))
                 for j in range(i + 2, min(len(words), i + 8) + 1) if " ".join(words[i:j]) in self._lower_names]
        # The longest names only: "city of london police", not also "city of london".
        return [n for n in found if not any(n != m and n.lower() in m.lower() for m in found)]

    def names_written_in(self, text: str) -> list[str]:
        """The full name of each acronym the text writes in capitals ("OHIRC", "VHWs"), once:
        a passage saying "OHIRC" speaks of the Office of the Harbour Inspector..."""
        written = dict.fromkeys(key for w in re.findall(r"\b[A-Z][A-Z&]+s?\b", text)
                                for key in [w.upper() if w.upper() in self.pairs else w.rstrip("s")] if key in self.pairs)
        return [min(sorted(self.pairs[key]), key=len) for key in written]

    def names_for(self, acronym: str) -> set[str]:
        return self.pairs.get(acronym.upper(), set())

    def learn_from(self, text: str) -> None:
        """Resolve acronyms a question uses that the documents never write ("XRL") but spell out.

        What is learned depends on the documents alone (a question only says which acronym to
        look up), so it is kept for every later question; the memo of acronyms the documents do
        not spell out is bounded (``MAX_UNRESOLVED``)."""
        for acronym in {m.group(0) for m in _ACRONYM_WORD.finditer(text)}:
            key = acronym.upper()
            if key in self.pairs or key in self._unresolved or len(letters(acronym)) < 3 or acronym != key:
                continue
            name = _spelled_in(self._runs, acronym)
            with self._lock:  # copy on write: other threads may be reading the old dict
                if name:
                    self.pairs = {**self.pairs, key: {name}}
                elif len(self._unresolved) < MAX_UNRESOLVED:
                    self._unresolved = self._unresolved | {key}

    def acronyms_in(self, text: str) -> list[str]:
        """Known acronyms the text uses ("What is the SMG?" -> ["SMG"])."""
        return [w.upper() for w in re.findall(r"[A-Za-z&]+", text) if len(w) > 1 and w.upper() in self.pairs
                and (w.isupper() or len(w) > 2)]

    def expand(self, question: str) -> list[str]:
        """Extra lexical terms: full names of acronyms in the question, and acronyms of full names."""
        extra: list[str] = []
        words = set(re.findall(r"[A-Za-z]+", question))
        lowered = question.lower()
        for acronym, names in self.pairs.items():
            if acronym in words or acronym.lower() in {w.lower() for w in words if len(w) > 2}:
                # Names differing only in spelling ("Warden’s" / "Warden's") add their terms once.
                for name_terms in dict.fromkeys(tuple(terms(name)) for name in sorted(names)):
                    extra.extend(name_terms)
            elif acronym in self._written and any(name.lower() in lowered for name in names):
                # (Only an acronym the documents write: one learned from an earlier question would
                # add a term no passage has, and make this question's answer depend on that one.)
                extra.extend(terms(acronym))
        return extra


def _spelled_in(runs: Sequence[list[str]], acronym: str) -> str | None:
    """The first name, within the runs of capitalised words, that spells the acronym."""
    want = set(letters(acronym))
    for words in runs:
        if not want <= {w[0].upper() for w in words}:
            continue  # some letter has no word to give it
        for end in range(len(words), 0, -1):
            name = name_for(words[:end], acronym)
            if name and name != acronym:
                return name
    return None


def with_equivalents(found: TermSet, pairs: list[tuple[frozenset[str], frozenset[str]]]) -> TermSet:
    """``found`` plus the full name's terms of each acronym in it, and the acronym of each full name in it."""
    extra: set[str] = set()
    for short, full in pairs:
        if short <= found:
            extra |= full
        elif full <= found:
            extra |= short
    return found | extra
