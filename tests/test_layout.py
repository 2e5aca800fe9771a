"""The layout shows the architecture: the parts of ``bot`` import each other only downstream-to-upstream.

The rules are ``bot.tools.layout.ALLOWED`` (docs/architecture.md shows them with the graph); the
imports are parsed from the source with ``ast``, so nothing here loads a model or gradio.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT
from bot.tools import layout
from bot.tools.layout import ALLOWED, Import, cycles, part_of, scan, violations


def _imp(source: str, target: str, lazy: bool = False) -> Import:
    return Import(source, target, f"bot/{source}/made_up.py", 1, lazy)


# ------------------------------------------------------------------------- the code as it is


def test_the_code_keeps_the_import_rules():
    imports = scan()
    assert len(imports) > 100  # the parse found the imports (not an empty list that passes anything)
    assert violations(imports) == []


def test_every_module_is_in_a_part_and_every_subpackage_says_what_it_owns():
    bot = PROJECT_ROOT / "bot"
    for path in bot.rglob("*.py"):
        part_of(".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts))  # raises for a module in no part
    assert not [p.name for p in bot.glob("*.py") if p.stem not in layout.TOP_MODULES], "a module left at the top of bot/"
    for package in layout.SUBPACKAGES:
        doc = ast.get_docstring(ast.parse((bot / package / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc) > 200, f"bot/{package}/__init__.py does not say what it owns"
        words = " ".join(doc.split()).lower()
        assert "must not import" in words or "imports ``bot.tools``" in words, \
            f"bot/{package}/__init__.py does not say what it must not import"


def test_the_runtime_never_imports_tools_and_the_cli_only_lazily():
    imports = scan()
    into_tools = [i for i in imports if i.target == "tools" and i.source != "tools"]
    assert into_tools, "the CLI runs the tools' commands: the parse should see those imports"
    assert {i.source for i in into_tools} == {"cli"} and all(i.lazy for i in into_tools)


def test_serving_an_answer_loads_no_tool():
    """What the app and `python -m bot ask` import (the CLI, the engine, the web app, app.py) loads no
    module of bot.tools, lazily resolved imports included."""
    code = ("import sys; import app, bot.cli, bot.engine, bot.web.app; "
            "print(sorted(m for m in sys.modules if m.startswith('bot.tools')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_docs_architecture_is_current():
    """docs/architecture.md is what `python -m bot.tools.layout` writes from the code today."""
    assert layout.ARCHITECTURE_FILE.read_text(encoding="utf-8") == layout.architecture_markdown(scan()), \
        "docs/architecture.md is out of date: run python -m bot.tools.layout"


def test_relative_and_from_bot_imports_are_resolved(tmp_path, monkeypatch):
    bot = tmp_path / "bot"
    (bot / "web").mkdir(parents=True)
    (bot / "web" / "x.py").write_text(
        "from . import render\nfrom ..answering.answer import Extractor\nfrom bot import cli\n"
        "def f():\n    import bot.tools.bench\n", encoding="utf-8")
    monkeypatch.setattr(layout, "BOT_DIR", bot)
    found = [(i.source, i.target, i.lazy) for i in layout.imports_of(bot / "web" / "x.py")]
    assert found == [("web", "web", False), ("web", "answering", False), ("web", "cli", False), ("web", "tools", True)]


# ---------------------------------------------------------------- the rules on made-up imports


def test_a_wrong_direction_import_is_named():
    made_up = [_imp("corpus", "text"), _imp("text", "answering"), _imp("answering", "web")]
    found = violations(made_up)
    assert found == ["bot/text/made_up.py:1: text must not import answering",
                     "bot/answering/made_up.py:1: answering must not import web"]


def test_the_runtime_importing_tools_is_named():
    assert violations([_imp("engine", "tools")]) == ["bot/engine/made_up.py:1: engine must not import tools"]
    assert violations([_imp("web", "tools", lazy=True)]) == ["bot/web/made_up.py:1: web must not import tools"]
    # The CLI dispatches to the tools inside its command functions, never at module level.
    assert violations([_imp("cli", "tools", lazy=True)]) == []
    assert violations([_imp("cli", "tools")]) == [
        "bot/cli/made_up.py:1: cli may import tools only inside a function, not at module level"]


def test_a_cycle_between_parts_is_named():
    assert cycles([_imp("answering", "query"), _imp("query", "answering")]) == [["answering", "query", "answering"]]
    three = [_imp("tools", "cli"), _imp("index", "corpus"), _imp("corpus", "retrieval"), _imp("retrieval", "index")]
    assert cycles(three) == [["corpus", "retrieval", "index", "corpus"]]
    assert "cycle between parts: corpus -> retrieval -> index -> corpus" in violations(three)
    # The CLI's lazy dispatch to tools, which themselves use the CLI's helpers, is not a cycle.
    assert cycles([_imp("cli", "tools", lazy=True), _imp("tools", "cli")]) == []


def test_the_rules_are_upstream_only():
    """The table itself has no cycle: if a may import b, b may not import a (tools excepted)."""
    for a, allowed in ALLOWED.items():
        for b in allowed - {"tools"}:
            if a != "tools":
                assert a not in ALLOWED[b], f"{a} and {b} may import each other"
    assert ALLOWED["text"] == {"shared"} and ALLOWED["shared"] == frozenset()


def test_an_unknown_part_is_refused():
    with pytest.raises(ValueError, match="unknown part 'misc'"):
        Import("misc", "text", "bot/misc.py", 1, False)
    with pytest.raises(ValueError, match="bot.misc is in no part of the layout"):
        part_of("bot.misc")
