"""The answer chain as LangChain Runnables: analyse -> retrieve (hybrid + re-rankers) -> answer."""

from __future__ import annotations

import time
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from retrieval.analysis import QuestionAnalyser, QuestionAnalysis
from retrieval.answer import Answer, ExtractiveAnswerer
from retrieval.followup import Turn
from retrieval.hybrid import HybridRetriever


def analyse_turn(inp: dict[str, Any], analyser: QuestionAnalyser, retriever: HybridRetriever) -> QuestionAnalysis:
    """The turn's analysis: handed in (a part of a question the service split), or read here, once."""
    if inp.get("analysis") is not None:
        return inp["analysis"]
    history = [Turn.model_validate(t) for t in inp.get("history") or []]
    return analyser.analyse(inp["question"], history, previous_top=retriever.top_clause)


def build_chain(retriever: HybridRetriever, answerer: ExtractiveAnswerer, analyser: QuestionAnalyser,
                checker: Any = None) -> Runnable[dict[str, Any], Answer]:
    """checker: a checks.chat.ChatChecker for a notice with eligibility rules (verdicts on facts the question
    states), or None."""

    def prepare(inp: dict[str, Any]) -> dict[str, Any]:
        t0 = time.perf_counter()
        return {**inp, "analysis": analyse_turn(inp, analyser, retriever), "t0": t0}

    def retrieve(state: dict[str, Any]) -> dict[str, Any]:
        result = retriever.retrieve(state["analysis"])
        return {**state, "result": result, "t1": time.perf_counter()}

    def answer(state: dict[str, Any]) -> Answer:
        analysis: QuestionAnalysis = state["analysis"]
        ans = answerer.answer(analysis, state["result"])
        if checker is not None and not state.get("parts_of"):  # a part's verdicts come with the whole question's
            ans = checker.merge(analysis.question, ans, analysis.facts, lead=analysis.asks_eligibility)
        t2 = time.perf_counter()
        ans.timings_ms = {
            "retrieve": round((state["t1"] - state["t0"]) * 1000, 2),
            "answer": round((t2 - state["t1"]) * 1000, 2),
            "total": round((t2 - state["t0"]) * 1000, 2),
        }
        return ans

    return RunnableLambda(prepare) | RunnableLambda(retrieve) | RunnableLambda(answer)
