"""Follow-up questions without an LLM: detect ellipsis, borrow the previous turn's topic."""

from __future__ import annotations

import re

from pydantic import BaseModel

from retrieval.text import fold

# Openers and endings that lean on the previous turn: 那事业单位呢？ / what about …
_OPENERS = re.compile(r"^(那么|那如果|那|还有|另外|如果|要是|假如|换成|then\b|and\b|what about|how about)\s*|\s*呢?[？?。!！]*$")
_MARKER = re.compile(r"〔([^〔〕]+)〕")
# A question that opens with a pronoun points at the previous turn (这个是硬杠杠吗, 另一类呢) - unless the
# pronoun is followed by a word for the notice itself (这个通知, 这个试点), which needs no previous turn.
_ANAPHOR = re.compile(r"^(这个|那个|这些|那些|这种|那种|这一|它们|它|该|上述|另一|另外一|其他的|其余的|别的|除了这)"
                      r"(?!\s*(通知|文件|政策|区域试点|试点))")
# 那… / 那么… ("then, …") and what about … tie the question to the previous turn whatever its length:
# 那做集成应用类的企业呢 asks the previous question again, of another subject.
_LINKED = re.compile(r"^(那|what about|how about|and what about)")
SHORT_QUESTION = 8  # characters left after the openers; shorter questions rarely stand alone


class Turn(BaseModel):
    role: str
    content: str


def is_elliptic(question: str) -> bool:
    core = _OPENERS.sub("", fold(question).strip())
    # A Latin word carries about as much as two Chinese characters.
    size = len(re.findall(r"[\u4e00-\u9fff\d]", core)) + 2 * len(re.findall(r"[a-z]+", core))
    return size <= SHORT_QUESTION


def refers_back(question: str) -> bool:
    """Elliptic, or opening with a pronoun that needs the previous turn to mean anything."""
    q = fold(question).strip()
    return is_elliptic(question) or bool(_LINKED.match(q) or _ANAPHOR.match(_OPENERS.sub("", q)))


def last_user_question(history: list[Turn]) -> str | None:
    return next((t.content for t in reversed(history) if t.role == "user" and t.content.strip()), None)


def cited_markers(history: list[Turn]) -> list[str]:
    """Citation markers (〔正文 三（四）〕) in the last assistant turn, in order."""
    last = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    return _MARKER.findall(last)


def condense(question: str, history: list[Turn]) -> str:
    """A standalone retrieval query: the question, prefixed by the previous one when it refers back."""
    previous = last_user_question(history)
    if previous and refers_back(question):
        return f"{previous} {question}"
    return question
