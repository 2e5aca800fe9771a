"""Tooling outside the runtime: the benchmark (``bench``, with ``launch`` to start the app), the
evaluation and its ablations (``evaluate``, ``ablation``), SQuAD and training of the scorer
(``squad``, ``train``), the corpus lint (``lint``), the usage report (``report``) and the count
of hand-set items (``handset``).

The test for belonging here: serving an answer never imports it. Tools may import anything
in ``bot`` (the engine, the CLI); nothing in the runtime (``bot.engine``, ``bot.web``, the
other subpackages) imports ``bot.tools``, and ``bot.cli`` imports it only inside the commands
that run it, so ``python -m bot ask`` and the app never load it.
"""
