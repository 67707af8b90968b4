"""HybridRetriever: dense (Chroma), lexical (BM25) and learned (ClauseRouter) scores fused into one clause ranking."""

from __future__ import annotations

from functools import cached_property
from typing import Any, NamedTuple

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import BaseModel, ConfigDict

from corpus.models import Clause, is_within
from retrieval.analysis import QuestionAnalyser, QuestionAnalysis
from retrieval.documents import QUESTION, clause_and_kind, clause_metadata
from retrieval.lexical import BM25Index
from retrieval.rerankers import DEFAULT_ORDER, FactKindReranker, Ranking, Reranker, apply_rerankers, make_rerankers
from retrieval.structure import StructureResolver
from retrieval.text import QueryNormaliser


class ScoredClause(BaseModel):
    id: str
    score: float
    dense: float
    lexical: float


class Signals(NamedTuple):
    """Per clause: best passage cosine, best indexed-question cosine, router probability, BM25."""

    dense: dict[str, float]
    asked: dict[str, float]
    routed: dict[str, float]
    lexical: dict[str, float]


class RetrievalResult(BaseModel):
    """A ranking of every clause with the signals the answerer's confidence needs."""

    query: str
    expanded: str
    ranked: list[ScoredClause]
    top_cosine: float
    coverage: float
    list_intent: bool
    pointed: bool = False  # the question pointed at the top clause by position (第三部分, 附件2)


