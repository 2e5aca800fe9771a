"""The search index: embedders (``embed``: sentence-transformers, ONNX, the hashing embedder of the
tests), their cache (``cache``), the ANN structure (``ann``), building, saving and loading
``embeddings/`` (``store``), the compact per-span term lookups of the answer stage
(``termindex``) and the embedded corpus words (``vocabulary``).

Owns: vectors and everything persisted under ``embeddings/``. May import ``bot.text`` and
``bot.corpus`` (it chunks the documents it embeds); must not import retrieval, query,
answering, web or tools. ``vocabulary`` sits here rather than in ``query`` because its word
vectors are built with the index (``store`` imports it); the answer stage reads them.
"""
