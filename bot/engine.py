"""The answering engine: one object, loaded once, answering many questions from many threads.

``Engine.load(settings)`` reads corpus/, opens (or builds) the index in embeddings/ and
prepares the lexical index; ``engine.ask(question, history)`` returns an ``Answer``.
The way of a question: ``Engine.read`` is the one place its text is read (cleaned, spelled,
tokenised, typed, acronyms and informal words resolved, follow-up status and thread decided,
embedded) into a ``Query``; retrieval, scoring and the answer's assembly (``_answer``) only read
that ``Query``.
Collaborators (embedder, index) can be passed in, so tests use a fake embedder and tiny data.
After loading, everything ``ask`` touches is read-only, except the embedder, which serialises
its own forward passes.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from bot.answering.answer import NOT_COVERED, Extractor, Weights
from bot.answering.calibration import calibrator_for
from bot.progress import to_stderr
from bot.query.qtype import NUMERIC
from bot.query.acronyms import AcronymMap
from bot.query.conversation import TOPIC_TURNS, Query, QueryBuilder
from bot.corpus.documents import load_corpus
from bot.query import domain
from bot.query.domain import Domain
from bot.index.embed import Embedder, make_embedder
from bot.answering.explain import Trace
from bot.answering.scorer import SCORER_FILE, FittedScorer
from bot.index.store import Index, chunk_search_text, open_index
from bot.answering.lists import Lists
from bot.retrieval.retrieve import HybridRetriever, LexicalIndex
from bot.schema import Answer, Document, Hit
from bot.answering.suggest import RelatedQuestions, Supersessions
from bot.settings import Settings
from bot.text.spelling import Speller, read_dictionary
from bot.index.vocabulary import Vocabulary
from bot.query.validate import Request, RequestError, Turn, clean_question, parse_request


# Question words the corpus never uses that are embedded to find their nearest corpus words.
MAX_UNKNOWN_WORDS = 16


_stderr = to_stderr  # progress lines on stderr; the index's bar redraws live on a terminal


def load_scorer() -> FittedScorer | None:
    """The fitted scorer, or None (said on stderr) when its file is missing or fails its check."""
    try:
        return FittedScorer.load(SCORER_FILE)
    except (OSError, ValueError) as exc:
        _stderr(f"scorer: not using the fitted scorer ({exc}); ranking by the hand-set rules, their confidence "
                "uncalibrated")
        return None


@dataclass
class Engine:
    settings: Settings
    embedder: Embedder
    index: Index
    retriever: HybridRetriever
    extractor: Extractor
    queries: QueryBuilder
    related: RelatedQuestions | None = None
    vocabulary: Vocabulary | None = None
    speller: Speller | None = None
    _word_cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _reload_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _word_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, settings: Settings | None = None, embedder: Embedder | None = None,
             progress: Callable[[str], None] | None = None, weights: Weights = Weights()) -> "Engine":
        settings = settings or Settings.from_env()
        log = progress or _stderr
        embedder = embedder or make_embedder(settings)
        documents, _skipped = load_corpus(settings.corpus_dir, warn=log)
        index, _ = open_index(settings.index_dir, documents, embedder, settings.chunk_max_tokens, log)
        return cls.from_index(settings, embedder, index, weights)

    @classmethod
    def from_index(cls, settings: Settings, embedder: Embedder, index: Index, weights: Weights = Weights()) -> "Engine":
        domain.use(Domain.load(Path(settings.domain_file)) if settings.domain_file else Domain())
        docs = list(index.documents.values())
        acronyms = AcronymMap.from_documents(docs)
        # BM25 reads each acronym a chunk writes with its full name: "is that the trust's
        # view?" finds the passage that only says "HT".
        texts = [chunk_search_text(index.documents[c.doc_id], index.chunks, i) for i, c in enumerate(index.chunks)]
        lexical = LexicalIndex([" ".join([text, *acronyms.names_written_in(text)]) for text in texts])
        retriever = HybridRetriever(index.faiss_index, index.chunk_vectors, lexical, settings.rrf_k)
        supersessions = Supersessions.from_index(index.documents, index.spans, acronyms)
        lists = Lists.from_documents(docs)
        # Headings that are list items ("We are open and fair") are no questions to offer.
        items = {index.documents[p.doc_id].body[s:e] for p in lists for s, e in p.items}
        related = RelatedQuestions(index.documents, index.spans,
                                   [c.heading for c in index.chunks if c.heading and c.heading not in items])
        # (word_vectors is never None after Index.__post_init__; the test tells the type checker so.)
        vocabulary = Vocabulary(index.words, index.word_vectors) if len(index.words) and index.word_vectors is not None else None
        # Typos are put right only with the model's vocabulary to tell them from real words.
        vocab_file = settings.model_path / "vocab.txt"
        speller = Speller.from_documents(docs, read_dictionary(vocab_file)) if vocab_file.is_file() else None
        # The scorer file holds the fitted ranker and the confidence calibrators (calibration.py).
        scorer = load_scorer() if settings.scorer in ("fitted", "hybrid") or settings.calibration != "off" else None
        calibrator = None
        if scorer is not None and settings.scorer != "fitted":  # fitted has its own confidence model
            calibrator = calibrator_for(scorer.calibration, settings.scorer, settings.calibration)
            if calibrator is None and settings.calibration != "off":
                _stderr(f"scorer: {SCORER_FILE.name} holds no {settings.calibration!r} calibration for "
                        f"{settings.scorer!r}; the confidence is the hand-set one (retrain: python -m bot train)")
        return cls(settings, embedder, index, retriever,
                   Extractor(index, lexical, weights, supersessions, acronyms, lists,
                             scorer if settings.scorer in ("fitted", "hybrid") else None,
                             fitted_confidence=settings.scorer == "fitted", calibrator=calibrator),
                   QueryBuilder(acronyms), related, vocabulary, speller)

    def ask(self, question: str, history: Sequence[Turn] = (), trace: Trace | None = None) -> Answer:
        """Answer one question; ``history`` holds the earlier turns, oldest first.

        The answer also offers up to three related questions the corpus answers. A ``trace``
        passed in is filled with how the answer was chosen (explain.py).

        What asking changes in the engine, all of it safe for concurrent requests: bounded caches
        (the vectors of unknown words, under ``_word_lock``; the answer stage's per-span values,
        termindex.Lazy), the acronym map's memo of acronyms looked up in the documents (copy on
        write, bounded), and a reload of the index when its mapped files changed on disk. Nothing
        of one request's answer is written where another request reads it."""
        if self.index.mapped and self.index.changed_on_disk():
            self._reload()
        t0 = time.perf_counter()
        query = self.read(question, history)
        if query is None:
            return Answer.failure("question is empty")
        answer = self._answer(query, trace, started=t0)
        if self.related is None or answer.error or query.vector is None:
            return answer
        t0 = time.perf_counter()
        # Related to what was answered (its passage), or to what was asked when nothing was.
        vector = self._answer_vector(answer) if answer.answered else query.vector
        related = self.related.pick(
            query.cleaned, vector,
            answer, ask=self._ask_alone, encode=self.embedder.encode,
            asked=[t.content for t in history if t.role == "user"],
        )
        answer.timings_ms["related"] = (time.perf_counter() - t0) * 1e3
        return replace(answer, related=tuple(related))

    def _ask_alone(self, question: str) -> Answer:
        """The answer to a question asked on its own (a related question is checked this way)."""
        query = self.read(question)
        return Answer.failure("question is empty") if query is None else self._answer(query)

    def _reload(self) -> None:
        """Load the index again (verified; rebuilt if damaged) after a mapped file changed under us,
        and answer from that: the mapping may hold anything now. One thread reloads, the others wait."""
        with self._reload_lock:
            if not self.index.changed_on_disk():
                return  # another thread has reloaded meanwhile
            _stderr(f"index: a mapped file in {self.settings.index_dir} changed while serving; loading it again")
            fresh = Engine.load(self.settings, embedder=self.embedder, weights=self.extractor.weights)
            for name in ("index", "retriever", "extractor", "queries", "related", "vocabulary", "speller"):
                setattr(self, name, getattr(fresh, name))

    def _answer_vector(self, answer: Answer) -> np.ndarray:
        """The stored vector of the answer's first cited span (no extra encoding)."""
        first = answer.citations[0]
        span_id = self.index.span_at.get((first.doc_id, first.start, first.end))
        if span_id is not None:
            return self.index.span_vectors[span_id]
        return self.embedder.encode([first.quote])[0]

    def _word_vectors(self, words: list[str]) -> np.ndarray:
        """Vectors of single words, remembered: the same few informal words come up again and again.

        Request threads share the cache: it is read and changed only under its lock, and this
        question's vectors are kept aside, so another thread's eviction can't take them away."""
        with self._word_lock:
            found = {w: self._word_cache[w] for w in dict.fromkeys(words) if w in self._word_cache}
        new = [w for w in dict.fromkeys(words) if w not in found]
        if new:  # one call for all of them: a call costs far more than a few extra short rows
            vectors = dict(zip(new, self.embedder.encode(new)))
            found |= vectors
            with self._word_lock:
                for word, vec in vectors.items():
                    while len(self._word_cache) >= 10_000:
                        self._word_cache.pop(next(iter(self._word_cache)))  # oldest first
                    self._word_cache[word] = vec
        return np.stack([found[w] for w in words])

    def explain(self, question: str, history: Sequence[Turn] = (), threshold: float | None = None) -> tuple[Answer, Trace]:
        """The answer (without related questions) and the trace of how it was chosen: the query,
        the retrieval ranks, every candidate's score parts, the confidence and the threshold.
        ``threshold`` overrides the configured one (evaluation asks with 0 to see every would-be answer)."""
        trace = Trace(question=question)
        t0 = time.perf_counter()
        query = self.read(question, history)
        answer = Answer.failure("question is empty") if query is None else self._answer(query, trace, threshold, t0)
        return answer, trace

    def read(self, question: str, history: Sequence[Turn] = ()) -> Query | None:
        """The question read, once: everything the later stages need of it, or None when it is empty.

        Cleaned, its typos (and the earlier questions') put right, read in its conversation
        (``QueryBuilder.build``: terms, acronyms, informal words, what it asks for, follow-up
        status and thread), embedded, and matched against the corpus's own words (the nearest
        corpus words of words it never uses) and replaced bodies. Nothing after this reads the
        question's text again."""
        cleaned = clean_question(question)
        if not cleaned:
            return None
        spelled, history = self._spelled(cleaned, history)
        query = self.queries.build(spelled, history)
        # A follow-up shares fewer words with its answer, so it needs less, unless the thread it
        # leans on went unanswered ("Is it still in them?" after "The sources don't cover this question.").
        unanswered = bool(history) and history[-1].content == NOT_COVERED
        vector = self.embedder.encode([query.text])[0]
        unknown = self.vocabulary.unknown(spelled, self.extractor.lexical.df.__contains__) if self.vocabulary else {}
        # A question has a few such words; a pasted page must not embed hundreds (bounded cost).
        unknown = dict(list(unknown.items())[:MAX_UNKNOWN_WORDS])
        soft = query.soft
        if unknown and self.vocabulary is not None:  # words the corpus never uses: their nearest corpus words (vectors cached per word)
            soft = self.vocabulary.nearest(unknown, self._word_vectors(list(unknown.values())))
        superseded = tuple(i for i, sup in enumerate(self.extractor.supersessions.items) if sup.mentioned_in(spelled))
        return replace(query, cleaned=cleaned, vector=vector, soft=soft, superseded=superseded,
                       leans_on_answer=query.followup and not unanswered)

    def _answer(self, query: Query, trace: Trace | None = None, threshold: float | None = None,
                started: float | None = None) -> Answer:
        """The answer to a question read into ``query`` (``Engine.read``): retrieval, scoring and
        assembly, each reading the query only. ``started``: when reading it began (for the timings)."""
        if query.vector is None:
            raise ValueError("a query to answer must be embedded (Engine.read embeds it)")
        t1 = time.perf_counter()
        # A question about a figure looks wider: each source's own figure should be found.
        k = self.settings.top_k_chunks * (3 if query.asks.wanted in NUMERIC else 1)
        hits = self.retriever.search(query.vector, query.terms, k)
        t2 = time.perf_counter()
        hand = self._hand_threshold(query.leans_on_answer)
        configured = self.threshold(query.leans_on_answer)
        if trace is not None:
            trace.spelled, trace.query, trace.hits, trace.configured_threshold = query.question, query, hits, configured
        answer = self.extractor.answer(query, hits, configured if threshold is None else threshold,
                                       trace.decision if trace is not None else None, rules_threshold=hand)
        t3 = time.perf_counter()
        answer.timings_ms.update(encode=(t1 - (t1 if started is None else started)) * 1e3, retrieve=(t2 - t1) * 1e3,
                                 extract=(t3 - t2) * 1e3)
        return answer

    def threshold(self, leans_on_answer: bool = False) -> float:
        """The threshold the confidence is held against, in the confidence's own space: the
        hand-set one, the fitted scorer's, or a calibrator's (calibration.py)."""
        hand = self._hand_threshold(leans_on_answer)
        fitted = self.extractor.confidence_scorer
        if fitted is not None:  # fitted thresholds go with fitted confidences
            return fitted.followup_threshold if leans_on_answer else fitted.threshold
        if self.extractor.calibrator is not None:
            return self.extractor.calibrator.threshold_for(leans_on_answer, hand)
        return hand

    def _hand_threshold(self, leans_on_answer: bool) -> float:
        """The settings' hand-set threshold (a follow-up leaning on an answer has its own)."""
        return self.settings.followup_abstain_threshold if leans_on_answer else self.settings.abstain_threshold

    def retrieve(self, question: str, history: Sequence[Turn] = (), k: int | None = None) -> list[Hit]:
        """The ranked chunks retrieval finds for a question (what ``ask`` extracts from)."""
        query = self.read(question, history)
        if query is None or query.vector is None:
            return []
        return self.retriever.search(query.vector, query.terms, k or self.settings.top_k_chunks)

    def _spelled(self, question: str, history: Sequence[Turn]) -> tuple[str, Sequence[Turn]]:
        """The question and the user's earlier questions with their typos put right ("complian")."""
        if self.speller is None:
            return question, history
        # Only the questions a follow-up can lean on (topic_questions) are read for their words:
        # correcting all fifty turns of a long history cost seconds and changed nothing.
        recent = [i for i, t in enumerate(history) if t.role == "user"][-TOPIC_TURNS:]
        history = list(history)
        for i in recent:
            history[i] = Turn("user", self.speller.correct(history[i].content))
        return self.speller.correct(question), history

    def ask_request(self, request: Request, trace: Trace | None = None) -> Answer:
        return self.ask(request.question, request.history, trace)

    def handle(self, obj: object, trace: Trace | None = None) -> Answer:
        """A raw request (parsed JSON or text) -> Answer; bad input becomes an error Answer."""
        try:
            request = parse_request(obj, max_chars=self.settings.max_question_chars, max_turns=self.settings.max_history_turns)
        except RequestError as exc:
            return Answer.failure(str(exc))
        return self.ask_request(request, trace)

    def document(self, doc_id: str) -> Document | None:
        return self.index.documents.get(doc_id) if isinstance(doc_id, str) else None

    def documents(self) -> list[Document]:
        return list(self.index.documents.values())
