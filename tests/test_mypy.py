"""The code passes mypy (settings in pyproject.toml [tool.mypy]), so `python -m pytest` checks it too.

mypy keeps its cache in the project's .mypy_cache (as .ci/run's mypy step does, which runs first):
a cold run reads the typed libraries (numpy, torch, gradio, ...) in about a minute on two cores,
a warm one takes a second or two.
"""

import subprocess
import sys

from bot.settings import PROJECT_ROOT


def _mypy(*args: str, cwd=PROJECT_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_the_code_passes_mypy():
    done = _mypy()  # files and settings from pyproject.toml
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues found" in done.stdout


def test_mypy_uses_the_project_settings(tmp_path):
    """The settings are read (not mypy's defaults): a body without annotations is checked too
    (check_untyped_defs), and an ignore must name its error code."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    return 1 + 'one'\n\n\nx: int = 'one'  # type: ignore\n", encoding="utf-8")
    done = _mypy("--config-file", str(PROJECT_ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache"),
                 str(bad), cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'bad.py:2: error: Unsupported operand types for + ("int" and "str")' in done.stdout
    assert "bad.py:5: error: \"type: ignore\" comment without error code" in done.stdout