class HybridRetriever(BaseRetriever):
    """Fuses min-max-normalised cosine and BM25 scores; returns clause Documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any
    lexical: BM25Index
    normaliser: QueryNormaliser
    clauses: dict[str, Clause]
    structure: StructureResolver
    unit_count: int
    k: int = 5
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    expansion_weight: float = 0.5
    followup_weight: float = 0.5
    question_weight: float = 1.5
    router: Any = None  # a ClauseRouter (retrieval/router.py): p(clause | question), learned from the index's units
    router_weight: float = 0.0
    # The kinds of fact (retrieval.answer.AnswerType: a date, a count of projects, a phone number) and which
    # clauses state them, for the fact-kind and positional re-rankers.
    answer_types: list[Any] = []
    analyser: QuestionAnalyser | None = None  # reads a bare query (rank()) the way the chain reads a turn
    rerankers: list[Reranker] = make_rerankers(DEFAULT_ORDER, {})

    @cached_property
    def fact_holders(self) -> dict[str, frozenset[str]]:
        """Per answer type with evidence, the clauses whose own text states that kind of fact."""
        return {t.name: frozenset(cid for cid, c in self.clauses.items() if c.content_provided and t.present(c.text))
                for t in self.answer_types if (t.evidence or t.evidence_regex) and not t.message}

    @cached_property
    def fusion_total(self) -> float:
        """The most fusion can give a clause: a penalty this size sinks a clause below every similar one."""
        return self.dense_weight + self.lexical_weight + self.question_weight + self.router_weight

    @cached_property
    def _reads_fact_kinds(self) -> bool:
        return any(isinstance(r, FactKindReranker) for r in self.rerankers)

    def fact_kinds_of(self, analysis: QuestionAnalysis) -> list[str]:
        """The kinds of fact asked that some clause states (none when the fact-kind re-ranker is off)."""
        if not self._reads_fact_kinds:
            return []
        return [k for k in analysis.asked_types if k in self.fact_holders]

    def states_asked_fact(self, target: str, kinds: list[str]) -> bool:
        """False when the question asks for a kind of fact that the target (with its parts) does not state but some
        other clause does: every kind asked must be stated there (a figure somewhere in an annex is not the
        minimum amount asked for)."""
        return all(any(is_within(h, target) for h in self.fact_holders[k]) or not self.fact_holders[k] for k in kinds)

    def rank(self, query: str, context_scope: str | None = None, focus: str | None = None) -> RetrievalResult:
        """Ranks every clause for a bare query (analysed here); the chain passes its turn's analysis to retrieve."""
        if self.analyser is None:
            raise ValueError("HybridRetriever.rank needs an analyser; the chain calls retrieve(analysis)")
        return self.retrieve(self.analyser.of_query(query, focus or query, context_scope))

    def top_clause(self, question: str) -> str:
        """The clause a standalone question is most about (what a follow-up's ordinals count within)."""
        return self.rank(question).ranked[0].id

    def retrieve(self, analysis: QuestionAnalysis) -> RetrievalResult:
        """Ranks every clause: fused similarity, then the re-rankers. A follow-up's query carries the previous
        question too; the current question's own words then count three times as much."""
        expanded = analysis.expanded(self.normaliser)
        signals = self._signals(analysis, expanded)
        ranking = apply_rerankers(Ranking(self._fuse(signals)), self.rerankers, analysis, self)
        return RetrievalResult(
            query=analysis.query, expanded=expanded, ranked=ranking.clauses, top_cosine=max(signals.dense.values()),
            coverage=self.lexical.coverage(expanded, analysis.glossary), list_intent=analysis.list_intent,
            pointed=ranking.pointed is not None,
        )

    def _signals(self, analysis: QuestionAnalysis, expanded: str) -> Signals:
        vector = self.store.embeddings.embed_query(expanded)
        dense, asked = self._dense(vector)
        routed = self.router.scores(vector) if self.router is not None else {}
        lexical = self._lexical(analysis.query, analysis.expansions)
        focus = analysis.focus
        if focus:
            # The current question's words, the indexed questions it resembles and the clause the router
            # sees in it outweigh the previous turn's.
            lexical = self._with_focus(lexical, self._lexical(focus, analysis.focus_expansions))
            focus_vector = self.store.embeddings.embed_query(self.normaliser.normalise(focus, analysis.focus_expansions))
            if asked:
                asked = self._with_focus(asked, self._dense(focus_vector)[1])
            if routed:
                routed = self._with_focus(routed, self.router.scores(focus_vector))
        return Signals(dense, asked, routed, lexical)

    def _fuse(self, signals: Signals) -> list[ScoredClause]:
        """Each signal scaled to [0, 1] over the clauses, then weighted and summed."""
        dense, asked, routed, lexical = signals
        d_lo, d_hi = min(dense.values()), max(dense.values())
        l_hi = max(lexical.values()) or 1.0
        q_lo, q_hi = (min(asked.values()), max(asked.values())) if asked else (0.0, 0.0)
        r_hi = max(routed.values()) if routed else 1.0
        ranked = []
        for cid in self.clauses:
            d = (dense.get(cid, d_lo) - d_lo) / ((d_hi - d_lo) or 1.0)
            lex = lexical.get(cid, 0.0) / l_hi
            q = (asked.get(cid, q_lo) - q_lo) / ((q_hi - q_lo) or 1.0)
            r = routed.get(cid, 0.0) / (r_hi or 1.0)
            score = self.dense_weight * d + self.lexical_weight * lex + self.question_weight * q + self.router_weight * r
            ranked.append(ScoredClause(id=cid, score=score, dense=dense.get(cid, d_lo), lexical=lexical.get(cid, 0.0)))
        return ranked

    def _with_focus(self, whole: dict[str, float], focus: dict[str, float]) -> dict[str, float]:
        return {cid: v * self.followup_weight + focus.get(cid, 0.0) for cid, v in whole.items()}

    def _lexical(self, text: str, added: list[str]) -> dict[str, float]:
        lexical = self.lexical.scores(text)
        extra = self.lexical.scores(" ".join(added))
        # Expansion words are hints, not the asker's own words: they count for less.
        return {cid: v + self.expansion_weight * extra[cid] for cid, v in lexical.items()}

    def _dense(self, vector: list[float]) -> tuple[dict[str, float], dict[str, float]]:
        """Per clause, the best cosine of its passages and, apart, of the questions it answers."""
        # Chroma's cosine space returns a distance. Question-to-question cosines run higher than
        # question-to-passage ones, so the two kinds are pooled, and normalised, separately.
        passages: dict[str, float] = {}
        questions: dict[str, float] = {}
        for uid, dist in self.store.unit_distances(vector, self.unit_count):
            cid, kind = clause_and_kind(uid)
            best = questions if kind == QUESTION else passages
            best[cid] = max(best.get(cid, -1.0), 1.0 - float(dist))
        return passages, questions

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return self.to_documents(self.rank(query))

    def to_documents(self, result: RetrievalResult) -> list[Document]:
        docs = []
        for hit in result.ranked[: self.k]:
            clause = self.clauses[hit.id]
            meta = {**clause_metadata(clause), "score": hit.score, "dense": hit.dense, "lexical": hit.lexical}
            docs.append(Document(id=clause.id, page_content=clause.text, metadata=meta))
        return docs
