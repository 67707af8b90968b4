"""AssistantService: builds every component from Settings, once, and answers questions.

This is the composition root. The CLI, the web UI and the eval call it; none
of them builds components of their own.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Iterator
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


_SURROGATE = re.compile("[\ud800-\udfff]")
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


def _refused(reason: str, chars: int, message: str) -> InvalidQuestion:
    log.info("question refused: %s (%d chars)", reason, chars)
    return InvalidQuestion(message)


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
        lexical = BM25Index(self.document.clauses, tokenizer)
        retriever = HybridRetriever(
            store=self.store, lexical=lexical, normaliser=QueryNormaliser(terms),
            clauses=self.clauses, structure=StructureResolver(self.clauses), unit_count=self.store._collection.count(),
            k=self.settings.top_k, dense_weight=self.settings.dense_weight, lexical_weight=self.settings.lexical_weight,
        )
        answerer = ExtractiveAnswerer(
            self.clauses, tokenizer, load_answer_types(ANSWER_TYPES_FILE), read_source(self.settings.corpus_file),
            Confidence(threshold=self.settings.not_found_threshold), k=self.settings.top_k, idf=lexical.idf,
        )
        self.retriever = retriever
        self.startup_ms["chain"] = round((time.perf_counter() - started) * 1000, 1)
        if self.llm_model is not None:
            from llm.chain import build_llm_chain
            from llm.facts import load_verdict_hook

            log.info("answers by LLM %s (%s), extractive fallback", self.mode, self.settings.llm_provider)
            return build_llm_chain(retriever, answerer, self.llm_model, self.mode, self.settings.llm_timeout_s,
                                   verdicts=load_verdict_hook(self.clauses))
        return build_chain(retriever, answerer)

    @cached_property
    def llm_model(self) -> Any:
        """The configured chat model (LLM_PROVIDER), or None in the default offline mode."""
        if self.settings.llm_provider == "none":
            return None
        from llm.provider import make_chat_model

        return make_chat_model(self.settings)

    @property
    def mode(self) -> str:
        """Who writes answers: the LLM model name, or "extractive" (Answer.mode uses the same values)."""
        if self.settings.llm_provider == "none":
            return "extractive"
        return self.settings.llm_model or "extractive"

    def validate(self, question: str) -> str:
        """The question without control characters, or InvalidQuestion with a message for the user.

        Refusals are logged by reason and length only: the text may hold personal data.
        """
        limit = self.settings.max_question_chars
        too_long = f"问题过长（超过{limit}字），请精简后再问。"
        if not isinstance(question, str):
            raise _refused("not_text", 0, "问题应为文字，请输入您想了解的内容。")
        if len(question) > 10 * limit:  # do not even scan megabytes
            raise _refused("too_long", len(question), too_long)
        if _SURROGATE.search(question):  # bytes that were not UTF-8 (the CLI decodes argv with surrogateescape)
            raise _refused("bad_encoding", len(question),
                           "问题含有无法识别的字符（不是有效的 UTF-8 文本），请检查输入法或终端编码后重试。")
        cleaned = "".join(ch for ch in _ANSI_ESCAPE.sub("", question) if ch.isprintable() or ch in "\n\t").strip()
        if not cleaned:
            raise _refused("empty", len(question), "问题不能为空，请输入您想了解的内容。")
        if len(cleaned) > limit:
            raise _refused("too_long", len(cleaned), too_long)
        # Only emoji, punctuation or symbols. (Markup has letters: it is answered, as not_found, and shown escaped.)
        if not any(unicodedata.category(ch)[0] in "LN" for ch in cleaned):
            raise _refused("no_text", len(cleaned), "没有识别到文字内容，请用文字描述您想了解的问题。")
        return cleaned

    def ask(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
        question = self.validate(question)
        return self.chain.invoke({"question": question, "history": history or []})

    def ask_stream(self, question: str, history: list[dict[str, str]] | None = None) -> Iterator[str | Answer]:
        """Text chunks as the LLM writes them, then the final, validated Answer (offline mode: only the Answer).

        The chunks are a preview: show the Answer's text once it arrives, since validation may drop sentences
        and a failed LLM call is replaced by the extractive answer.
        """
        if self.llm_model is None:
            yield self.ask(question, history)
            return
        from llm.chain import stream_chain

        inp = {"question": self.validate(question), "history": history or []}
        yield from stream_chain(self.chain, inp, self.settings.llm_timeout_s)
