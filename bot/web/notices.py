"""What the chat tells people beyond its quotes, read from a data file: a standing note (this is
an unofficial guide; the emergency and non-emergency numbers), a notice that starts the answer
to any question that reads as urgent, and where to ask instead when the sources don't cover a
question.

The wording, and the patterns that make a question "read as urgent", are configuration:
``bot/data/notices.toml`` by default, or the file named by ``Settings.notices_file``
(``BOT_NOTICES_FILE``). Nothing about a particular service or corpus is written here. This
module does not answer questions or render pages.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.schema import Answer

NOTICES_FILE = Path(__file__).parent.parent / "data" / "notices.toml"  # bot/data: shared by the subpackages


@dataclass(frozen=True)
class Notices:
    note: str  # always visible
    urgent: str  # starts the answer to an urgent question
    abstain: str  # ends every abstention: where to ask instead
    urgent_patterns: tuple[str, ...]

    def __post_init__(self) -> None:
        for name in ("note", "urgent", "abstain"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"notice {name!r} must be a non-empty string, got {value!r}")
        if not self.urgent_patterns:
            raise ValueError("urgent patterns must not be empty: no question could ever read as urgent")
        compiled = []
        for pattern in self.urgent_patterns:
            try:
                compiled.append(re.compile(pattern, re.IGNORECASE))
            except (re.error, TypeError) as exc:
                raise ValueError(f"urgent pattern {pattern!r} is not a valid regular expression: {exc}") from None
        object.__setattr__(self, "_compiled", tuple(compiled))

    @classmethod
    def load(cls, path: Path | None = None) -> "Notices":
        """The notices in ``path`` (default: the shipped ``data/notices.toml``); errors name the file."""
        path = Path(path) if path is not None else NOTICES_FILE
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            return cls(
                note=data["note"],
                urgent=data["urgent"]["text"],
                abstain=data["abstain"]["text"],
                urgent_patterns=tuple(data["urgent"]["patterns"]),
            )
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"cannot read the notices file {path}: {exc}") from None
        except (KeyError, TypeError) as exc:
            raise ValueError(f"the notices file {path} lacks {exc} (needs note, urgent.text, "
                             "urgent.patterns and abstain.text)") from None
        except ValueError as exc:
            raise ValueError(f"the notices file {path}: {exc}") from None

    def reads_urgent(self, question: str) -> bool:
        """Whether the question matches one of the urgent patterns."""
        text = " ".join(question.split())
        return any(p.search(text) for p in self._compiled)  # type: ignore[attr-defined]

    def leading(self, question: str) -> str:
        """The notice that starts the answer, or ""."""
        return self.urgent if self.reads_urgent(question) else ""

    def trailing(self, answer: Answer) -> str:
        """The notice that ends the answer: where to ask instead, on an abstention; else ""."""
        return self.abstain if not answer.answered and answer.error is None else ""

    def for_answer(self, question: str, answer: Answer) -> list[str]:
        """The notices for this question and answer, in order (the API's ``notices`` field)."""
        return [n for n in (self.leading(question), self.trailing(answer)) if n]
