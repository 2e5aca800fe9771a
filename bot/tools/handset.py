"""``python -m bot count-rules``: how many hand-set items the answering stage holds (issue 21).

Issue 21 counts the hand-set items of the modules that choose and assemble answers and sets a
target of at most a third of them. This module counts them the same way every time, by reading
the source with ``ast`` (the scanned modules are never imported, the engine never run). What is
scanned is ``SCANNED`` (every ``.py`` file under those folders); ``DOMAIN_FILE`` is counted
apart (below).

Each item is counted under one kind only (``KINDS``):

- ``weights``: the fields with a numeric default (``int`` or ``float``, any value) of a
  dataclass named ``Weights`` — the engine's table of hand-set weights. Other dataclasses are
  records whose numeric defaults are placeholders or fitted values loaded over them; a number
  other than 0 and 1 in their defaults is still counted, as a literal.
- ``literals``: every other numeric constant (a leading minus belongs to the number) except
  0, 1 and -1 (as int or float) and except where the number addresses the code's own
  structure rather than tuning it: a whole constant subscript or slice bound (``parts[2]``,
  ``word[:-2]``), a group number (``match.group(2)``, ``.start(1)``, ``.end(1)``,
  ``.span(1)``) and the digits of ``round(x, 4)``. Everything else counts: thresholds, sizes,
  limits, cache sizes, numeric guards (``1e-7``), a file format's version.
- ``regexes``: each call ``re.compile/search/match/fullmatch/sub/findall/finditer/split`` whose
  pattern holds hand-written text: a string literal, or a module-level name whose value holds
  one (``re.compile(_CLOCK + "|" + _DAYS)`` is one regex). Also each string written in regex
  syntax (holding one of ``REGEX_MARKS``) inside a word-list literal, as such patterns are
  compiled later in a loop (``_WH`` in ``qtype.py``).
- ``listed words``: the elements of a set, list or tuple literal made only of strings, and the
  words (split on white space, or on the separator given) of a literal string passed to
  ``terms("...")`` or split with ``"...".split()``; a literal string held in a module-level name
  counts where it is split. Only words count: strings with a letter. A literal holding a string
  with an underscore is a list of names in code (features, a file's keys), not wording, and is
  not counted; nor is ``__all__``.
- ``map entries``: each entry of a dict literal whose key and value are both literal (strings,
  numbers, or tuples, lists or sets of them), e.g. ``{"found": "find"}``; a dict whose values are
  computed (``{"year": float(...)}``) is a record, not a hand-set map.

Not counted: ``bot/data/scorer.json`` (fitted by ``python -m bot train``, not set by hand);
``bot/data/chat.toml`` and ``notices.toml`` (the web page's wording, which chooses no answer).
``DOMAIN_FILE`` holds one corpus's knowledge, which the engine also works without (issue 21
allows it there): its entries (list elements and table entries) are reported as "domain data",
outside the engine's total. That includes the map of informal wording (``[colloquial]``, once
``bot/data/colloquial.tsv``), moved there because its ablation gains on these pages only.

The issue's baseline: "about 370 hand-set items — 33 ``Weights``, ~45 literals outside them,
103 regexes, 514 listed words, 190 colloquial entries". 33 + 45 + 103 + 190 = 371, so its 370
leaves the listed words out; the report gives the total without them too, to compare like with
like, beside the whole total.
"""

from __future__ import annotations

import argparse
import ast
import json
import tomllib
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT

# The modules that choose and assemble answers: question analysis, text handling, retrieval
# and the answer stage (every .py file under these folders, relative to the project root).
SCANNED = ("bot/answering", "bot/query", "bot/text", "bot/retrieval")
# One corpus's knowledge, counted apart (see the module docstring).
DOMAIN_FILE = "bot/data/domain.toml"

KINDS = ("weights", "literals", "regexes", "listed words", "map entries")
ISSUE_BASELINE = 370  # issue 21's count, listed words left out
TARGET = ISSUE_BASELINE // 3  # "at most a third of today's"

_WEIGHT_CLASSES = frozenset({"Weights"})
_REGEX_FUNCTIONS = frozenset({"compile", "search", "match", "fullmatch", "sub", "findall", "finditer", "split"})
_GROUP_METHODS = frozenset({"group", "start", "end", "span"})
_NOT_TUNED = frozenset({0, 1, -1})  # 0.0 == 0 and 1.0 == 1 in a set of numbers
# A string holding one of these is a regex pattern, not a word.
REGEX_MARKS = ("\\", "^", "$", "|", "(", "[")


@dataclass(frozen=True)
class Item:
    """One hand-set item: its kind, the line it is on (in its module or data file) and what it is."""

    kind: str
    line: int
    what: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")


