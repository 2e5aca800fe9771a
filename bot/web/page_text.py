"""What the chat page says about its sources, read from a data file: the title, the line under it,
the placeholders and the example questions offered in an empty chat.

The wording is configuration: ``bot/data/chat.toml`` by default, or the file named by
``Settings.chat_file`` (``BOT_CHAT_FILE``); ``BOT_CHAT_FILE=""`` runs with the generic wording
below and no example questions. A file may give some keys and leave the rest generic. Nothing
about a particular corpus is written here. This module does not render pages.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

CHAT_FILE = Path(__file__).parent.parent / "data" / "chat.toml"  # bot/data: shared by the subpackages


@dataclass(frozen=True)
class PageText:
    title: str = "Ask the sources"
    intro: str = ("Answers are quoted word for word from published pages. Every quote links to its source; "
                  "if the sources don't cover a question, you'll be told so.")
    chat_placeholder: str = "Ask a question about the sources."  # shown in the empty conversation
    question_placeholder: str = "Ask a question about the sources…"  # shown in the empty question box
    examples: tuple[str, ...] = ()  # questions offered in an empty chat, asked with one click

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "examples":
                if not isinstance(value, tuple) or not all(isinstance(q, str) and q.strip() for q in value):
                    raise ValueError(f"examples must be a list of questions, got {value!r}")
            elif not isinstance(value, str) or not value.strip():
                raise ValueError(f"{f.name} must be a non-empty string, got {value!r}")

    @classmethod
    def load(cls, path: str | Path | None = None) -> "PageText":
        """The wording in ``path`` (None: the shipped ``data/chat.toml``; "": the generic wording)."""
        if path == "":
            return cls()
        path = Path(path) if path is not None else CHAT_FILE
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8")).get("chat", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"cannot read the chat file {path}: {exc}") from None
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{path}: unknown key(s) {', '.join(sorted(unknown))} in [chat]; "
                             f"expected {', '.join(sorted(known))}")
        if isinstance(data.get("examples"), list):
            data["examples"] = tuple(data["examples"])
        try:
            return cls(**data)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
