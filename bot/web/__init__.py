"""The web app: FastAPI routes and the Gradio chat (``app``, with ``gradio_import`` that makes
gradio cheap to import), the page's HTML (``render``), CSS and JavaScript (``theme``, ``assets``,
``static/``), the words of the page and its notices (``page_text``, ``notices``, read from
``bot/data``), the answer JSON's models (``contract``), security headers (``security``) and
the stores the app writes (``feedback``, ``outcomes``, both through ``privacy``).

Owns: everything a browser or an HTTP client sees. May import ``bot.answering``, ``bot.query``
(the request's validation), ``bot.index`` (a type only) and the shared ``bot.schema`` and
``bot.settings``; must not import ``bot.tools`` nor ``bot.engine``: ``app.py`` passes the
engine in. ``outcomes`` and ``privacy`` are here because the app writes their logs as it
serves; ``python -m bot report`` (``bot.tools.report``) only reads them.
"""
