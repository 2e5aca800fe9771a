"""The answer JSON of ``python -m bot ask --json`` and ``POST /api/ask`` as pydantic models.

- ``AnswerOut`` (with ``CitationOut``, ``SupportOut``) is the response. ``schema.Answer.to_dict``
  writes it (the bytes sent are that dict's JSON, never a re-serialisation of these models), and
  the tests validate its output against ``AnswerOut`` with unknown fields forbidden, so the two
  cannot drift apart. FastAPI turns these models into the OpenAPI schema at /openapi.json.
- The request's models (``AskRequest``, ``ApiAskRequest``) are in ``validate.py``, beside the
  function that checks every request with them.

This module holds shapes only: it does not answer, read files or speak HTTP.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonDict

from bot.schema import SupportReason


def _drop_default(schema: JsonDict) -> None:
    schema.pop("default", None)


def _absent_or(description: str) -> Any:
    """A field that is left out when it has no value, never sent as null: no default in the schema.

    Typed ``Any`` because the default (None) is not a value of the field's type: the models only
    describe and check the JSON, where such a field is absent.
    """
    return Field(default=None, description=description, json_schema_extra=_drop_default)


class CitationOut(BaseModel):
    """A quoted passage: ``quote`` is exactly ``body[start:end]`` of document ``doc_id``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    doc_id: str
    title: str
    start: int = Field(ge=0)
    end: int = Field(ge=1)
    quote: str = Field(description="exactly body[start:end] of the document")
    date: str = Field(description="the source's date, or 'undated'")
    archived: bool
    # Absent (not null) when the source states no address: no default in the schema.
    url: str = _absent_or("the source page's own address, only where it states one")


class SupportOut(CitationOut):
    """A quote offered beside the lead, and why."""

    why: SupportReason = Field(
        description="other_source: another source says the same; conflicting_value: another source's different "
                    "figure (newest source first); replaced_by: a quoted body was replaced; continues: the same "
                    "source goes on with something the lead lacks")


class AnswerOut(BaseModel):
    """The answer. ``answer`` is the lead alone; ``citations`` holds the lead's citations first, then
    those of the ``supporting`` quotes. A refused request has the same shape with ``answered``
    false and an ``error``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    answered: bool
    answer: str = Field(description="the lead answer: its quotes joined by ' … '")
    citations: list[CitationOut]
    confidence: float = Field(ge=0, le=1)
    supporting: list[SupportOut]
    related: list[str] = Field(description="up to three questions from the sources that the bot answers")
    notices: list[str] = _absent_or("what to tell the asker beyond the quotes (bot/data/notices.toml): the urgent "
                                    "notice first when the question reads as urgent, where to ask instead on an "
                                    "abstention")
    suggestions: list[CitationOut] = _absent_or("when not answered: the closest passages")
    error: str = _absent_or("why the request was refused (or the engine failed)")
    explain: dict[str, Any] = _absent_or("the trace, when the request asked for it (API: only with BOT_API_EXPLAIN=1)")
