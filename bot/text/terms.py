"""The one tokenizer for everything lexical: ``terms()`` and its stop words.

BM25 (``retrieval``), answer scoring (``answering``), question analysis (``query``) and the
term lookups of the index all compare text through ``terms()``: lower-cased, stop-word-free,
stemmed word tokens. Editing ``STOPWORDS`` changes all of them at once, and the search index
(BM25 is rebuilt from the chunks at start-up) with them.
"""

from __future__ import annotations

import re
from functools import lru_cache

STOPWORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before being
below between both but by can can't could couldn't did didn't do does doesn't doing don't down during each
few for from further get got had has have having he her here hers herself him himself his how i i'd i'll
i'm i've if in into is isn't it it's its itself just know let's like me might more most much must my
myself need no nor not now of off on once only or other ought our ours ourselves out over own please
same shall she should so some such tell than that that's the their theirs them themselves then there
there's these they they're this those through to too under until up us very want was wasn't we were
what what's when where which while who who's whom why will with would you your yours yourself many
yourselves anyone anything someone something thing things really currently actually mean means meant meaning
else sort sorts type types stuff lot lots exactly basically bit bits kinda sorta describe info
reckon wondering wonder guess mate innit hey hi hello thanks cheers anyway nowadays gonna wanna gotta ok okay yeah um pls
say says said saying
still though although particularly especially quite rather pretty literally maybe perhaps
""".split())

_WORD = re.compile(r"[a-z0-9£%]+(?:['’][a-z]+)?")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


# Past forms the stemmer would confuse with another word: "found" (find) is not "founded" (found).
_IRREGULAR = {"found": "find"}


def terms(text: str) -> list[str]:
    """Lower-cased, stop-word-free, stemmed word tokens ("Complaints" -> "complaint")."""
    words = [w.replace("’", "'") for w in _WORD.findall(text.lower())]
    words = [w[:-2] if w.endswith("'s") else w for w in words]
    words = [_IRREGULAR.get(w, w) for w in words]
    kept = [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(kept) if kept else []
