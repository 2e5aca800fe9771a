"""Finding the chunks for a query: BM25 over the chunks (``LexicalIndex``), dense search through
the index's vectors, and reciprocal rank fusion of the two (``HybridRetriever``), all in
``retrieve``.

Owns: ranking chunks. May import ``bot.text`` (and the shared ``bot.schema``); must not import
the index, query, answering, web or tools packages: it ranks whatever terms, vectors and FAISS
index the engine passes in, and knows nothing of how they were built, nor of questions.
"""
