"""The rules engine (checks/) in the LLM mode: verdict facts for the prompt, and the verdict block on the answer.

When a question states checkable facts (我们是事业单位，投资3000万元), ``checks.chat.ChatChecker`` gives verdicts.
The LLM mode uses them twice: as 已核定事实 in the prompt, which the model may not override (their clauses are
added to the numbered clauses so it can cite them), and, exactly as the offline chain does, as the verdict block
merged in front of the final answer, so a model that contradicts a verdict still cannot hide it.
``load_verdict_hook`` is the one place the rules engine is wired in; without checks/ the hook does nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel

from retrieval.answer import Answer

log = logging.getLogger(__name__)


class VerdictFact(BaseModel):
    text: str
    clause_ids: list[str] = []


class VerdictHook:
    """Verdict facts and the verdict block; a no-op without a checker."""

    def __init__(self, checker: Any = None, labels: dict[str, str] | None = None) -> None:
        self.checker = checker
        self.labels = labels or {}

    def facts(self, question: str, stated: Any = None) -> list[VerdictFact]:
        """stated: the question's facts as its analysis read them (checks.facts.QuestionFacts)."""
        if self.checker is None:
            return []
        verdicts, _notes = self.checker.verdicts(question, stated)
        return [
            VerdictFact(
                text=f"{self.labels.get(v.verdict, v.verdict)}（{v.verdict}）：{v.message}依据原文：「{v.quote}」"
                     + "".join(f"〔{cid}〕" for cid in v.clause_ids),
                clause_ids=[cid for cid in v.clause_ids if cid in self.checker.clauses],
            )
            for v in verdicts
        ]

    def merge(self, question: str, stated: Any, answer: Answer) -> Answer:
        return answer if self.checker is None else self.checker.merge(question, answer, stated)


def load_verdict_hook(checker: Any) -> VerdictHook:
    """The hook backed by the notice's checks.chat.ChatChecker, or a no-op one for a notice without rules."""
    if checker is None:
        return VerdictHook()
    from checks.engine import VERDICT_LABELS

    return VerdictHook(checker, dict(VERDICT_LABELS))
