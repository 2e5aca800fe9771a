"""The architecture as the code has it: which part of ``bot`` imports which, checked and drawn.

``python -m bot.tools.layout`` parses every ``bot/**/*.py`` with ``ast`` (nothing is imported),
maps each import of ``bot`` to the part it lands in and writes ``docs/architecture.md``: the
rules and a mermaid graph of the imports found. ``tests/test_layout.py`` runs the same parse
and fails on an import against ``ALLOWED``, on an import of ``bot.tools`` from the runtime,
on a cycle between parts, and when the committed ``docs/architecture.md`` is out of date.

A part is a subpackage (``bot/text/`` is ``text``), or one of the top-level modules: ``engine``
(wires the stages), ``cli`` (with ``__main__``, and ``app.py`` beside the package: both are entry
points), and ``shared``: ``schema``, ``settings``,
``progress`` and the package's ``__init__``, leaves every part may import. The rules follow the
data's way through the system: a part imports only parts upstream of it. This module does not
decide what is in each part; the subpackages' docstrings say why an ambiguous module sits where
it does.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

BOT_DIR = Path(__file__).resolve().parent.parent
ARCHITECTURE_FILE = BOT_DIR.parent / "docs" / "architecture.md"

SUBPACKAGES = ("text", "corpus", "index", "retrieval", "query", "answering", "web", "tools")
SHARED_MODULES = ("schema", "settings", "progress", "__init__")
TOP_MODULES = {"engine": "engine", "cli": "cli", "__main__": "cli"} | {m: "shared" for m in SHARED_MODULES}
PARTS = ("shared", *SUBPACKAGES[:-2], "engine", "web", "cli", "tools")
# The runtime: what serving an answer (the app, `python -m bot ask`) may load. bot.tools is not in it.
RUNTIME = frozenset(PARTS) - {"tools"}

# Which part may import which (besides itself). Upstream only: the data flows text -> corpus ->
# index -> retrieval -> query -> answering, and engine, web and cli sit on top.
ALLOWED: dict[str, frozenset[str]] = {
    "shared": frozenset(),
    "text": frozenset({"shared"}),
    "corpus": frozenset({"shared", "text"}),
    "index": frozenset({"shared", "text", "corpus"}),
    "retrieval": frozenset({"shared", "text"}),  # it ranks the vectors and terms it is given
    "query": frozenset({"shared", "text"}),  # a question is understood before anything is looked up
    "answering": frozenset({"shared", "text", "corpus", "index", "retrieval", "query"}),
    "engine": frozenset({"shared", "text", "corpus", "index", "retrieval", "query", "answering"}),
    "web": frozenset({"shared", "index", "query", "answering"}),  # the engine is passed in by app.py
    # The CLI may import tools only inside the command that runs them (see LAZY_ONLY).
    "cli": frozenset({"shared", "text", "corpus", "index", "retrieval", "query", "answering", "engine", "web", "tools"}),
    "tools": frozenset(PARTS),
}
# Imports allowed only inside a function (never at module level): `python -m bot ask` must not load them.
LAZY_ONLY = frozenset({("cli", "tools")})


@dataclass(frozen=True)
class Import:
    """One import of ``bot`` by a module of ``bot``: the parts on each side and where it is."""

    source: str  # the importing part
    target: str  # the imported part
    module: str  # the importing file, relative to the project ("bot/web/app.py")
    line: int
    lazy: bool  # inside a function body: runs when called, not when the module is imported

    def __post_init__(self) -> None:
        for part in (self.source, self.target):
            if part not in PARTS:
                raise ValueError(f"unknown part {part!r} (parts: {', '.join(PARTS)})")

    def where(self) -> str:
        return f"{self.module}:{self.line}"


def part_of(dotted: str) -> str | None:
    """The part a dotted module name of ``bot`` belongs to ("bot.web.app" -> "web"); None outside bot."""
    names = dotted.split(".")
    if names[0] != "bot":
        return None
    if len(names) == 1:
        return "shared"
    if names[1] in SUBPACKAGES:
        return names[1]
    if names[1] in TOP_MODULES:
        return TOP_MODULES[names[1]]
    raise ValueError(f"{dotted} is in no part of the layout: add it to a subpackage or to bot.tools.layout's TOP_MODULES")


def _module_name(path: Path) -> str:
    rel = path.relative_to(BOT_DIR.parent).with_suffix("")
    return ".".join(rel.parts)


def imports_of(path: Path) -> list[Import]:
    """Every import of ``bot`` in one file, relative ones resolved, with whether it runs lazily."""
    module = _module_name(path)
    # app.py, beside the package, is an entry point like the CLI: it loads the engine and serves the web app.
    source = "cli" if module == "app" else part_of(module)
    if source is None:
        raise ValueError(f"{path} is not a module of bot")
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            targets: list[str] = []
            line = getattr(child, "lineno", 0)
            if isinstance(child, ast.Import):
                targets = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - (child.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                # "from bot import cli" imports the module bot.cli; "from bot.x import name" imports bot.x.
                targets = [f"{base}.{a.name}" if base == "bot" else base for a in child.names]
            for target in targets:
                part = part_of(target)
                if part is not None:
                    found.append(Import(source, part, path.relative_to(BOT_DIR.parent).as_posix(), line, lazy))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), False)
    return found


def scan(bot_dir: Path = BOT_DIR) -> list[Import]:
    """The imports of ``bot`` across every ``.py`` file under ``bot_dir``, and ``app.py`` beside it."""
    paths = sorted(bot_dir.rglob("*.py")) + [p for p in [bot_dir.parent / "app.py"] if p.is_file()]
    return [i for path in paths for i in imports_of(path)]


def violations(imports: list[Import]) -> list[str]:
    """Each import against the rules, and each cycle between parts, as a line naming where it is."""
    found = []
    for i in imports:
        if i.source == i.target:
            continue
        if i.target not in ALLOWED[i.source]:
            found.append(f"{i.where()}: {i.source} must not import {i.target}")
        elif (i.source, i.target) in LAZY_ONLY and not i.lazy:
            found.append(f"{i.where()}: {i.source} may import {i.target} only inside a function, not at module level")
        elif i.target == "tools" and i.source in RUNTIME and (i.source, i.target) not in LAZY_ONLY:
            found.append(f"{i.where()}: the runtime ({i.source}) must not import tools")
    for cycle in cycles(imports):
        found.append("cycle between parts: " + " -> ".join(cycle))
    return found


def edges(imports: list[Import]) -> dict[tuple[str, str], bool]:
    """(source, target) -> True when every import along it is lazy; self-imports left out."""
    out: dict[tuple[str, str], bool] = {}
    for i in imports:
        if i.source != i.target:
            out[(i.source, i.target)] = out.get((i.source, i.target), True) and i.lazy
    return out


def cycles(imports: list[Import]) -> list[list[str]]:
    """Cycles between parts (each once, as a closed path), not counting the CLI's lazy dispatch
    to tools: the tools use the CLI's helpers, and the CLI runs the tools only when asked."""
    graph: dict[str, set[str]] = {}
    for (a, b) in edges(imports):
        if (a, b) not in LAZY_ONLY:
            graph.setdefault(a, set()).add(b)
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def walk(path: list[str]) -> None:
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == path[0]:
                key = frozenset(path)
                if key not in seen:
                    seen.add(key)
                    found.append(path + [nxt])
            elif nxt not in path and nxt > path[0]:  # each cycle found from its smallest part only
                walk(path + [nxt])

    for start in sorted(graph):
        walk([start])
    return found


