"""The code passes ruff (settings in pyproject.toml), so `python -m pytest` checks it too."""

import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT


def test_the_code_passes_ruff():
    pytest.importorskip("ruff")
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", "."],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
