"""The LLM answer chain as LangChain Runnables: prepare -> condense (LLM) -> retrieve (hybrid) -> generate -> validate.

The same pipeline as the extractive chain (retrieval/chain.py), with generation swapped in. The extractive answer
is always computed too: it is what the user gets, with a short note, when the model fails (endpoint down, timeout,
401, 429, malformed stream) or gives no answer that survives validation. Everything the model does (condensing and
generating together) happens within ``timeout_s``; local retrieval is not counted.

Generated text is streamed as LangChain custom events named ``TOKEN_EVENT`` (markers already rewritten to the house
form); ``AssistantService.ask_stream`` turns them into chunks for the UI.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler, dispatch_custom_event
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from corpus.models import Clause
from llm.facts import VerdictHook
from llm.prompts import format_clauses, format_facts, format_history, load_prompt
from llm.provider import FALLBACK_NOTES, FailureKind, LLMFailure, call_text, stream_text
from llm.validate import DROPPED_NOTE, AnswerValidator, MarkerResolver, MarkerStreamer, is_refusal, strip_thinking
from retrieval.analysis import QuestionAnalyser
from retrieval.answer import Answer, ExtractiveAnswerer, RetrievedClause
from retrieval.chain import analyse_turn
from retrieval.followup import Turn
from retrieval.hybrid import HybridRetriever, RetrievalResult
from retrieval.summary import summarise

log = logging.getLogger(__name__)

TOKEN_EVENT = "llm_answer_token"
MAX_CHILDREN = 10  # children of a heading-level clause given along with it
MAX_CONDENSED_CHARS = 300
REFUSAL_SUFFIX = "可参考的相关条款：{nearest}（仅供查阅，并非对本问题的回答）。"
_CONDENSE_PREFIX = re.compile(r"^(改写后的问题|问题|standalone question)\s*[:：]\s*", re.IGNORECASE)


def context_clauses(result: RetrievalResult, clauses: dict[str, Clause], k: int) -> list[Clause]:
    """The numbered clauses given to the model: the top k, each heading-level one followed by its children."""
    given: list[Clause] = []
    seen: set[str] = set()

    def add(clause: Clause) -> None:
        if clause.id not in seen:
            seen.add(clause.id)
            given.append(clause)

    for scored in result.ranked[:k]:
        clause = clauses[scored.id]
        add(clause)
        if clause.children and (result.list_intent or len(clause.text) <= len(clause.heading) + 8):
            for cid in clause.children[:MAX_CHILDREN]:
                add(clauses[cid])
    return given


def clean_condensed(text: str, fallback: str) -> str:
    """The first line of the model's rewrite, without labels or quotes; the rule-based query when unusable."""
    lines = [line.strip() for line in strip_thinking(text).splitlines() if line.strip()]
    if not lines:
        return fallback
    line = _CONDENSE_PREFIX.sub("", lines[0]).strip().strip("\"'“”「」")
    return line if 0 < len(line) <= MAX_CONDENSED_CHARS else fallback