def architecture_markdown(imports: list[Import]) -> str:
    """docs/architecture.md: the parts, the rules and a mermaid graph of the imports found."""
    lines = [
        "# Architecture: how the parts of `bot` import each other",
        "",
        "Generated from the code by `python -m bot.tools.layout` (do not edit by hand); `tests/test_layout.py`",
        "checks the rules below and that this file is current. Each subpackage's `__init__.py` says what it owns.",
        "An arrow is an import; a dotted arrow is an import made only inside a function (lazily, when a command runs).",
        "`shared` is `bot/schema.py`, `bot/settings.py`, `bot/progress.py` and `bot/__init__.py`: every part may import it",
        "(those arrows are left out of the graph).",
        "",
        "```mermaid",
        "graph TD",
    ]
    for (a, b), lazy in sorted(edges(imports).items(), key=lambda e: (PARTS.index(e[0][0]), PARTS.index(e[0][1]))):
        if b == "shared":
            continue
        lines.append(f"  {a} {'-.->' if lazy else '-->'} {b}")
    lines += ["```", "", "| part | may import |", "| --- | --- |"]
    for part in PARTS:
        allowed = [p for p in PARTS if p in ALLOWED[part]]
        note = " (tools only inside a command function)" if part == "cli" else ""
        lines.append(f"| `{part}` | {', '.join(f'`{p}`' for p in allowed) or 'nothing of bot'}{note} |")
    lines += ["", "Nothing in the runtime (every part but `tools`) imports `bot.tools`, and there is no cycle between parts.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.layout", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the rules and that docs/architecture.md is current")
    args = parser.parse_args(argv)
    imports = scan()
    problems = violations(imports)
    for problem in problems:
        print(problem, file=sys.stderr)
    text = architecture_markdown(imports)
    if args.check:
        current = ARCHITECTURE_FILE.is_file() and ARCHITECTURE_FILE.read_text(encoding="utf-8") == text
        if not current:
            print(f"{ARCHITECTURE_FILE} is out of date: run python -m bot.tools.layout", file=sys.stderr)
        return 1 if problems or not current else 0
    ARCHITECTURE_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {ARCHITECTURE_FILE}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
