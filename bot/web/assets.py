"""The web pages' CSS and JavaScript, kept as files in ``bot/web/static/`` (package data, shipped with
the package: see ``pyproject.toml``) and read once, when the modules that use them are imported.

- ``*.css``: the chat's and the /source page's rules (``render.py``) and their colours and layout
  (``theme.py``, which adds the light and dark palettes).
- ``*.js``: snippets Gradio runs on the chat page (``app.py``): most are ``js_on_load`` bodies,
  run with ``element``, ``trigger`` and ``watch`` in scope; ``focus-question.js`` and
  ``show-latest.js`` are functions run after an event. They are not served as scripts.

This module only reads files; what the text means is up to the modules above.
"""

from __future__ import annotations

from importlib.resources import files


def text(name: str) -> str:
    """The file ``bot/web/static/<name>``; a missing one is an error naming it (a broken install)."""
    path = files(__package__).joinpath("static", name)
    if not path.is_file():
        raise FileNotFoundError(f"bot/web/static/{name} is missing: reinstall the package (pip install .)")
    return path.read_text(encoding="utf-8")
