"""Choosing and shaping an answer from the retrieved chunks: candidate spans and the extractor
(``answer``), the lead and the quotes beside it (``assemble``), the fitted ranker and
confidence model (``scorer``), lists (``lists``), figures of number questions (``figures``),
quotes (``quotes``), supersessions and related questions (``suggest``) and the trace of why an
answer won (``explain``).

Owns: every decision about what is quoted and cited. May import ``bot.text``, ``bot.corpus``,
``bot.index``, ``bot.retrieval`` and ``bot.query``; must not import ``bot.web``, ``bot.tools``
or ``bot.engine`` (the engine passes its collaborators in).
"""
