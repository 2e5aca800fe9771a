"""Colours and layout of the web pages, in light and dark, on laptops and phones (CSS only).

- Colours are CSS variables with a light and a dark palette; every text/background pair
  below is at least 4.5:1 in both (checked by the axe-core browser test). The dark palette
  applies when the operating system asks for it: Gradio marks the chat page with
  ``body.dark`` from ``prefers-color-scheme``; the standalone source page uses the media query.
- Rules style elements by their role classes (``.src-card``, ``.src-title``, ``mark.cited``,
  ``[data-citation]`` ...), not by the nesting of the chat bubble, so new markup with the same
  classes is covered.
- Layout: on a laptop the conversation scrolls inside a box sized to the window, so the
  question box stays on screen; on a phone (narrow window) nothing scrolls inside the page:
  the conversation grows with the page and the question box is pinned to the bottom of the
  screen. Tap targets are at least 24x24 px, and inputs 16 px on phones (no zoom on focus).

``UI_THEME_CSS`` is added after ``render.UI_CSS`` on the chat page, ``PAGE_THEME_CSS`` after
``render.PAGE_CSS`` on /source pages. The palettes are here; the rules are files in
``bot/web/static/``. This module holds no markup and no logic.
"""

from __future__ import annotations

from bot.web import assets

_LIGHT = """
  --mb-text: #0f172a; --mb-muted: #475569; --mb-surface: #ffffff; --mb-subtle: #f8fafc; --mb-border: #cbd5e1;
  --mb-link: #1d4ed8; --mb-focus: #2563eb; --mb-ring: #bfdbfe;
  --mb-mark-bg: #fde68a; --mb-mark-text: #1e293b; --mb-mark-line: #b45309;
  --mb-also-bg: #e0e7ff; --mb-also-text: #1e1b4b;
  --mb-pill-bg: #e2e8f0; --mb-pill-text: #0f172a; --mb-pill2-bg: #f1f5f9;
  --mb-badge-bg: #fef3c7; --mb-badge-text: #92400e; --mb-badge-line: #d97706;
  --mb-warn-bg: #fff7ed; --mb-warn-line: #fdba74; --mb-error: #b91c1c;
  --mb-chip-bg: #eff6ff; --mb-chip-line: #bfdbfe; --mb-chip-hover: #dbeafe;
  --mb-active-bg: #1d4ed8; --mb-active-text: #ffffff;
  --mb-urgent-bg: #fef2f2; --mb-urgent-line: #b91c1c; --mb-urgent-text: #7f1d1d;
"""

_DARK = """
  --mb-text: #e2e8f0; --mb-muted: #cbd5e1; --mb-surface: #111827; --mb-subtle: #0f172a; --mb-border: #475569;
  --mb-link: #93c5fd; --mb-focus: #60a5fa; --mb-ring: #1e3a8a;
  --mb-mark-bg: #854d0e; --mb-mark-text: #fef9c3; --mb-mark-line: #facc15;
  --mb-also-bg: #312e81; --mb-also-text: #e0e7ff;
  --mb-pill-bg: #334155; --mb-pill-text: #f1f5f9; --mb-pill2-bg: #1e293b;
  --mb-badge-bg: #451a03; --mb-badge-text: #fde68a; --mb-badge-line: #d97706;
  --mb-warn-bg: #1c1917; --mb-warn-line: #c2410c; --mb-error: #fca5a5;
  --mb-chip-bg: #172554; --mb-chip-line: #1e40af; --mb-chip-hover: #1e3a8a;
  --mb-active-bg: #93c5fd; --mb-active-text: #0f172a;
  --mb-urgent-bg: #450a0a; --mb-urgent-line: #f87171; --mb-urgent-text: #fee2e2;
"""

# The chat follows Gradio's body.dark (set from prefers-color-scheme or ?__theme=), the /source
# page the media query itself: the same palettes in two places, so they are put in here. The
# rules using them are files: bot/web/static/colours.css (both pages), chat-theme.css, page-theme.css.
UI_THEME_CSS = f"""
:root {{ {_LIGHT} }}
.dark {{ {_DARK} }}
""" + assets.text("colours.css") + assets.text("chat-theme.css")

PAGE_THEME_CSS = f"""
:root {{ {_LIGHT} color-scheme: light dark; }}
@media (prefers-color-scheme: dark) {{ :root {{ {_DARK} }} }}
""" + assets.text("colours.css") + assets.text("page-theme.css")
