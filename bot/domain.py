"""Knowledge of one corpus's world, as data (``bot/data/domain.toml``), never as code.

The engine works without it: ``Domain()`` is empty, and ``BOT_DOMAIN_FILE=""`` runs that way.
``qtype.py`` reads the words through ``current()``; ``Engine.from_index`` installs the domain
its settings name with ``use()``. It is process-wide, like the model: one corpus's world at a time.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

DOMAIN_FILE = Path(__file__).parent / "data" / "domain.toml"
_FIELDS = ("not_person_names", "address_words", "address_cities", "roles_said_without_the_word")


@dataclass(frozen=True)
class Domain:
    not_person_names: frozenset[str] = frozenset()
    address_words: tuple[str, ...] = ()
    address_cities: tuple[str, ...] = ()
    roles_said_without_the_word: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path) -> "Domain":
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"cannot read the domain file {path}: {exc}") from None
        unknown = set(data) - set(_FIELDS)
        if unknown:
            raise ValueError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; expected {', '.join(_FIELDS)}")
        for key, value in data.items():
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ValueError(f"{path}: {key} must be a list of words, got {value!r}")
        return cls(frozenset(data.get("not_person_names", ())), tuple(data.get("address_words", ())),
                   tuple(data.get("address_cities", ())), tuple(data.get("roles_said_without_the_word", ())))


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
    from . import qtype

    qtype.domain_changed()
