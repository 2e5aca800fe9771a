"""Understanding a question before anything is looked up: the request at the boundary
(``validate``), the conversation so far and what a follow-up refers to (``conversation``), the
kind of answer asked for (``qtype``), acronyms (``acronyms``) and the corpus's own world read from
data (``domain``).

Owns: turning a request into a query, the one frozen ``Query`` every later stage reads instead of
the question's text (``conversation.Query``, built by ``QueryBuilder.build``). May import ``bot.text`` (and the shared ``bot.schema``,
``bot.settings``); must not import the corpus, index, retrieval, answering, web or tools
packages: a question is understood before anything is looked up. ``validate`` is here
(the web app and the CLI import it from here) because parsing the request and its history is
the first step of understanding the question.
"""
