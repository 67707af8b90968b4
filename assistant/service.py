"""AssistantService: builds every component from Settings, once, and answers questions.

This is the composition root. The CLI, the web UI and the eval call it; none
of them builds components of their own.
"""

from __future__ import annotations

import logging
import time
from functools import cached_property
from typing import Any

from assistant.settings import ROOT, Settings
from corpus.loader import load_notice, read_source
from corpus.models import Clause, ParsedDocument
from retrieval.answer import Answer, Confidence, ExtractiveAnswerer, load_answer_types
from retrieval.embeddings import make_embeddings
from retrieval.index import IndexManager, ProgressFn

log = logging.getLogger(__name__)

ANSWER_TYPES_FILE = ROOT / "rules/answer_types.yaml"


class InvalidQuestion(ValueError):
    """The question cannot be answered as given (empty, too long); the message is for the user."""


class AssistantService:
    """Answers questions about the notice with cited clauses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.startup_ms: dict[str, float] = {}

    @cached_property
    def document(self) -> ParsedDocument:
        return load_notice(self.settings.corpus_file)

    @cached_property
    def clauses(self) -> dict[str, Clause]:
        return self.document.by_id()

    @cached_property
    def embeddings(self) -> Any:
        return make_embeddings(self.settings.embedder)

    @cached_property
    def index(self) -> IndexManager:
        s = self.settings
        return IndexManager(s.index_dir, self.document, self.embeddings, s.collection, s.chroma_host, s.chroma_port)

    def ingest(self, rebuild: bool = False, progress: ProgressFn | None = None) -> IndexManager:
        self.__dict__["store"] = self.index.open(rebuild=rebuild, progress=progress)
        return self.index

    @cached_property
    def store(self) -> Any:
        return self.index.open()

    @cached_property
    def chain(self) -> Any:
        from retrieval.chain import build_chain
        from retrieval.hybrid import HybridRetriever
        from retrieval.lexical import BM25Index
        from retrieval.structure import StructureResolver
        from retrieval.text import QueryNormaliser, TermList, Tokenizer

        started = time.perf_counter()
        terms = TermList.load(self.settings.terms_file)
        tokenizer = Tokenizer(terms)
        retriever = HybridRetriever(
            store=self.store, lexical=BM25Index(self.document.clauses, tokenizer), normaliser=QueryNormaliser(terms),
            clauses=self.clauses, structure=StructureResolver(self.clauses), unit_count=self.store._collection.count(),
            k=self.settings.top_k, dense_weight=self.settings.dense_weight, lexical_weight=self.settings.lexical_weight,
        )
        answerer = ExtractiveAnswerer(
            self.clauses, tokenizer, load_answer_types(ANSWER_TYPES_FILE), read_source(self.settings.corpus_file),
            Confidence(threshold=self.settings.not_found_threshold), k=self.settings.top_k,
        )
        self.retriever = retriever
        self.startup_ms["chain"] = round((time.perf_counter() - started) * 1000, 1)
        return build_chain(retriever, answerer)

    def validate(self, question: str) -> str:
        cleaned = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
        if not cleaned:
            raise InvalidQuestion("问题不能为空，请输入您想了解的内容。")
        if len(cleaned) > self.settings.max_question_chars:
            raise InvalidQuestion(f"问题过长（超过{self.settings.max_question_chars}字），请精简后再问。")
        return cleaned

    def ask(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
        question = self.validate(question)
        return self.chain.invoke({"question": question, "history": history or []})
