"""What the stores may keep of a question: a keyed hash always, the text only when allowed and redacted.

``redact`` replaces e-mail addresses, phone numbers, UK postcodes and long digit runs (account,
crime reference or card numbers) with a bracketed label; ``QuestionPolicy`` applies the
operator's setting (``keep_question_text``) and hashes the question with a key kept in the
store itself, so repeats of one question can be counted without storing it. The hash is not
anonymisation against someone who holds the store and guesses a question: it keeps the text
out of the file, nothing more. ``cutoff`` gives the oldest time a row may have under the
retention period. This module stores nothing itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

# Order matters: e-mails before digit runs (an address may hold digits), postcodes before
# phone numbers (neither eats the other, but a postcode's digits are short).
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# UK and international numbers: "+44 20 7946 0958", "020 7946 0958", "07700 900123", "(020) 7946-0958".
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(0\)\s?)?|\(0\d{1,4}\)[\s.-]?|0)\d[\d\s.-]{6,15}\d(?!\w)")
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s*\d[A-Z]{2}\b", re.IGNORECASE)
# Five digits or more (spaces or dashes allowed between groups): references, accounts, cards.
_DIGITS = re.compile(r"(?<!\w)\d(?:[\s-]?\d){4,}(?!\w)")

REDACTIONS = (("[email]", _EMAIL), ("[postcode]", _POSTCODE), ("[phone]", _PHONE), ("[number]", _DIGITS))


def redact(text: str) -> str:
    """``text`` with personal details replaced by "[email]", "[postcode]", "[phone]", "[number]"."""
    for label, pattern in REDACTIONS:
        text = pattern.sub(label, text)
    return text


def normalise(question: str) -> str:
    """The form that is hashed: case and spacing don't make a question new."""
    return " ".join(question.lower().split())


@dataclass(frozen=True)
class QuestionPolicy:
    """How a question is stored: ``key`` for the hash, and whether its (redacted) text is kept."""

    key: bytes
    keep_text: bool = False

    def __post_init__(self) -> None:
        if len(self.key) < 16:
            raise ValueError(f"the hashing key must be at least 16 bytes, got {len(self.key)}")

    @staticmethod
    def new_key() -> bytes:
        return secrets.token_bytes(32)

    def digest(self, question: str) -> str:
        return hmac.new(self.key, normalise(question).encode("utf-8"), hashlib.sha256).hexdigest()

    def text(self, question: str) -> str | None:
        """What may be stored of the question's text: None by default, else redacted."""
        return redact(question) if self.keep_text else None


def cutoff(retention_days: int, now: datetime | None = None) -> str:
    """ISO time before which stored rows have outlived ``retention_days``."""
    if not isinstance(retention_days, int) or retention_days <= 0:
        raise ValueError(f"retention_days must be a positive integer, got {retention_days!r}")
    now = now or datetime.now(timezone.utc)
    return (now - timedelta(days=retention_days)).isoformat(timespec="seconds")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
