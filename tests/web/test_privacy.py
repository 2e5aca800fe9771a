"""Redaction of personal details in kept question text."""

from __future__ import annotations

import pytest

from bot.web.privacy import QuestionPolicy, cutoff, redact


@pytest.mark.parametrize("text, expected", [
    ("email me at jo.bloggs+met@example.co.uk please", "email me at [email] please"),
    ("call 07700 900123", "call [phone]"),
    ("call +44 20 7946 0958 today", "call [phone] today"),
    ("ring (020) 7946-0958", "ring [phone]"),
    ("I live at SW1A 1AA", "I live at [postcode]"),
    ("postcode e1 6an", "postcode [postcode]"),
    ("crime ref 4401 2345 6789", "crime ref [number]"),
    ("account 12345678", "account [number]"),
])
def test_personal_details_are_redacted(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "Call 101 to make a complaint",
    "How many officers did the Met have in 2024?",
    "What did the IPCC become in 2018?",
    "Is 30,500 officers a lot?",
    "Who is the Commissioner?",
])
def test_ordinary_questions_are_left_alone(text):
    assert redact(text) == text


def test_policy_keeps_text_only_when_asked():
    key = QuestionPolicy.new_key()
    assert QuestionPolicy(key).text("mail a@b.com") is None
    assert QuestionPolicy(key, keep_text=True).text("mail a@b.com") == "mail [email]"
    with pytest.raises(ValueError, match="at least 16 bytes"):
        QuestionPolicy(b"short")
    with pytest.raises(ValueError, match="retention_days must be a positive integer"):
        cutoff(-1)