def build_llm_chain(
    retriever: HybridRetriever, answerer: ExtractiveAnswerer, analyser: QuestionAnalyser, model: BaseChatModel,
    model_name: str, timeout_s: float, verdicts: VerdictHook | None = None,
) -> Runnable[dict[str, Any], Answer]:
    clauses = retriever.clauses
    validator = AnswerValidator(clauses, answerer.tokenizer)
    answer_prompt = load_prompt("answer")
    condense_prompt = load_prompt("condense")
    k = answerer.k
    rules = verdicts or VerdictHook()

    def prepare(inp: dict[str, Any]) -> dict[str, Any]:
        history = [Turn.model_validate(t) for t in inp.get("history") or []]
        analysis = analyse_turn({**inp, "history": history}, analyser, retriever)
        return {
            **inp, "history": history, "analysis": analysis, "query": analysis.query, "scope": analysis.scope,
            "t0": time.perf_counter(), "llm_spent_s": 0.0, "failure": None,
        }

    def condense_step(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        """A follow-up rewritten by the model into a standalone question (no history: the question itself)."""
        if not state["history"]:
            return {**state, "llm_query": state["question"]}
        messages = condense_prompt.format_messages(history=format_history(state["history"]), question=state["question"])
        started = time.perf_counter()
        try:
            text = call_text(model, messages, time.monotonic() + timeout_s, config)
        except LLMFailure as exc:
            log.warning("LLM condensing failed (%s); answering extractively", exc.kind)
            return {**state, "llm_query": state["query"], "failure": exc.kind}
        spent = time.perf_counter() - started
        llm_query = clean_condensed(text, state["query"])
        log.info("condensed %r -> %r", state["question"], llm_query)
        return {**state, "llm_query": llm_query, "condense_ms": spent * 1000, "llm_spent_s": spent}

    def retrieve(state: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        result = retriever.retrieve(state["analysis"])
        llm_result = result
        if state["llm_query"] != state["query"] and not state["failure"]:
            llm_result = retriever.rank(state["llm_query"], state["scope"])
        return {**state, "result": result, "llm_result": llm_result,
                "retrieve_ms": (time.perf_counter() - started) * 1000, "t1": time.perf_counter()}

    def generate(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        """Stream the model's answer from the numbered clauses; markers are rewritten as the text arrives."""
        if state["failure"]:
            return state
        try:
            facts = rules.facts(state["question"], state["analysis"].facts)
        except Exception as exc:  # noqa: BLE001 - the rules engine is optional here; answer without its facts
            log.warning("verdict facts failed for %r (%s); answering without them", state["question"], type(exc).__name__)
            facts = []
        given = context_clauses(state["llm_result"], clauses, k)
        ids = list(dict.fromkeys([*(c.id for c in given), *(cid for f in facts for cid in f.clause_ids)]))
        messages = answer_prompt.format_messages(
            clauses=format_clauses([clauses[i] for i in ids]), facts=format_facts([f.text for f in facts]),
            question=state["llm_query"])
        streamer = MarkerStreamer(MarkerResolver(clauses, ids))
        parts: list[str] = []
        first_token_ms = None
        try:
            deadline = time.monotonic() + timeout_s - state["llm_spent_s"]  # one budget for both LLM calls
            for text in stream_text(model, messages, deadline, config):
                if first_token_ms is None:
                    first_token_ms = (time.perf_counter() - state["t0"]) * 1000
                parts.append(text)
                shown = streamer.feed(text)
                if shown:
                    dispatch_custom_event(TOKEN_EVENT, shown, config=config)
            tail = streamer.flush()
            if tail:
                dispatch_custom_event(TOKEN_EVENT, tail, config=config)
        except LLMFailure as exc:
            log.warning("LLM answer failed (%s) after %d chunks; answering extractively", exc.kind, len(parts))
            return {**state, "failure": exc.kind, "given": ids}
        generated = "".join(parts)
        if not strip_thinking(generated).strip():
            log.warning("LLM answer was empty; answering extractively")
            return {**state, "failure": "malformed", "given": ids}
        return {**state, "generated": generated, "given": ids, "first_token_ms": first_token_ms}

    def validate(state: dict[str, Any]) -> Answer:
        question = state["question"]
        if state["failure"]:
            return _fallback(state, state["failure"])
        checked = validator.validate(state["generated"], state["given"], f"{question} {state['llm_query']}")
        if checked.dropped_markers or checked.dropped_claims:
            log.info("LLM answer to %r: dropped markers %s, dropped %d unsupported sentences",
                     question, checked.dropped_markers, checked.dropped_claims)
        retrieved = _retrieved(state["llm_result"])
        first = next((c for c in checked.claims if c.text.strip()), None)
        if first is not None and is_refusal(first.text):
            nearest = "、".join(clauses[r.id].label for r in retrieved[:3])
            text = checked.answer.rstrip() + ("\n" if checked.citations else "") + REFUSAL_SUFFIX.format(nearest=nearest)
            return _timed(rules.merge(question, state["analysis"].facts, Answer(
                question=question, status="not_found", answer=text, citations=checked.citations,
                retrieved=retrieved, mode=model_name)), state)
        if checked.valid_claims == 0:
            return _fallback(state, "unverified")
        text = checked.answer
        if checked.dropped_claims:
            text += "\n" + DROPPED_NOTE.format(n=checked.dropped_claims)
        # The 要点 line comes from the validated citations' verbatim quotes, as in the offline mode. It is kept in
        # the fields (the chat shows it in bold above the text), not put into the text the model streamed.
        summary, spans = summarise(question, checked.citations, kinds=state["analysis"].summary_kinds)
        return _timed(rules.merge(question, state["analysis"].facts, Answer(
            question=question, status="answered", answer=text, citations=checked.citations,
            retrieved=retrieved, mode=model_name, summary=summary, summary_spans=spans)), state)

    def _retrieved(result: RetrievalResult) -> list[RetrievedClause]:
        return [RetrievedClause(id=s.id, score=round(s.score, 4)) for s in result.ranked[:k]]

    def _fallback(state: dict[str, Any], kind: FailureKind) -> Answer:
        """The extractive answer, exactly as the offline mode gives it, under a short note."""
        analysis = state["analysis"]
        ans = rules.merge(analysis.question, analysis.facts, answerer.answer(analysis, state["result"]))
        ans.answer = f"{FALLBACK_NOTES[kind]}\n{ans.answer}"
        return _timed(ans, state)

    def _timed(ans: Answer, state: dict[str, Any]) -> Answer:
        done = time.perf_counter()
        ans.timings_ms = {
            "retrieve": round(state.get("retrieve_ms", 0.0), 2),
            "answer": round((done - state["t1"]) * 1000, 2),
            "total": round((done - state["t0"]) * 1000, 2),
        }
        for key in ("condense_ms", "first_token_ms"):
            if state.get(key) is not None:
                ans.timings_ms[key.removesuffix("_ms")] = round(state[key], 2)
        return ans

    return (
        RunnableLambda(prepare, name="prepare") | RunnableLambda(condense_step, name="condense")
        | RunnableLambda(retrieve, name="retrieve") | RunnableLambda(generate, name="generate")
        | RunnableLambda(validate, name="validate")
    ).with_config(run_name="llm_answer_chain")


class _TokenSink(BaseCallbackHandler):
    """Collects the chain's TOKEN_EVENT custom events into a queue."""

    def __init__(self, out: queue.Queue[Any]) -> None:
        self.out = out

    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        if name == TOKEN_EVENT and isinstance(data, str):
            self.out.put(data)


STREAM_GRACE_S = 30.0  # retrieval and validation time on top of the LLM timeout before the caller gives up


def stream_chain(chain: Runnable[dict[str, Any], Answer], inp: dict[str, Any], timeout_s: float) -> Iterator[str | Answer]:
    """Run the chain in a worker thread; yield its streamed text chunks, then its Answer (or raise its error)."""
    out: queue.Queue[Any] = queue.Queue()

    def run() -> None:
        try:
            out.put(chain.invoke(inp, config={"callbacks": [_TokenSink(out)]}))
        except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread below
            out.put(exc)

    threading.Thread(target=run, name="llm-answer", daemon=True).start()
    give_up = time.monotonic() + timeout_s + STREAM_GRACE_S
    while True:
        try:
            item = out.get(timeout=max(give_up - time.monotonic(), 0.001))
        except queue.Empty:
            raise TimeoutError("the answer chain did not finish") from None
        if isinstance(item, Exception):
            raise item
        yield item
        if isinstance(item, Answer):
            return


def fallback_kind(answer_text: str) -> str | None:
    """The failure kind whose note opens an answer text, or None for an answer the model gave."""
    return next((kind for kind, note in FALLBACK_NOTES.items() if answer_text.startswith(note)), None)
