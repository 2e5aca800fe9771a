"""Switch rules off and override knobs for one evaluation run (``eval --ablate``, ``--set``).

A *rule* is either a scoring weight of ``answer.Weights`` (turned off by setting it to 0: every
score part is named after its weight, see ``Extractor.score``) or one of the engine's
collaborators that changes what a question means (``COMPONENTS``: the speller, the soft matching
of words the corpus never uses, the informal-wording map, acronym expansion). ``configure`` returns
a changed *copy* of an engine; the engine it was given keeps answering as before.
``--set name=value`` takes any ``Weights`` field or a setting read at question time.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Iterable, Mapping

from bot.query.acronyms import AcronymMap
from bot.answering.answer import Weights
from bot.query.conversation import Colloquial, QueryBuilder
from bot.engine import Engine

# Collaborators that can be switched off, and what each does.
COMPONENTS = {
    "spelling": "typos put right before anything else (spelling.py)",
    "vocabulary": "a word the corpus never uses counts in part where its nearest corpus words are (vocabulary.py)",
    "colloquial": "informal wording mapped to the sources' plain words (the domain file's [colloquial])",
    "acronyms": "a question's acronyms spelled out and its full names shortened, and the corpus's names it types in lower "
                "case, for retrieval and scoring (acronyms.py; the question is read with them once, Engine.read)",
}
# Weights that are no rule of their own: the confidence curve and candidate-pool sizes.
_NOT_RULES = {"slope", "midpoint", "short_span_words", "dense_span_candidates"}
# Settings read per question (the rest are fixed when the index is built or the app starts).
QUERY_SETTINGS = ("abstain_threshold", "followup_abstain_threshold", "top_k_chunks", "rrf_k")


def weight_rules() -> list[str]:
    return [f.name for f in dataclasses.fields(Weights) if f.name not in _NOT_RULES]


def rules() -> list[str]:
    """Every rule ``--ablate`` can turn off: the scoring weights, then the components."""
    return weight_rules() + list(COMPONENTS)


def _parse(name: str, raw: str, current: float) -> float:  # bool, int or float, as the default is
    if isinstance(current, bool):
        if raw.lower() not in ("true", "false", "1", "0"):
            raise ValueError(f"{name} must be true or false, got {raw!r}")
        return raw.lower() in ("true", "1")
    try:
        return type(current)(raw)  # int or float, as the default is
    except ValueError:
        raise ValueError(f"{name} must be a {type(current).__name__}, got {raw!r}") from None


def parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """``["coverage=0.5", ...]`` -> ``{"coverage": "0.5"}``; a pair without ``=`` is an error."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--set takes name=value, got {pair!r}")
        out[name.strip()] = value.strip()
    return out


def configure(engine: Engine, overrides: Mapping[str, str] = {}, ablate: Iterable[str] = ()) -> Engine:
    """A copy of ``engine`` with knobs overridden and rules switched off (unknown names are errors)."""
    ablate = list(ablate)
    unknown = [r for r in ablate if r not in rules()]
    if unknown:
        raise ValueError(f"unknown rule {unknown[0]!r}; rules: {', '.join(rules())}")
    weights = engine.extractor.weights
    settings = engine.settings
    # Values of the fields' own types (parsed as the defaults are): the dataclasses check them.
    weight_changes: dict[str, Any] = {r: 0.0 for r in ablate if r in weight_rules()}
    setting_changes: dict[str, Any] = {}
    weight_names = {f.name for f in dataclasses.fields(Weights)}
    for name, raw in overrides.items():
        if name in weight_names:
            weight_changes[name] = _parse(name, raw, getattr(weights, name))
        elif name in QUERY_SETTINGS:
            setting_changes[name] = _parse(name, raw, getattr(settings, name))
        elif hasattr(settings, name):
            raise ValueError(f"{name} is fixed when the engine loads; set BOT_{name.upper()} instead")
        else:
            raise ValueError(f"unknown weight or setting {name!r}")
    extractor = copy.copy(engine.extractor)
    extractor.weights = dataclasses.replace(weights, **weight_changes)
    if (in_use := extractor.confidence_scorer) is not None:  # a fitted scorer's thresholds are the ones in use
        fitted = {"threshold": setting_changes.get("abstain_threshold", in_use.threshold),
                  "followup_threshold": setting_changes.get("followup_abstain_threshold", in_use.followup_threshold)}
        extractor.scorer = dataclasses.replace(in_use, **fitted)
    elif extractor.calibrator is not None and extractor.calibrator.variant == "chosen":  # thresholds in calibrated space
        chosen = {"threshold": setting_changes.get("abstain_threshold", extractor.calibrator.threshold),
                  "followup_threshold": setting_changes.get("followup_abstain_threshold",
                                                            extractor.calibrator.followup_threshold)}
        extractor.calibrator = dataclasses.replace(extractor.calibrator, **chosen)
    retriever = copy.copy(engine.retriever)
    if "rrf_k" in setting_changes:
        retriever.rrf_k = setting_changes["rrf_k"]
    queries = engine.queries
    if "colloquial" in ablate or "acronyms" in ablate:
        acronyms = AcronymMap() if "acronyms" in ablate else queries.acronyms
        colloquial = Colloquial({}, {}) if "colloquial" in ablate else queries.colloquial
        queries = QueryBuilder(acronyms, colloquial)
    return dataclasses.replace(
        engine, settings=settings.replace(**setting_changes), extractor=extractor, retriever=retriever, queries=queries,
        speller=None if "spelling" in ablate else engine.speller,
        vocabulary=None if "vocabulary" in ablate else engine.vocabulary,
    )
