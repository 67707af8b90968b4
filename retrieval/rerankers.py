"""Re-rankers: small named steps that reorder the fused clause ranking, in a fixed order.

Fusion (retrieval/hybrid.py) scores every clause by similarity. Each re-ranker then applies one piece of
knowledge about how notices are written and how applicants ask, read from the question's analysis.
Their order and weights are settings (RERANKERS, FACT_WEIGHT, SCOPE_WEIGHT, TITLE_ONLY_WEIGHT, POINTED_WEIGHT).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from corpus.models import is_within

if TYPE_CHECKING:
    from retrieval.analysis import QuestionAnalysis
    from retrieval.hybrid import HybridRetriever, ScoredClause


@dataclass(frozen=True)
class Ranking:
    """The clauses, best first once sorted, and the clause a positional reference chose (if any)."""

    clauses: list[ScoredClause]
    pointed: str | None = None

    def sorted(self) -> Ranking:
        return replace(self, clauses=sorted(self.clauses, key=lambda s: s.score, reverse=True))

    def scored(self, bonus: dict[str, float]) -> Ranking:
        return replace(self, clauses=[s.model_copy(update={"score": s.score + bonus[s.id]}) if bonus.get(s.id) else s
                                      for s in self.clauses])


class Reranker(ABC):
    """One reordering step. ``needs_order``: it reads the ranking's order, so the clauses are sorted first."""

    name: ClassVar[str]
    needs_order: ClassVar[bool] = False

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    @abstractmethod
    def rerank(self, ranking: Ranking, analysis: QuestionAnalysis, retriever: HybridRetriever) -> Ranking: ...


class FactKindReranker(Reranker):
    """A clause that states the kind of fact asked (a date, a minimum amount, a phone number) gains.

    Near-miss wording shares words with a heading that cannot answer (an outline section named like the
    question); the kind of fact asked outweighs the shared words."""

    name = "fact_kind"

    def rerank(self, ranking: Ranking, analysis: QuestionAnalysis, retriever: HybridRetriever) -> Ranking:
        kinds = retriever.fact_kinds_of(analysis)
        if not kinds:
            return ranking
        holders = retriever.fact_holders
        return ranking.scored({s.id: self.weight * sum(s.id in holders[k] for k in kinds) / len(kinds)
                               for s in ranking.clauses})


class ScopeReranker(Reranker):
    """写在哪 / 方案里 ask about a part of the document (the term list's scope expansions): its clauses beat
    look-alikes elsewhere."""

    name = "scope"

    def rerank(self, ranking: Ranking, analysis: QuestionAnalysis, retriever: HybridRetriever) -> Ranking:
        if not analysis.scopes:
            return ranking
        return ranking.scored({s.id: self.weight for s in ranking.clauses
                               if any(is_within(s.id, sc) and s.id != sc for sc in analysis.scopes)})


class TitleOnlyReranker(Reranker):
    """A part the source gives only by its title (附件2) answers nothing unless the question names it, and
    never a question that asks for a fact: it drops below every clause with any similarity at all."""

    name = "title_only"

    def rerank(self, ranking: Ranking, analysis: QuestionAnalysis, retriever: HybridRetriever) -> Ranking:
        penalty = self.weight * retriever.fusion_total
        kinds = retriever.fact_kinds_of(analysis)
        return ranking.scored({s.id: -penalty for s in ranking.clauses
                               if not retriever.clauses[s.id].content_provided
                               and (kinds or s.id not in analysis.named)})


class PositionalReranker(Reranker):
    """A positional reference (大纲第二部分, 附件2, 第十二条) outranks similarity; when the question's words match
    one of the target's own parts better than the target, that part leads and the target follows.

    A target that lacks the kind of fact asked, which another clause states, is ignored: the question
    names a part but asks for something that part does not say."""

    name = "positional"

    def rerank(self, ranking: Ranking, analysis: QuestionAnalysis, retriever: HybridRetriever) -> Ranking:
        target = analysis.target
        if target is None or not retriever.states_asked_fact(target, retriever.fact_kinds_of(analysis)):
            return ranking
        scores = {s.id: s.score for s in ranking.clauses}
        top = max(scores.values())
        parts = [cid for cid in scores if cid != target and is_within(cid, target)]
        inner = max(parts, key=scores.__getitem__, default=None)
        if inner is not None and scores[inner] <= scores[target]:
            inner = None
        bumped = {target: top + self.weight - scores[target]}
        if inner:
            bumped[inner] = top + 2 * self.weight - scores[inner]
        return replace(ranking.scored(bumped), pointed=target)