def _number(node: ast.AST) -> float | None:
    """The value of a numeric literal (``-2`` included), else None; booleans are not numbers."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _number(node.operand)
        return None if value is None else (-value if isinstance(node.op, ast.USub) else value)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    return None


def _is_word(text: str) -> bool:
    return any(c.isalpha() for c in text) and "_" not in text


def _is_pattern(text: str) -> bool:
    return any(mark in text for mark in REGEX_MARKS)


def _is_literal(node: ast.AST) -> bool:
    """A string or number, or a tuple, list or set of them."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_literal(e) for e in node.elts)
    return _number(node) is not None or (isinstance(node, ast.Constant) and isinstance(node.value, str))


class _Counter:
    """Counts one module's items; ``claimed`` holds the nodes already counted under some kind,
    so that nothing is counted twice (a weight's number is not also a literal)."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.items: list[Item] = []
        self.claimed: set[int] = set()
        # Module-level names bound to one value: regex pieces and word strings are often named.
        self.names: dict[str, ast.expr] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                self.names[stmt.targets[0].id] = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                self.names[stmt.target.id] = stmt.value

    def claim(self, node: ast.AST) -> None:
        self.claimed.update(id(n) for n in ast.walk(node))

    def add(self, kind: str, node: ast.AST, what: str) -> None:
        self.items.append(Item(kind, getattr(node, "lineno", 0), what))

    def count(self) -> list[Item]:
        self._weights()
        nodes = list(ast.walk(self.tree))
        for node in nodes:
            if isinstance(node, ast.Dict):
                self._map_entries(node)
        for node in nodes:
            if isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, (ast.Set, ast.List, ast.Tuple)) and id(node) not in self.claimed:
                self._word_list(node)
        self._literals()
        return sorted(self.items, key=lambda i: (i.line, KINDS.index(i.kind)))

    def _weights(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ClassDef) and node.name in _WEIGHT_CLASSES:
                for stmt in node.body:
                    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None and _number(stmt.value) is not None:
                        self.add("weights", stmt, ast.unparse(stmt))
                        self.claim(stmt.value)

    def _map_entries(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values):
            if key is not None and _is_literal(key) and not isinstance(key, (ast.Tuple, ast.List, ast.Set)) \
                    and _is_literal(value):
                self.add("map entries", key, f"{ast.unparse(key)}: {ast.unparse(value)}")
                self.claim(key)
                self.claim(value)

    def _call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "re" \
                and func.attr in _REGEX_FUNCTIONS:
            pattern = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "pattern"), None)
            if pattern is not None and self._holds_text(pattern, set()):
                self.add("regexes", node, ast.unparse(pattern))
        elif isinstance(func, ast.Name) and func.id == "terms" and len(node.args) == 1:
            text = self._static_text(node.args[0], set())
            if text is not None:
                self._words(node, text.split())
        elif isinstance(func, ast.Attribute) and func.attr == "split":
            text = self._static_text(func.value, set())
            separator = self._static_text(node.args[0], set()) if node.args else None
            if text is not None and (separator is not None or not node.args):
                self._words(node, text.split(separator))

    def _word_list(self, node: ast.Set | ast.List | ast.Tuple) -> None:
        strings = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if not strings or len(strings) != len(node.elts) or self._is_dunder_all(node) \
                or any("_" in text for text in strings):  # names in code (features, keys), not wording
            return
        for element, text in zip(node.elts, strings):
            if _is_pattern(text):
                self.add("regexes", element, repr(text))
            elif _is_word(text):
                self.add("listed words", element, text)
        self.claim(node)

    def _words(self, node: ast.AST, words: list[str]) -> None:
        for word in words:
            if _is_word(word):
                self.add("listed words", node, word)

    def _is_dunder_all(self, node: ast.AST) -> bool:
        return self.names.get("__all__") is node

    def _holds_text(self, node: ast.AST, seen: set[str]) -> bool:
        """Whether a regex pattern holds hand-written text, directly or through module-level names."""
        for n in ast.walk(node):
            if isinstance(n, ast.Constant) and isinstance(n.value, str):
                return True
            if isinstance(n, ast.Name) and n.id in self.names and n.id not in seen:
                seen.add(n.id)
                if self._holds_text(self.names[n.id], seen):
                    return True
        return False

    def _static_text(self, node: ast.AST, seen: set[str]) -> str | None:
        """The text of a string literal, a sum of them, or a module-level name bound to one."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._static_text(node.left, seen), self._static_text(node.right, seen)
            return None if left is None or right is None else left + right
        if isinstance(node, ast.Name) and node.id in self.names and node.id not in seen:
            return self._static_text(self.names[node.id], seen | {node.id})
        return None

    def _literals(self) -> None:
        for node in ast.walk(self.tree):  # numbers that address the code's own structure
            places: list[ast.expr | None] = []
            if isinstance(node, ast.Subscript):
                places = [node.slice.lower, node.slice.upper, node.slice.step] \
                    if isinstance(node.slice, ast.Slice) else [node.slice]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in _GROUP_METHODS:
                places = list(node.args)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "round" \
                    and len(node.args) == 2:
                places = [node.args[1]]
            for place in places:
                if place is not None and _number(place) is not None:
                    self.claim(place)
        for node in ast.walk(self.tree):
            if id(node) in self.claimed:
                continue
            value = _number(node)
            if value is None:
                continue
            self.claim(node)  # "-2" is one literal, not also its "2"
            if value not in _NOT_TUNED:
                self.add("literals", node, ast.unparse(node))


