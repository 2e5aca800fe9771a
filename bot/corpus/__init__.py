"""The sources on their way in: reading ``corpus/`` (``documents``), turning raw pages and
saved files into corpus documents (``ingest``, ``sources``, ``add``) and cutting documents into
chunks and answer spans (``chunk``).

Owns: what a document and a chunk are made of. May import ``bot.text`` (and the shared
``bot.schema``, ``bot.settings``, ``bot.progress``); must not import the index, retrieval, query,
answering, web or tools packages, nor ``bot.engine``: a corpus can be read and chunked without
a model. ``add`` is here, not in ``tools``, because it only writes corpus files; the CLI
command that runs it refreshes the index itself.
"""