class HeadingOrPartReranker(Reranker):
    """A heading and one of its parts at the top: 分哪几类 wants the heading, which lists the parts; a question
    that asks for no list (…写在哪, 还得写什么) wants the part, since the heading leads only by naming it.
    Skipped when a positional reference chose the clause."""

    name = "heading_or_part"
    needs_order = True

    def rerank(self, ranking: Ranking, analysis: QuestionAnalysis, retriever: HybridRetriever) -> Ranking:
        ranked = ranking.clauses
        if ranking.pointed is not None or len(ranked) < 2:
            return ranking
        one_part = bool(analysis.ordinals)  # 第二类主要支持哪些方面: 哪些 lists within that one part
        if analysis.focus_kinds and not one_part:
            return replace(ranking, clauses=self._heading_first(ranked, retriever))
        if (one_part or not analysis.focus_list) and retriever.clauses[ranked[1].id].parent == ranked[0].id:
            return replace(ranking, clauses=_lead(ranked, 1))
        return ranking

    def _heading_first(self, ranked: list[ScoredClause], retriever: HybridRetriever) -> list[ScoredClause]:
        """A leaf part leads with its heading close behind (top 3): the heading leads, since it lists every part."""
        top = retriever.clauses[ranked[0].id]
        if top.children:
            return ranked
        at = next((i for i, s in enumerate(ranked[1:3], 1) if s.id == top.parent), None)
        return ranked if at is None else _lead(ranked, at)


class DocumentPartReranker(Reranker):
    """An ask about the document itself goes to the part that says it: who issued it and when to the signature
    and the header, what it rests on to the preamble (rules/intents.yaml, document_parts). The signature answers
    nothing else: its date is when the notice was signed, not a deadline, so it drops for other questions."""

    name = "document_part"
    answers_only_its_own: ClassVar[str] = "signature"

    def rerank(self, ranking: Ranking, analysis: QuestionAnalysis, retriever: HybridRetriever) -> Ranking:
        bonus = self.weight * retriever.fusion_total
        wanted = set(analysis.document_parts)
        scores: dict[str, float] = {}
        for s in ranking.clauses:
            role = document_role(s.id)
            if role in wanted:
                scores[s.id] = bonus
            elif role == self.answers_only_its_own:
                scores[s.id] = -bonus
        return ranking.scored(scores)


def document_role(clause_id: str) -> str | None:
    """signature / header / preamble for the notice's own parts (notice.signature); None for any other clause."""
    root, _, rest = clause_id.partition(".")
    return rest if root == "notice" and "." not in rest else None


def _lead(ranked: list[ScoredClause], at: int) -> list[ScoredClause]:
    """ranked[at] moved to the front, its score just above the old leader's, so scores stay in rank order."""
    promoted = ranked[at].model_copy(update={"score": ranked[0].score + 1e-3})
    return [promoted, *ranked[:at], *ranked[at + 1:]]


RERANKERS: dict[str, type[Reranker]] = {r.name: r for r in (
    FactKindReranker, ScopeReranker, TitleOnlyReranker, DocumentPartReranker, PositionalReranker,
    HeadingOrPartReranker)}
DEFAULT_ORDER = ["fact_kind", "scope", "title_only", "document_part", "positional", "heading_or_part"]


def make_rerankers(names: list[str], weights: dict[str, float]) -> list[Reranker]:
    """The named re-rankers in order, each with its weight (1.0 unless given); weight 0 leaves one out."""
    unknown = [n for n in names if n not in RERANKERS]
    if unknown:
        raise ValueError(f"unknown re-rankers {unknown}; known: {sorted(RERANKERS)}")
    return [RERANKERS[n](weights.get(n, 1.0)) for n in names if weights.get(n, 1.0) != 0]


def apply_rerankers(ranking: Ranking, rerankers: list[Reranker], analysis: QuestionAnalysis,
                    retriever: HybridRetriever) -> Ranking:
    """Each re-ranker in turn; the ranking is sorted before one that reads the order, and at the end."""
    for reranker in rerankers:
        if reranker.needs_order:
            ranking = ranking.sorted()
        ranking = reranker.rerank(ranking, analysis, retriever)
    return ranking.sorted()
