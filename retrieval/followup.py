"""Follow-up questions without an LLM: detect ellipsis, borrow the previous turn's topic.

The words are data (rules/intents.yaml ``followup``); a notice's pack adds its own name for the
programme (terms.yaml ``notice_words``), so 这个试点 reads as the notice, not as the previous turn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from retrieval.text import fold

INTENTS_FILE = Path(__file__).resolve().parent.parent / "rules/intents.yaml"
_MARKER = re.compile(r"〔([^〔〕]+)〕")


class FollowupRules(BaseModel):
    openers: str
    anaphora: list[str]
    linked: str
    notice_words: list[str] = []
    short_question: int = 8

    @cached_property
    def _openers(self) -> re.Pattern[str]:
        return re.compile(self.openers)

    def core(self, question: str) -> str:
        return self._openers.sub("", fold(question).strip())

    def is_elliptic(self, question: str) -> bool:
        core = self.core(question)
        # A Latin word carries about as much as two Chinese characters.
        size = len(re.findall(r"[\u4e00-\u9fff\d]", core)) + 2 * len(re.findall(r"[a-z]+", core))
        return size <= self.short_question

    def refers_back(self, question: str, notice_words: Iterable[str] = ()) -> bool:
        """Elliptic, linked (那…), or opening with a pronoun that is not followed by a word for the notice."""
        q = fold(question).strip()
        if self.is_elliptic(question) or re.match(self.linked, q):
            return True
        core = self._openers.sub("", q)
        pronoun = next((p for p in sorted(self.anaphora, key=len, reverse=True) if core.startswith(p)), None)
        if pronoun is None:
            return False
        rest = core[len(pronoun):].lstrip()
        return not any(rest.startswith(fold(w)) for w in [*self.notice_words, *notice_words])


@lru_cache(maxsize=2)
def load_followup_rules(path: Path = INTENTS_FILE) -> FollowupRules:
    with open(path, encoding="utf-8") as fh:
        return FollowupRules.model_validate((yaml.safe_load(fh) or {})["followup"])


class Turn(BaseModel):
    role: str
    content: str


def is_elliptic(question: str) -> bool:
    return load_followup_rules().is_elliptic(question)


def refers_back(question: str, notice_words: Iterable[str] = ()) -> bool:
    """Elliptic, or opening with a pronoun that needs the previous turn to mean anything."""
    return load_followup_rules().refers_back(question, notice_words)


def last_user_question(history: list[Turn]) -> str | None:
    return next((t.content for t in reversed(history) if t.role == "user" and t.content.strip()), None)


def cited_markers(history: list[Turn]) -> list[str]:
    """Citation markers (〔正文 三（四）〕) in the last assistant turn, in order."""
    last = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    return _MARKER.findall(last)


def condense(question: str, history: list[Turn], refers: bool | None = None) -> str:
    """A standalone retrieval query: the question, prefixed by the previous one when it refers back."""
    previous = last_user_question(history)
    if previous and (refers_back(question) if refers is None else refers):
        return f"{previous} {question}"
    return question
