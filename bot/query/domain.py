"""Knowledge of one corpus's world, as data (``bot/data/domain.toml``), never as code.

The engine works without it: ``Domain()`` is empty, and ``BOT_DOMAIN_FILE=""`` runs that way.
``qtype.py`` and ``conversation.py`` (the informal wording of the corpus's readers, mapped to
its sources' words) read it through ``current()``; ``Engine.from_index`` installs the domain
its settings name with ``use()``. It is process-wide, like the model: one corpus's world at a time.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

DOMAIN_FILE = Path(__file__).parent.parent / "data" / "domain.toml"  # bot/data: shared by the subpackages
_WORD_LISTS = ("not_person_names", "address_words", "address_cities", "roles_said_without_the_word",
               "ranks", "workforce_words", "phone_numbers")
_FIELDS = (*_WORD_LISTS, "colloquial")
_SCOPES = ("both", "lexical")


@dataclass(frozen=True)
class Domain:
    not_person_names: frozenset[str] = frozenset()
    address_words: tuple[str, ...] = ()
    address_cities: tuple[str, ...] = ()
    roles_said_without_the_word: tuple[str, ...] = ()
    ranks: frozenset[str] = frozenset()  # titles of rank before a person's name, besides the general ones
    workforce_words: tuple[str, ...] = ()  # kinds of people who work there, besides staff, employees...
    phone_numbers: tuple[str, ...] = ()  # short numbers that are whole phone numbers there
    # How the corpus's readers word things -> the words its sources use: (phrase, plain words,
    # "both" | "lexical"), read by conversation.Colloquial.
    colloquial: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def load(cls, path: Path) -> "Domain":
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"cannot read the domain file {path}: {exc}") from None
        unknown = set(data) - set(_FIELDS)
        if unknown:
            raise ValueError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; expected {', '.join(_FIELDS)}")
        for key in _WORD_LISTS:
            value = data.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ValueError(f"{path}: {key} must be a list of words, got {value!r}")
        colloquial = data.get("colloquial", {})
        if not isinstance(colloquial, dict):
            raise ValueError(f"{path}: colloquial must be a table of \"phrase\" = [\"plain words\", \"both\"|\"lexical\"], "
                             f"got {colloquial!r}")
        for phrase, value in colloquial.items():
            if (not phrase.strip() or not isinstance(value, list) or len(value) != 2
                    or not isinstance(value[0], str) or not value[0].strip() or value[1] not in _SCOPES):
                raise ValueError(f"{path}: colloquial {phrase!r} must be [\"plain words\", \"both\"|\"lexical\"], "
                                 f"got {value!r}")
        return cls(frozenset(data.get("not_person_names", ())), tuple(data.get("address_words", ())),
                   tuple(data.get("address_cities", ())), tuple(data.get("roles_said_without_the_word", ())),
                   frozenset(data.get("ranks", ())), tuple(data.get("workforce_words", ())),
                   tuple(data.get("phone_numbers", ())),
                   tuple((phrase, plain, scope) for phrase, (plain, scope) in colloquial.items()))


_current: Domain | None = None


def current() -> Domain:
    """The domain in use: the one installed by ``use``, else the shipped file."""
    global _current
    if _current is None:
        _current = Domain.load(DOMAIN_FILE)
    return _current


def use(domain: Domain) -> None:
    global _current
    _current = domain
    from bot.query import qtype

    qtype.domain_changed()
