"""AssistantService: builds every component for one notice from Settings and its pack, once, and answers questions.

This is the composition root for one notice; ``assistant.library.NoticeLibrary`` holds one per notice
in use. The CLI, the web UI and the eval call them; none of them builds components of their own.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.settings import ROOT, Settings
from assistant.validation import InvalidQuestion, validate_question
from corpus.loader import load_clause_questions, load_notice, read_source
from corpus.models import Clause, ParsedDocument
from corpus.packs import NoticePack
from retrieval.answer import Answer, AnswerType, Confidence, ExtractiveAnswerer, combine_parts, load_answer_types
from retrieval.embedding_cache import SQLiteCachedEmbeddings
from retrieval.embeddings import make_embeddings
from retrieval.index import IndexManager, ProgressFn, QuestionForm
from retrieval.text import NORMALISER_VERSION, QueryNormaliser, TermList

if TYPE_CHECKING:  # imported only when used
    from checks.chat import ChatChecker
    from retrieval.analysis import QuestionAnalyser, QuestionAnalysis
    from retrieval.lexical import BM25Index
    from retrieval.router import ClauseRouter
    from retrieval.structure import StructureResolver
    from retrieval.text import Tokenizer

log = logging.getLogger(__name__)

ANSWER_TYPES_FILE = ROOT / "rules/answer_types.yaml"  # generic: kinds of fact any notice may not state
LEXICON_FILE = ROOT / "corpus/lexicon.yaml"  # generic: stopwords, words for parts, roles
OVER_BUDGET = "本次提问内容较多，处理时间已到，这一问未作回答，请单独再问一次。"
__all__ = ["ANSWER_TYPES_FILE", "LEXICON_FILE", "AssistantService", "InvalidQuestion"]


class AssistantService:
    """Answers questions about one notice with cited clauses."""

    def __init__(self, settings: Settings, pack: NoticePack | None = None, embeddings: Any = None) -> None:
        self.settings = settings
        if pack is None:
            from assistant.library import default_pack

            pack = default_pack(settings)
        self.pack = pack
        self.startup_ms: dict[str, float] = {}
        if embeddings is not None:  # shared by every notice of a library: one model in memory
            self.__dict__["embeddings"] = embeddings

    def enrichment(self, name: str) -> Path | None:
        """The pack's enrichment file, unless enrichments are switched off (ENRICHMENTS=false)."""
        return self.pack.enrichment(name) if self.settings.enrichments else None

    @cached_property
    def document(self) -> ParsedDocument:
        return load_notice(self.pack.text_path)

    @cached_property
    def clauses(self) -> dict[str, Clause]:
        return self.document.by_id()

    @cached_property
    def source_text(self) -> str:
        return read_source(self.pack.text_path)

    @cached_property
    def terms(self) -> TermList:
        own = self.enrichment("terms")
        return TermList.load_all([own, LEXICON_FILE] if own else [LEXICON_FILE])

    @cached_property
    def clause_questions(self) -> dict[str, list[str]]:
        """The pack's hand-written questions, else (QUESTION_BANK=auto) questions generated from the text."""
        own = self.enrichment("questions")
        if own is not None or self.settings.question_bank == "off":
            return load_clause_questions(own, set(self.clauses))
        from retrieval.question_bank import generate_questions

        return generate_questions(self.document.clauses)

    @cached_property
    def answer_types(self) -> list[AnswerType]:
        """The generic answer types, then the notice's own; messages name this notice and its examples."""
        own = self.enrichment("answer_types")
        types = load_answer_types(ANSWER_TYPES_FILE) + (load_answer_types(own) if own else [])
        examples = "例如：" + "".join(self.pack.meta.examples[:3]) if self.pack.meta.examples else ""
        return [t.model_copy(update={"message": t.message.format(title=self.pack.meta.title, examples=examples)})
                if t.message else t for t in types]

    @cached_property
    def structure(self) -> StructureResolver:
        from retrieval.structure import StructureResolver

        return StructureResolver(self.clauses, self.terms.parts)

    @cached_property
    def checker(self) -> ChatChecker | None:
        """Verdicts on facts a question states, when the notice has eligibility rules; else None (feature off)."""
        rules = self.enrichment("rules")
        if rules is None:
            return None
        from checks.chat import ChatChecker
        from checks.engine import RuleEngine
        from checks.rulebook import load_rulebook

        return ChatChecker(self.clauses, RuleEngine(self.clauses, load_rulebook(rules)))

    @cached_property
    def embeddings(self) -> Any:
        return SQLiteCachedEmbeddings(make_embeddings(self.settings.embedder), self.settings.embedding_cache_file)

    @cached_property
    def index(self) -> IndexManager:
        s = self.settings
        # Indexed questions are embedded as a user's question is: normalised with the term list.
        terms_sha256 = hashlib.sha256(self.terms.model_dump_json().encode()).hexdigest()[:16]
        form = QuestionForm(f"normalised-v{NORMALISER_VERSION}-{terms_sha256}", self.normaliser.normalise)
        # One index per notice and text: a revised version builds beside the live one, never over it.
        version = self.document.source_sha256[:12]
        collection = f"{s.collection}-{self.pack.slug}-{version[:8]}"
        return IndexManager(s.index_dir / self.pack.slug / version, self.document, self.embeddings, collection,
                            s.chroma_host, s.chroma_port, roles=self.terms.roles, questions=self.clause_questions,
                            question_form=form)

    def ingest(self, rebuild: bool = False, progress: ProgressFn | None = None) -> IndexManager:
        self.__dict__["store"] = self.index.open(rebuild=rebuild, progress=progress)
        return self.index

    @cached_property
    def store(self) -> Any:
        return self.index.open()

    @cached_property
    def router(self) -> ClauseRouter | None:
        """The ClauseRouter for the live index (cached weights, or trained now), or None when its weight is 0."""
        if self.settings.router_weight <= 0:
            return None
        from retrieval.router import load_or_train, router_key

        store = self.store
        # Read when the store was opened, so no second read (or server call); a store handed in from outside
        # (another service's) was opened by another manager, whose manifest is read now.
        manifest = self.index.live_manifest or self.index.current_manifest()
        if manifest is None:
            return None
        key = router_key(manifest.embedder, manifest.corpus_sha256, manifest.passages_sha256, manifest.question_form)
        return load_or_train(store, key, self.settings.router_cache_dir)

    @cached_property
    def normaliser(self) -> QueryNormaliser:
        return QueryNormaliser(self.terms, self.source_text)

    @cached_property
    def tokenizer(self) -> Tokenizer:
        from retrieval.text import Tokenizer

        return Tokenizer(self.terms)

    @cached_property
    def lexical(self) -> BM25Index:
        from retrieval.lexical import BM25Index

        return BM25Index(self.document.clauses, self.tokenizer)

    @cached_property
    def corrector(self) -> Any:
        """Reads homophone typos (申抱) as the notice's words (TYPO_CORRECTION), or None."""
        if not self.settings.typo_correction:
            return None
        from retrieval.typos import make_corrector

        tokenizer, terms = self.tokenizer, self.terms
        words = {w for c in self.document.clauses for w in tokenizer.tokens(c.text) if not w.startswith("#")}
        return make_corrector(self.source_text, words, tokenizer.segment, terms.stopwords, terms.function_chars)

    @cached_property
    def analyser(self) -> QuestionAnalyser:
        """Reads each question once (retrieval/analysis.py) for every later stage."""
        from retrieval.analysis import QuestionAnalyser

        vocabulary = self.checker.vocabulary if self.checker is not None else None
        return QuestionAnalyser(self.normaliser, self.structure, self.answer_types, self.corrector, vocabulary)

    @cached_property
    def chain(self) -> Any:
        from retrieval.chain import build_chain
        from retrieval.hybrid import HybridRetriever
        from retrieval.rerankers import make_rerankers

        started = time.perf_counter()
        s = self.settings
        retriever = HybridRetriever(
            store=self.store, lexical=self.lexical, normaliser=self.normaliser,
            clauses=self.clauses, structure=self.structure, unit_count=self.store._collection.count(),
            k=s.top_k, dense_weight=s.dense_weight, lexical_weight=s.lexical_weight,
            question_weight=s.question_weight, router=self.router, router_weight=s.router_weight,
            answer_types=self.answer_types, analyser=self.analyser,
            rerankers=make_rerankers(s.rerankers, s.reranker_weights),
        )
        answerer = ExtractiveAnswerer(
            self.clauses, self.tokenizer, self.answer_types, self.source_text,
            Confidence(threshold=s.not_found_threshold), k=s.top_k, idf=self.lexical.idf,
        )
        self.retriever = retriever
        self.startup_ms["chain"] = round((time.perf_counter() - started) * 1000, 1)
        if self.llm_model is not None:
            from llm.chain import build_llm_chain
            from llm.facts import load_verdict_hook

            log.info("answers by LLM %s (%s), extractive fallback", self.mode, s.llm_provider)
            return build_llm_chain(retriever, answerer, self.analyser, self.llm_model, self.mode, s.llm_timeout_s,
                                   verdicts=load_verdict_hook(self.checker))
        return build_chain(retriever, answerer, self.analyser, self.checker)

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
        """The cleaned question, or InvalidQuestion with a message for the user."""
        return validate_question(question, self.settings.max_question_chars)

    def bounded(self, history: list[dict[str, str]] | None) -> tuple[list[dict[str, str]], bool]:
        """The last MAX_HISTORY_TURNS turns, each cut to MAX_QUESTION_CHARS, and whether anything was cut.

        Only the last turns matter for a follow-up; an unbounded history would let one request hold a worker."""
        turns = list(history or [])
        limit, chars = self.settings.max_history_turns, self.settings.max_question_chars
        kept = turns[-limit:] if limit else []
        cut = len(kept) < len(turns)
        out = []
        for turn in kept:
            content = str(turn.get("content", "")) if isinstance(turn, dict) else ""
            cut = cut or len(content) > chars
            out.append({**turn, "content": content[:chars]})
        return out, cut

    def ask(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
        question = self.validate(question)
        turns, cut = self.bounded(history)
        chain = self.chain  # built first: the analysis of a follow-up may rank its previous question
        analysis = self.analyser.analyse(question, turns, previous_top=self.retriever.top_clause)
        if len(analysis.parts) < 2 or self.llm_model is not None:
            answer = chain.invoke({"question": question, "history": turns, "analysis": analysis})
        else:
            answer = self.answer_parts(analysis, turns)
        answer = self.addressed(answer)
        return self.noted_cut(answer) if cut else answer

    def answer_parts(self, analysis: QuestionAnalysis, history: list[dict[str, str]]) -> Answer:
        """Each ask answered on its own (a later one reads the earlier ones as the conversation), then one reply:
        answered when any part is, each part's lines under its own heading, the verdicts of the whole question."""
        turns = list(history)
        answers = []
        deadline = time.monotonic() + self.settings.request_budget_s
        for n, ask in enumerate(analysis.parts):
            if n and time.monotonic() > deadline:  # the budget is spent: the rest is not answered, and says so
                log.warning("time budget spent after %d of %d parts", n, len(analysis.parts))
                answers += [Answer(question=a, status="not_found", answer=OVER_BUDGET) for a in analysis.parts[n:]]
                break
            part = self.analyser.analyse(ask, turns, previous_top=self.retriever.top_clause)
            answers.append(self.chain.invoke({"question": ask, "history": turns, "analysis": part,
                                              "parts_of": analysis.question}))
            turns += [{"role": "user", "content": ask}, {"role": "assistant", "content": answers[-1].answer}]
        return combine_parts(analysis.question, answers, self.checker, analysis.facts, analysis.asks_eligibility)

    def noted_cut(self, answer: Answer) -> Answer:
        s = self.settings
        answer.answer += f"\n（对话记录较长，只参考了最近 {s.max_history_turns} 轮、每轮前 {s.max_question_chars} 字。）"
        return answer

    def addressed(self, answer: Answer) -> Answer:
        """The answer and its citations stamped with this notice's slug (slug + clause ID address a clause)."""
        slug = self.pack.slug
        answer.notice = slug
        for citation in answer.citations:
            citation.notice = slug
        return answer

    def ask_stream(self, question: str, history: list[dict[str, str]] | None = None) -> Iterator[str | Answer]:
        """Text chunks as the LLM writes them, then the final, validated Answer (offline mode: only the Answer).

        The chunks are a preview: show the Answer's text once it arrives, since validation may drop sentences
        and a failed LLM call is replaced by the extractive answer.
        """
        if self.llm_model is None:
            yield self.ask(question, history)
            return
        from llm.chain import stream_chain

        turns, cut = self.bounded(history)
        inp = {"question": self.validate(question), "history": turns}
        for item in stream_chain(self.chain, inp, self.settings.llm_timeout_s):
            if isinstance(item, str):
                yield item
            else:
                answer = self.addressed(item)
                yield self.noted_cut(answer) if cut else answer
