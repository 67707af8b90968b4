"""Chat-session bookkeeping for the web UI, kept out of the Gradio callbacks.

A session is a list of turns ``{"question", "history", "answer"}`` where
``history`` is what the service saw before this turn and ``answer`` is the
answer object as a dict. The Chatbot's messages are derived from the turns,
two per turn (user, assistant), so message index ``2 * i + 1`` is turn ``i``'s
answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from corpus.models import Clause
from web.render import render_answer, render_pending, render_question

Turn = dict[str, Any]
ROLES = ("user", "assistant")
FEEDBACK_OPTIONS = ("Like", "Dislike", "引用有误", "答案有误")
_FLAG_KINDS = {"引用有误": "citation_wrong", "答案有误": "answer_wrong"}


class BadHistory(ValueError):
    """History from an API client is not a list of {role, content}; the message is for the user."""


def service_history(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """The conversation so far in the service's format: user questions and plain-text answers."""
    history: list[dict[str, str]] = []
    for t in turns:
        history.append({"role": "user", "content": t["question"]})
        history.append({"role": "assistant", "content": t["answer"].get("answer", "")})
    return history


def new_turn(question: str, history: Sequence[Mapping[str, str]], answer: Mapping[str, Any]) -> Turn:
    return {"question": question, "history": [dict(m) for m in history], "answer": dict(answer)}


def chat_messages(turns: Sequence[Turn], clauses: Mapping[str, Clause]) -> list[dict[str, str]]:
    """Chatbot messages (role/content dicts, content as escaped HTML) for the finished turns."""
    messages: list[dict[str, str]] = []
    for t in turns:
        messages.append({"role": "user", "content": render_question(t["question"])})
        messages.append({"role": "assistant", "content": render_answer(t["answer"], clauses)})
    return messages


def pending_messages(question: str, partial: str = "") -> list[dict[str, str]]:
    """The in-flight pair: the question and the answer streamed so far."""
    return [{"role": "user", "content": render_question(question)},
            {"role": "assistant", "content": render_pending(partial)}]


def turn_for_message(turns: Sequence[Turn], index: Any) -> Turn | None:
    """The turn whose assistant message is at Chatbot index (an int, or a [row, col] pair)."""
    if isinstance(index, (list, tuple)):
        index = index[0] if index else None
    if not isinstance(index, int) or index < 0 or index % 2 != 1:
        return None
    i = index // 2
    return turns[i] if i < len(turns) else None


def like_feedback(liked: Any) -> tuple[str, str] | None:
    """(rating, kind) for a Chatbot like event value; None when the user withdrew the choice."""
    if liked is True:
        return "up", "rating"
    if liked is False:
        return "down", "rating"
    if isinstance(liked, str) and liked in _FLAG_KINDS:
        return "down", _FLAG_KINDS[liked]
    return None


def report_choices(turns: Sequence[Turn]) -> list[tuple[str, int]]:
    """Choices for 'which answer is this report about', newest first."""
    out = []
    for i, t in enumerate(turns):
        q = t["question"].replace("\n", " ")
        out.append((f"第{i + 1}问：{q[:30]}{'…' if len(q) > 30 else ''}", i))
    return out[::-1]


def normalise_history(history: Any) -> list[dict[str, str]]:
    """Validate history sent by an API client: None or a list of {role: user|assistant, content: str}."""
    if history is None or history == "":
        return []
    if not isinstance(history, list):
        raise BadHistory("history 应为对话列表：[{\"role\": \"user\", \"content\": \"……\"}, …]")
    out = []
    for m in history:
        if not isinstance(m, Mapping) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
            raise BadHistory("history 中每一项应为 {\"role\": \"user\" 或 \"assistant\", \"content\": 文本}")
        out.append({"role": m["role"], "content": m["content"]})
    return out
