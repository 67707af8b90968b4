"""Clause -> LangChain Document: the text each index sees and the metadata answers need."""

from __future__ import annotations

import re

from langchain_core.documents import Document

from corpus.models import Clause

NOT_PROVIDED = "原文未提供内容"
_SENTENCE_END = re.compile(r"(?<=[。；！？])")


def index_text(clause: Clause, by_id: dict[str, Clause]) -> str:
    """The passage that represents a clause: its context, its own text, and its children's headings.

    Heading-only clauses carry their children's headings so that a question
    about the heading (基本原则有哪些) finds them.
    """
    parts = [" ".join(clause.headings), clause.text]
    if clause.children:
        parts.append("包括：" + "；".join(by_id[c].heading for c in clause.children))
    if not clause.content_provided:
        parts.append(NOT_PROVIDED)
    return " ".join(p for p in parts if p)


PASSAGE, QUESTION = "passage", "question"  # unit kinds: the notice's own words, or a question a clause answers


def unit_id(clause_id: str, n: int, kind: str = PASSAGE) -> str:
    """A unit's Chroma ID: notice.3.4#0 (passage), notice.3.4#q0 (question). Scoring reads clause and kind from it."""
    return f"{clause_id}#{'q' if kind == QUESTION else ''}{n}"


def clause_and_kind(uid: str) -> tuple[str, str]:
    clause_id, _, n = uid.rpartition("#")
    return clause_id, QUESTION if n.startswith("q") else PASSAGE


def clause_metadata(clause: Clause, kind: str = PASSAGE) -> dict[str, str | int | bool]:
    return {
        "id": clause.id,
        "kind": kind,
        "label": clause.label,
        "marker": clause.marker,
        "parent": clause.parent or "",
        "level": clause.level,
        "content_provided": clause.content_provided,
    }


def unit_texts(clause: Clause, by_id: dict[str, Clause], role: str = "") -> list[str]:
    """Several short passages per clause: dense scores are pooled by max over them.

    A whole clause dilutes its embedding; its heading and each sentence, with
    the parent heading as context, match short questions better. A special
    part (the header, the preamble) also gets a passage that says what it is.
    """
    context = f"{clause.headings[-1]} " if clause.headings else ""
    units = [index_text(clause, by_id), context + clause.heading]
    units += [context + s for s in split_sentences(clause.text)]
    if role:
        units.append(f"{role}：{clause.text}")
    return list(dict.fromkeys(u for u in units if u.strip()))


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def clause_documents(clauses: list[Clause], roles: dict[str, str] | None = None,
                     questions: dict[str, list[str]] | None = None) -> list[Document]:
    """The documents stored in Chroma: several units per clause, each tagged with its clause ID and kind.

    Question units are questions the clause answers: a user's question is compared
    with them question to question, which bridges wording the notice never uses.
    """
    by_id = {c.id: c for c in clauses}
    roles, questions = roles or {}, questions or {}
    docs = []
    for c in clauses:
        for n, text in enumerate(unit_texts(c, by_id, roles.get(c.id, ""))):
            docs.append(Document(id=unit_id(c.id, n), page_content=text, metadata=clause_metadata(c)))
        for n, text in enumerate(dict.fromkeys(questions.get(c.id, []))):
            docs.append(Document(id=unit_id(c.id, n, QUESTION), page_content=text, metadata=clause_metadata(c, QUESTION)))
    return docs
