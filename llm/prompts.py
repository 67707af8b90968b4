"""Prompt templates for the LLM mode, loaded from the data files in prompts/ and filled from typed inputs."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import yaml
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel

from corpus.models import Clause
from retrieval.followup import Turn

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
NO_FACTS = "（无）"
NOT_PROVIDED_NOTE = "（原文仅有标题，未提供具体内容）"
HISTORY_TURNS = 6  # messages (3 question/answer pairs) shown to the condensing prompt
HISTORY_CHARS = 300  # an earlier answer is cut to this many characters
ROLE_NAMES = {"user": "用户", "assistant": "助手"}


class PromptFile(BaseModel):
    """One prompt data file: a system and a human message template."""

    system: str
    human: str


@cache
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> ChatPromptTemplate:
    """prompts/<name>.yaml as a ChatPromptTemplate (system, human)."""
    with open(directory / f"{name}.yaml", encoding="utf-8") as fh:
        data = PromptFile.model_validate(yaml.safe_load(fh))
    return ChatPromptTemplate.from_messages([("system", data.system), ("human", data.human)])


def format_clauses(clauses: Sequence[Clause]) -> str:
    """The numbered clauses the model may cite: [n] id（label） then the clause text."""
    blocks = []
    for n, clause in enumerate(clauses, 1):
        text = clause.text if clause.content_provided else f"{clause.text}{NOT_PROVIDED_NOTE}"
        blocks.append(f"[{n}] {clause.id}（{clause.label}）\n{text}")
    return "\n\n".join(blocks)


def format_facts(facts: Sequence[str]) -> str:
    return "\n".join(f"- {f}" for f in facts) if facts else NO_FACTS


def format_history(history: Sequence[Turn]) -> str:
    """The last few turns as 用户：…/助手：… lines; long answers are cut."""
    lines = []
    for turn in list(history)[-HISTORY_TURNS:]:
        content = " ".join(turn.content.split())
        if len(content) > HISTORY_CHARS:
            content = content[:HISTORY_CHARS] + "…"
        lines.append(f"{ROLE_NAMES.get(turn.role, turn.role)}：{content}")
    return "\n".join(lines)
