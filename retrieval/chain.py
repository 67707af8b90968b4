"""The answer chain as LangChain Runnables: condense -> retrieve (hybrid) -> answer."""

from __future__ import annotations

import time
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from corpus.models import Clause
from retrieval.answer import Answer, ExtractiveAnswerer
from retrieval.followup import Turn, cited_markers, condense, is_elliptic, last_user_question, refers_back
from retrieval.hybrid import HybridRetriever
from retrieval.structure import StructureResolver


def context_scope(question: str, history: list[Turn], retriever: HybridRetriever, structure: StructureResolver,
                  markers: dict[str, Clause]) -> str | None:
    """The clause a follow-up's ordinal counts within: what the previous turn cited or was about."""
    if not history or not (refers_back(question) or structure.dangling(question)):
        return None
    for marker in cited_markers(history):
        if marker in markers:
            return structure.list_scope(markers[marker].id)
    previous = last_user_question(history)
    if previous is None:
        return None
    return structure.list_scope(retriever.rank(previous).ranked[0].id)


def standalone_turn(question: str, history: list[Turn], retriever: HybridRetriever,
                    markers: dict[str, Clause]) -> tuple[str, str | None]:
    """The retrieval query for this turn and the clause its ordinals count within (None: no follow-up)."""
    structure = retriever.structure
    scope = context_scope(question, history, retriever, structure, markers)
    # 那第一类对企业有啥要求: the ordinal, spelled out, carries the previous turn, and the other words find
    # their topic. An elliptic 那第三个呢 keeps it: it points at that part and says nothing else.
    if scope is not None and structure.dangling(question) and not is_elliptic(question):
        return structure.spell_out(question, scope), scope
    return condense(question, history), scope


def build_chain(retriever: HybridRetriever, answerer: ExtractiveAnswerer,
                checker: Any = None) -> Runnable[dict[str, Any], Answer]:
    """checker: a checks.chat.ChatChecker for a notice with eligibility rules (verdicts on facts the question
    states), or None."""
    markers = {c.marker: c for c in retriever.clauses.values()}

    def prepare(inp: dict[str, Any]) -> dict[str, Any]:
        history = [Turn.model_validate(t) for t in inp.get("history") or []]
        query, scope = standalone_turn(inp["question"], history, retriever, markers)
        return {**inp, "history": history, "query": query, "scope": scope, "t0": time.perf_counter()}

    def retrieve(state: dict[str, Any]) -> dict[str, Any]:
        result = retriever.rank(state["query"], state["scope"], focus=state["question"])
        return {**state, "result": result, "t1": time.perf_counter()}

    def answer(state: dict[str, Any]) -> Answer:
        ans = answerer.answer(state["question"], state["result"], state["query"])
        if checker is not None and not state.get("parts_of"):  # a part's verdicts come with the whole question's
            ans = checker.merge(state["question"], ans)
        t2 = time.perf_counter()
        ans.timings_ms = {
            "retrieve": round((state["t1"] - state["t0"]) * 1000, 2),
            "answer": round((t2 - state["t1"]) * 1000, 2),
            "total": round((t2 - state["t0"]) * 1000, 2),
        }
        return ans

    return RunnableLambda(prepare) | RunnableLambda(retrieve) | RunnableLambda(answer)
