"""Text-level helpers that know nothing of documents, indexes or questions: the one tokenizer
(``terms``, ``STOPWORDS``), sentence boundaries (``sentences``), whether a span can stand alone
as an answer (``forms``) and the word list that puts typos right (``spelling``).

Owns: how raw strings become words. Editing the stop words is a change here, and it reaches
BM25, scoring and question analysis together. Must not import any other part of ``bot``
except ``bot.schema`` and ``bot.settings`` (tests/test_layout.py holds this). ``spelling``
lives here rather than in ``query`` because corpus ingest (``bot.corpus.ingest``) reads the
same dictionary to mend words broken by a stray space.
"""
