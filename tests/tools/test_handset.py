"""``python -m bot count-rules`` (bot/tools/handset.py): the hand-set items, counted by reading code.

A small module written here holds a known number of each kind, and the counts must be exact;
the real code is only checked to hold some of each (its numbers change as rules go)."""

import json
import subprocess
import sys

from bot.cli import main
from bot.settings import PROJECT_ROOT
from bot.tools.handset import KINDS, TARGET, count_rules, count_source, items_of

# Each counted line says what it adds; the rest must add nothing.
SAMPLE = '''
import re
from dataclasses import dataclass

__all__ = ["Weights", "terms"]  # exported names, no words


@dataclass(frozen=True)
class Weights:
    a: float = 0.5  # weight 1
    b: int = 3  # weight 2
    c: float = 1.0  # weight 3: a weight even at 1
    name: str = "x"  # no number


_PIECE = r"\\d+"
YEAR = re.compile(r"\\b\\d{4}\\b")  # regex 1
BOTH = re.compile(_PIECE + "|" + r"x")  # regex 2 (one pattern, three pieces)
NAMED = re.compile(_PIECE)  # regex 3, through a module-level name
_WH = (("when", r"^when\\b"),)  # regex 4 and the word "when" (1)
STOP = frozenset("the a an".split())  # words 2-4
DAYS = ["monday", "tuesday"]  # words 5-6
FEATURES = ("cos_span", "coverage")  # names in code, no words
NO_TITLE = terms("founder chair")  # words 7-8
_IRREGULAR = {"found": "find", "went": "go"}  # map entries 1-2
RECORD = {"year": float(1)}  # a record, no map entry
LIMIT = 500  # literal 1
MARGIN = -0.25  # literal 2 (one number, with its minus)


def f(words, m, x=0.3):  # literal 3
    if len(words) > 2:  # literal 4
        return words[2], words[:-2], m.group(2), round(x, 4)  # structure, no literals
    return x * 1 + 0 - 1  # 0 and 1 are no literals


def g(pattern, text):
    return re.search(pattern, text)  # no hand-written pattern
'''

EXPECTED = {"weights": 3, "literals": 4, "regexes": 4, "listed words": 8, "map entries": 2}


def test_a_known_module_gives_exact_counts():
    assert dict(count_source(SAMPLE)) == EXPECTED


def test_each_item_is_listed_with_its_line():
    items = items_of(SAMPLE)
    lines = SAMPLE.splitlines()
    words = [i.what for i in items if i.kind == "listed words"]
    assert words == ["when", "the", "a", "an", "monday", "tuesday", "founder", "chair"]
    assert [i.what for i in items if i.kind == "literals"] == ["500", "-0.25", "0.3", "2"]
    for item in items:  # every item is on a line whose comment counts it (the others say "no ...")
        line = lines[item.line - 1]
        assert "#" in line and " no " not in " " + line.split("#")[1], item


def _project(tmp_path):
    (tmp_path / "bot" / "query").mkdir(parents=True)
    (tmp_path / "bot" / "text").mkdir()
    (tmp_path / "bot" / "data").mkdir()
    (tmp_path / "bot" / "query" / "sample.py").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "bot" / "text" / "empty.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "bot" / "data" / "domain.toml").write_text(
        'ranks = ["Inspector", "Sergeant", "Constable"]\n[colloquial]\n"a b" = ["c", "both"]\n"d" = ["e", "lexical"]\n',
        encoding="utf-8")
    return tmp_path


def test_a_project_is_counted_by_file_with_the_domain_apart(tmp_path):
    result = count_rules(_project(tmp_path))
    assert result.files == {"bot/query/sample.py": EXPECTED}
    assert result.totals == EXPECTED
    assert result.total == 21 and result.total_without_words == 13
    assert result.domain == 5  # three ranks and two informal phrases, outside the total
    text = result.text()
    assert "bot/query/sample.py" in text and "engine total: 21 hand-set items (13 without listed words)" in text
    assert f"target: at most {TARGET}" in text and "5 entries" in text


def test_the_real_code_holds_some_of_each_kind(capsys):
    assert main(["count-rules", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["totals"]) == set(KINDS) and all(out["totals"][k] > 0 for k in KINDS), out["totals"]
    assert out["total"] == sum(out["totals"].values()) == sum(sum(c.values()) for c in out["files"].values())
    assert out["domain_data"] > 0 and out["issue_baseline"] == 370 and out["target"] == 123


def test_the_list_names_every_item(capsys):
    assert main(["count-rules", "--list"]) == 0
    out = capsys.readouterr().out
    assert "bot/answering/answer.py:" in out and "  weights  " in out and "engine total:" in out


def test_counting_imports_none_of_the_counted_modules():
    code = ("import sys\nfrom bot.tools.handset import SCANNED, count_rules\ncount_rules()\n"
            "print(sorted(m for m in sys.modules if m.startswith(tuple(f.replace('/', '.') for f in SCANNED))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
