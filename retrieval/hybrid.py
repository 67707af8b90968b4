"""HybridRetriever: dense (Chroma), lexical (BM25) and learned (ClauseRouter) scores fused into one clause ranking."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, NamedTuple

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import BaseModel, ConfigDict

from corpus.models import Clause, is_within
from retrieval.documents import QUESTION, clause_and_kind, clause_metadata
from retrieval.followup import is_elliptic
from retrieval.lexical import BM25Index
from retrieval.structure import StructureResolver, ordinals_of
from retrieval.text import QueryNormaliser

# Questions that ask for a list ("which parts", "what are the principles").
LIST_INTENT = re.compile(r"哪些|哪几|几个方面|几部分|几方面|几类|包括什么|包含什么|有什么内容|内容有|都有|分别|列出|\bwhat are\b|\blist\b|\bwhich\b")

# Asks how a heading divides (分哪几类, 几个方面): the heading that lists the parts answers it, not one part.
KINDS_INTENT = re.compile(r"(几|哪几)个?(类|种|方面|部分|大块|块|条|步)|(?<!部)分(成|为)?(哪|几)|\bhow many (kinds|types|categories|parts|aspects)\b"
                          r"|\bwhat (kinds|types|categories) of\b")


def _intent_text(question: str) -> str:
    """The question as list and kinds patterns read it: 第几部分 asks which part, not how many parts."""
    return question.lower().replace("第几", "第")


class ScoredClause(BaseModel):
    id: str
    score: float
    dense: float
    lexical: float


def _lead(ranked: list[ScoredClause], at: int) -> list[ScoredClause]:
    """ranked[at] moved to the front, its score just above the old leader's, so scores stay in rank order."""
    promoted = ranked[at].model_copy(update={"score": ranked[0].score + 1e-3})
    return [promoted, *ranked[:at], *ranked[at + 1:]]


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
    scope_weight: float = 0.5
    followup_weight: float = 0.5
    question_weight: float = 1.5
    router: Any = None  # a ClauseRouter (retrieval/router.py): p(clause | question), learned from the index's units
    router_weight: float = 0.0
    # The kind of fact a question asks for (a date, a count of projects, a phone number: retrieval.answer.AnswerType)
    # and which clauses state such a fact: a clause that shares the question's words but cannot answer its kind
    # (an outline section named like the question) yields to one that can.
    answer_types: list[Any] = []
    fact_weight: float = 0.0
    corrector: Any = None  # a retrieval.typos.TypoCorrector: homophone typos read as the notice's words

    @cached_property
    def _fact_holders(self) -> dict[str, frozenset[str]]:
        """Per answer type with evidence, the clauses whose own text states that kind of fact."""
        return {t.name: frozenset(cid for cid, c in self.clauses.items() if c.content_provided and t.present(c.text))
                for t in self.answer_types if (t.evidence or t.evidence_regex) and not t.message}

    def _states_asked_fact(self, target: str, kinds: list[str]) -> bool:
        """True unless the question asks for a kind of fact that the target (with its parts) does not state but
        some other clause does."""
        if not kinds:
            return True
        for kind in kinds:
            holders = self._fact_holders[kind]
            if any(is_within(h, target) for h in holders) or not holders:
                return True
        return False

    def fact_kinds(self, question: str, query: str) -> list[str]:
        """The kinds of fact the question asks for; an elliptic follow-up asks what its previous turn asked."""
        typed = query if is_elliptic(question) else question
        return [t.name for t in self.answer_types if t.name in self._fact_holders and (t.asked(question) or t.asked(typed))]

    def rank(self, query: str, context_scope: str | None = None, focus: str | None = None) -> RetrievalResult:
        """Ranks every clause for the query. A follow-up's query carries the previous question too;
        focus is the current question alone, whose words then count three times as much."""
        terms = self.normaliser.analyse(query)
        added = terms.added
        if self.corrector is not None:  # 申抱 -> 申报: counted like an expansion, at half weight
            added = added + [w for w in self.corrector.corrections(focus or query) if w not in added]
        expanded = self.normaliser.normalise(query, added)
        signals = self._signals(query, expanded, added, focus)
        ranked = self._fuse(signals)
        kinds = self.fact_kinds(focus or query, query) if self.fact_weight else []
        if kinds:
            ranked = [s.model_copy(update={"score": s.score + self.fact_weight * sum(
                s.id in self._fact_holders[k] for k in kinds) / len(kinds)}) for s in ranked]
        scopes = self.normaliser.scopes(query)
        if scopes:
            # 写在哪 / 方案里 ask about a part of the document (the outline): its clauses beat look-alikes elsewhere.
            ranked = [s.model_copy(update={"score": s.score + self.scope_weight})
                      if any(is_within(s.id, sc) and s.id != sc for sc in scopes) else s for s in ranked]
        # An unnamed title-only part drops below every clause with any similarity at all; so does a named one when
        # the question asks for a fact, which a part given only by its title cannot state.
        penalty = self.dense_weight + self.lexical_weight + self.question_weight + self.router_weight
        ranked = [s.model_copy(update={"score": s.score - penalty})
                  if not self.clauses[s.id].content_provided and (kinds or self._unnamed_title_only(s.id, query))
                  else s for s in ranked]
        target = self.structure.resolve(query, context_scope)
        if target is not None and not self._states_asked_fact(target, kinds):
            # Near-miss wording: the question names a part (大纲里"投资估算及筹措"…) but asks for a kind of fact
            # (a minimum amount) that part does not state and another clause does. The fact kind outweighs the name.
            target = None
        if target is not None:
            ranked = self._pointed_first(ranked, target)
        ranked.sort(key=lambda s: s.score, reverse=True)
        if target is None:
            ranked = self._heading_or_part_first(ranked, _intent_text(focus or query))
        return RetrievalResult(
            query=query, expanded=expanded, ranked=ranked, top_cosine=max(signals.dense.values()), coverage=self.lexical.coverage(expanded, terms.glossary),
            list_intent=bool(LIST_INTENT.search(_intent_text(query))), pointed=target is not None,
        )

    def _signals(self, query: str, expanded: str, added: list[str], focus: str | None) -> Signals:
        vector = self.store.embeddings.embed_query(expanded)
        dense, asked = self._dense(vector)
        routed = self.router.scores(vector) if self.router is not None else {}
        lexical = self._lexical(query, added)
        if focus and focus != query:
            # The current question's words, the indexed questions it resembles and the clause the router
            # sees in it outweigh the previous turn's.
            lexical = self._with_focus(lexical, self._lexical(focus))
            focus_vector = self.store.embeddings.embed_query(self.normaliser.normalise(focus))
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

    @staticmethod
    def _pointed_first(ranked: list[ScoredClause], target: str) -> list[ScoredClause]:
        """A positional reference (第二部分) outranks similarity. When the question's words match one of the
        target's own parts better than the target (大纲第二部分…还要写问题吗), that part leads and the target follows.
        Parts elsewhere do not compete: the reference has already chosen where to look."""
        top = max(s.score for s in ranked)
        scores = {s.id: s.score for s in ranked}
        parts = [cid for cid in scores if cid != target and is_within(cid, target)]
        inner = max(parts, key=scores.__getitem__, default=None)
        if inner is not None and scores[inner] <= scores[target]:
            inner = None
        bumped = {target: top + 1.0} | ({inner: top + 2.0} if inner else {})
        return [s.model_copy(update={"score": bumped[s.id]}) if s.id in bumped else s for s in ranked]

    def _heading_or_part_first(self, ranked: list[ScoredClause], question: str) -> list[ScoredClause]:
        """A heading and one of its parts at the top: 分哪几类 wants the heading, which lists the parts; a question
        that asks for no list (…写在哪, 还得写什么) wants the part, since the heading leads only by naming it."""
        # 第二类主要支持哪些方面: the ordinal picks one part, so 哪些 lists within that part, not the heading's parts.
        one_part = bool(ordinals_of(question))
        if KINDS_INTENT.search(question) and not one_part:
            return self._heading_first(ranked)
        if (one_part or not LIST_INTENT.search(question)) and self.clauses[ranked[1].id].parent == ranked[0].id:
            return _lead(ranked, 1)
        return ranked

    def _heading_first(self, ranked: list[ScoredClause]) -> list[ScoredClause]:
        """When a leaf part leads and its heading is close behind (top 3), the heading leads: it lists every part.
        A leading heading stays: it already lists its own parts."""
        top = self.clauses[ranked[0].id]
        if top.children:
            return ranked
        parent = top.parent
        at = next((i for i, s in enumerate(ranked[1:3], 1) if s.id == parent), None)
        return ranked if at is None else _lead(ranked, at)

    def _with_focus(self, whole: dict[str, float], focus: dict[str, float]) -> dict[str, float]:
        return {cid: v * self.followup_weight + focus.get(cid, 0.0) for cid, v in whole.items()}

    def _lexical(self, text: str, added: list[str] | None = None) -> dict[str, float]:
        lexical = self.lexical.scores(text)
        added = self.normaliser.expansions(text) if added is None else added
        extra = self.lexical.scores(" ".join(added))
        # Expansion words are hints, not the asker's own words: they count for less.
        return {cid: v + self.expansion_weight * extra[cid] for cid, v in lexical.items()}

    def _unnamed_title_only(self, cid: str, query: str) -> bool:
        """A part the source gives only a title for (附件2) answers nothing unless the question names it."""
        return not self.clauses[cid].content_provided and not self.structure.names(query, cid)

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
