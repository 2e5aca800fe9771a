"""The one tokenizer for everything lexical: ``terms()`` and its stop words.

BM25 (``retrieval``), answer scoring (``answering``), question analysis (``query``) and the
term lookups of the index all compare text through ``terms()``: lower-cased, stop-word-free,
stemmed word tokens. ``STOPWORDS`` is the standard English list bm25s ships plus this module's
``CHAT_FILLER``; editing it changes all of them at once, and the search index (BM25 is rebuilt
from the chunks at start-up) with them.
"""

from __future__ import annotations

from collections.abc import Iterable
import re
import unicodedata
from functools import lru_cache

from bm25s.stopwords import STOPWORDS_EN_PLUS

# English function words: NLTK's standard list, as bm25s ships it (179 words), plus the words a
# question typed into a chat carries that say nothing of what it asks: modal and helper verbs,
# "anything", "someone", chat filler ("mate", "reckon", "gonna"), contractions as typed.
CHAT_FILLER = frozenset("""
also although anyone anything anyway can't could currently describe else especially exactly get got gotta gonna
guess hello hey hi i'd i'll i'm i've info innit kinda know let's like literally lot lots many mate maybe mean
meaning means meant might much must need nowadays ok okay ought particularly perhaps please pls pretty quite
rather really reckon said say saying says shall someone something sort sorta sorts still stuff tell thanks
that's there's they're thing things though type types um us wanna want what's who's wonder wondering would
yeah actually basically bit bits cheers
""".split())
# The list also holds what a tokenizer splitting "won't" at the apostrophe leaves of it ("won",
# "don"); this one keeps "won't" whole, so those stay words ("Who won the battle?").
_SPLIT_CONTRACTIONS = frozenset(w[:-2] for w in STOPWORDS_EN_PLUS if w.endswith("n't"))
STOPWORDS = (frozenset(STOPWORDS_EN_PLUS) - _SPLIT_CONTRACTIONS) | CHAT_FILLER

_WORD = re.compile(r"(?:[^\W_]|[£%])+(?:['’][^\W_]+)?")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """The stem ``terms()`` gives a lower-case word ("invented" -> "invent")."""
    return _stemmer().stemWord(word)


def stems(words: Iterable[str]) -> set[str]:
    """The stems of many words at once (one call into the stemmer: a dictionary's worth is quick)."""
    return set(_stemmer().stemWords(list(words)))


# Past forms the stemmer would confuse with another word: "found" (find) is not "founded" (found).
_IRREGULAR = {"found": "find"}


def fold(text: str) -> str:
    """Lower case without accents ("Céloron" -> "celoron"): typed questions often drop them."""
    text = text.lower()
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def terms(text: str) -> list[str]:
    """Lower-cased, accent-free, stop-word-free, stemmed word tokens ("Complaints" -> "complaint")."""
    words = [w.replace("’", "'") for w in _WORD.findall(fold(text))]
    words = [w[:-2] if w.endswith("'s") else w for w in words]
    words = [_IRREGULAR.get(w, w) for w in words]
    kept = [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(kept) if kept else []
