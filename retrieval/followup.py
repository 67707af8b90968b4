"""Follow-up questions without an LLM: detect ellipsis, borrow the previous turn's topic."""

from __future__ import annotations

import re

from pydantic import BaseModel

from retrieval.text import fold

# Openers and endings that lean on the previous turn: 那事业单位呢？ / what about …
_OPENERS = re.compile(r"^(那么|那如果|那|还有|另外|如果|要是|假如|换成|then\b|and\b|what about|how about)\s*|\s*呢?[？?。!！]*$")
_MARKER = re.compile(r"〔([^〔〕]+)〕")
SHORT_QUESTION = 8  # characters left after the openers; shorter questions rarely stand alone


class Turn(BaseModel):
    role: str
    content: str


def is_elliptic(question: str) -> bool:
    core = _OPENERS.sub("", fold(question).strip())
    # A Latin word carries about as much as two Chinese characters.
    size = len(re.findall(r"[\u4e00-\u9fff\d]", core)) + 2 * len(re.findall(r"[a-z]+", core))
    return size <= SHORT_QUESTION


def last_user_question(history: list[Turn]) -> str | None:
    return next((t.content for t in reversed(history) if t.role == "user" and t.content.strip()), None)


def cited_markers(history: list[Turn]) -> list[str]:
    """Citation markers (〔正文 三（四）〕) in the last assistant turn, in order."""
    last = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    return _MARKER.findall(last)


def condense(question: str, history: list[Turn]) -> str:
    """A standalone retrieval query: the question, prefixed by the previous one when it is elliptic."""
    previous = last_user_question(history)
    if previous and is_elliptic(question):
        return f"{previous} {question}"
    return question
