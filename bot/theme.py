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
``render.PAGE_CSS`` on /source pages. This module holds no markup and no logic.
"""

from __future__ import annotations

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

# Colour rules shared by the chat and the source page.
_COLOURS = """
.src-meta { color: var(--mb-muted); }
.src-date { color: var(--mb-pill-text); background: var(--mb-pill-bg); }
.src-date.src-undated { color: var(--mb-muted); background: var(--mb-pill2-bg); }
.src-badge { background: var(--mb-badge-bg); color: var(--mb-badge-text); border-color: var(--mb-badge-line); }
.doc-body { color: var(--mb-text); }
.doc-title { color: var(--mb-text); }
mark.cited, .doc-body mark.cited { background: var(--mb-mark-bg); color: var(--mb-mark-text); border-bottom-color: var(--mb-mark-line); }
mark.also, .doc-body mark.also { background: var(--mb-also-bg); color: var(--mb-also-text); }
.src-original, .doc-page, .doc-view a, .src-panel a.src-original { color: var(--mb-link); }
"""

UI_THEME_CSS = f"""
:root {{ {_LIGHT} }}
.dark {{ {_DARK} }}
{_COLOURS}
.app-head h1 {{ color: var(--mb-text); }}
.app-head p, .app-foot, .src-note, .doc-chips, .related-label, .src-for {{ color: var(--mb-muted); }}
.app-foot a {{ color: var(--mb-link); }}
.src-panel, .src-panel h2, .doc-view, .src-empty p, .doc-empty {{ color: var(--mb-text); }}
.src-card {{ background: var(--mb-surface); border-color: var(--mb-border); color: var(--mb-text); }}
.src-card:hover, .src-card:focus {{ border-color: var(--mb-focus); box-shadow: 0 0 0 2px var(--mb-ring); }}
.src-card:focus-visible {{ outline: 2px solid var(--mb-focus); outline-offset: 2px; }}
.src-title {{ color: var(--mb-text); }}
.src-num, .src-open {{ color: var(--mb-link); }}
.src-quote {{ color: var(--mb-text); border-left-color: var(--mb-badge-line); }}
.src-abstain {{ background: var(--mb-warn-bg); border-color: var(--mb-warn-line); color: var(--mb-text); }}
.src-error {{ color: var(--mb-error); }}
.doc-view {{ border-top-color: var(--mb-border); }}
.doc-view .doc-body {{ background: var(--mb-subtle); }}
.doc-view .doc-body:focus-visible {{ outline: 2px solid var(--mb-focus); outline-offset: 2px; }}
.src-chip {{ color: var(--mb-link); border-color: var(--mb-border); background: var(--mb-surface);
  min-width: 24px; min-height: 24px; line-height: 24px; text-align: center; padding: 0 .45em; margin: .1em; }}
.src-chip.active {{ background: var(--mb-active-bg); color: var(--mb-active-text); border-color: var(--mb-active-bg); }}
#related .related-q {{ background: var(--mb-chip-bg); color: var(--mb-link); border-color: var(--mb-chip-line); min-height: 32px; }}
#related .related-q:hover, #related .related-q:focus-visible {{ background: var(--mb-chip-hover); border-color: var(--mb-focus); }}
/* The answer bubble: inline citation markers (wherever they are) and "Also in the sources". */
#chat [data-citation], .ans-cite {{ color: var(--mb-link); display: inline-block; min-width: 24px; min-height: 24px;
  line-height: 24px; text-align: center; cursor: pointer; }}
.ans-more summary {{ color: var(--mb-muted); min-height: 24px; line-height: 24px; }}
.ans-why, .ans-date {{ color: var(--mb-text); }}
.ans-src {{ color: var(--mb-muted); }}
.notice-urgent {{ display: block; background: var(--mb-urgent-bg); color: var(--mb-urgent-text);
  border-left: 4px solid var(--mb-urgent-line); border-radius: 4px; padding: .35em .6em; }}
.notice-abstain {{ display: block; border-top: 1px solid var(--mb-border); padding-top: .35em; }}
/* The standing note and the notices. */
.human-note {{ margin: .3em 0 0; font-size: .85em; color: var(--mb-muted); }}
.human-note strong {{ color: var(--mb-text); }}
.preparing {{ background: var(--mb-warn-bg); border: 1px solid var(--mb-warn-line); color: var(--mb-text);
  border-radius: 8px; padding: .5em .75em; margin: .3em 0; font-weight: 600; }}
.sr-only {{ position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }}

/* Tap targets: Gradio's icon buttons (copy, like, clear) are 18 px by default. */
#chat .icon-button, #chat button[aria-label] {{ min-width: 28px; min-height: 28px; }}
#new-chat {{ min-height: 32px; }}

/* Laptop: the conversation scrolls inside a box sized to the window, so the question box
   stays on screen (header, notes, related questions, the box and the note take about 370 px). */
#chat {{ height: clamp(220px, calc(100vh - 370px), 1000px) !important; }}
.app-head h1 {{ font-size: 1.35rem; margin: 0; }}
.app-head p {{ margin: .1em 0 0; }}

/* Gradio's container hides overflow, which stops a sticky box from sticking: clip instead.
   (Outside the media query: Gradio scopes rules inside one to elements within its container.) */
.gradio-container {{ overflow: visible !important; overflow-x: clip !important; }}

/* Phone: no scroll box inside the scrolling page; the question box is pinned to the bottom. */
@media (max-width: 640px) {{
  #chat {{ height: auto !important; max-height: none !important; min-height: 160px; overflow: visible !important; }}
  #chat .bubble-wrap, #chat .wrapper {{ height: auto !important; max-height: none !important; overflow: visible !important; }}
  #composer {{ position: sticky; bottom: 0; z-index: 20; background: var(--body-background-fill);
    padding: .4em 0 .3em; box-shadow: 0 -6px 12px -8px rgba(0, 0, 0, .35); }}
  #chat .message-row {{ scroll-margin-bottom: 9rem; }}
  #question textarea, #question input, textarea, input {{ font-size: 16px !important; }}
  #composer .row {{ flex-wrap: wrap; gap: .4em; }}
  #composer .row > .form {{ flex: 1 1 100% !important; min-width: 100% !important; }}
  #composer #ask, #composer #new-chat {{ flex: 1 1 40% !important; min-height: 40px; }}
  .human-note {{ font-size: .78em; margin: 0; }}
  .doc-view .doc-body {{ max-height: none; overflow: visible; }}
  .app-head p {{ font-size: .9em; }}
}}
"""

PAGE_THEME_CSS = f"""
:root {{ {_LIGHT} color-scheme: light dark; }}
@media (prefers-color-scheme: dark) {{ :root {{ {_DARK} }} }}
{_COLOURS}
body {{ background: var(--mb-subtle); color: var(--mb-text); }}
.doc-page-view {{ background: var(--mb-surface); }}
a {{ color: var(--mb-link); }}
"""