def items_of(source: str) -> list[Item]:
    """The hand-set items of one module's source text, in line order (see the module docstring)."""
    return _Counter(ast.parse(source)).count()


def count_source(source: str) -> Counter[str]:
    """The number of hand-set items of one module's source text, by kind."""
    return Counter(item.kind for item in items_of(source))


def count_domain(text: str) -> int:
    """The entries of a domain file: list elements and table entries (a scalar counts once)."""
    return sum(len(v) if isinstance(v, (list, dict)) else 1 for v in tomllib.loads(text).values())


@dataclass(frozen=True)
class HandSetCount:
    """The items of each file holding any (paths relative to the project root), and the number
    of domain-data entries, counted apart."""

    items: dict[str, tuple[Item, ...]]
    domain: int

    def __post_init__(self) -> None:
        if self.domain < 0:
            raise ValueError(f"domain entries must be >= 0, got {self.domain}")

    @property
    def files(self) -> dict[str, dict[str, int]]:
        """Per file, the number of items of each kind it holds."""
        return {path: {k: n for k in KINDS if (n := sum(i.kind == k for i in items))}
                for path, items in self.items.items()}

    @property
    def totals(self) -> dict[str, int]:
        return {k: sum(i.kind == k for items in self.items.values() for i in items) for k in KINDS}

    @property
    def total(self) -> int:
        return sum(len(items) for items in self.items.values())

    @property
    def total_without_words(self) -> int:
        """The total as the issue's 370 was summed (without listed words)."""
        return self.total - self.totals["listed words"]

    def to_dict(self) -> dict[str, Any]:
        return {"files": self.files, "totals": self.totals, "total": self.total,
                "total_without_listed_words": self.total_without_words, "domain_data": self.domain,
                "issue_baseline": ISSUE_BASELINE, "target": TARGET}

    def text(self) -> str:
        files, totals = self.files, self.totals
        width = max([len(p) for p in files] + [len("total")])
        head = f"{'file':<{width}}" + "".join(f"{k:>14}" for k in KINDS) + f"{'all':>8}"
        rows = [head, "-" * len(head)]
        for path, counts in files.items():
            rows.append(f"{path:<{width}}" + "".join(f"{counts.get(k, 0):>14}" for k in KINDS)
                        + f"{sum(counts.values()):>8}")
        rows.append("-" * len(head))
        rows.append(f"{'total':<{width}}" + "".join(f"{totals[k]:>14}" for k in KINDS) + f"{self.total:>8}")
        rows += ["",
                 f"engine total: {self.total} hand-set items ({self.total_without_words} without listed words)",
                 f"issue 21 baseline: {ISSUE_BASELINE} (its 33 weights + 45 literals + 103 regexes + 190 colloquial "
                 f"entries; its 514 listed words left out); target: at most {TARGET}",
                 f"domain data ({DOMAIN_FILE}, outside the total): {self.domain} entries"]
        return "\n".join(rows)

    def listing(self) -> str:
        """Every item, one a line: ``path:line  kind  what``."""
        return "\n".join(f"{path}:{i.line}  {i.kind}  {_clip(i.what)}"
                         for path, items in self.items.items() for i in items)


def _clip(text: str, n: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def count_rules(root: Path = PROJECT_ROOT) -> HandSetCount:
    """Count the hand-set items of ``SCANNED`` under ``root``, and the entries of its
    ``DOMAIN_FILE`` (0 when there is none)."""
    items: dict[str, tuple[Item, ...]] = {}
    for folder in SCANNED:
        for path in sorted((root / folder).rglob("*.py")):
            found = items_of(path.read_text(encoding="utf-8"))
            if found:
                items[path.relative_to(root).as_posix()] = tuple(found)
    domain_path = root / DOMAIN_FILE
    domain = count_domain(domain_path.read_text(encoding="utf-8")) if domain_path.exists() else 0
    return HandSetCount(items, domain)


def cmd_count_rules(args: argparse.Namespace) -> int:
    result = count_rules()
    if args.json:
        out = result.to_dict()
        if args.list:
            out["items"] = {path: [asdict(i) for i in items] for path, items in result.items.items()}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print((result.listing() + "\n\n" if args.list else "") + result.text())
    return 0
