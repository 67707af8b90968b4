"""The structure a notice's outline annex asks a plan to follow, read from the parsed notice (never copied into code).

Which annex that is, and which of its parts lists the aspects of a key project, is the pack's data (OutlineSpec).
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from corpus.models import Clause
from corpus.packs import OutlineSpec
from retrieval.documents import split_sentences

_MARKER = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


class Section(BaseModel):
    """One heading of an outline annex (五、配套政策措施), with its guidance text."""

    id: str
    marker: str
    title: str
    short_title: str   # the parser's heading, cut at the first comma: what drafts tend to write
    heading_line: str  # verbatim prefix of the clause text: marker + title
    guidance: str      # the rest of the clause text: what the section should contain
    parent: str | None
    children: list[str] = []


def split_heading(clause: Clause) -> tuple[str, str]:
    """(heading line, guidance): the first sentence up to its first space, and the text after it."""
    sentences = split_sentences(clause.text)
    first = sentences[0] if sentences else clause.text
    heading = first.split(" ", 1)[0]
    return heading, clause.text[len(heading):].strip()


def section(clause: Clause) -> Section:
    heading, guidance = split_heading(clause)
    marker = _MARKER.match(heading)
    title = heading[marker.end():] if marker else heading
    return Section(id=clause.id, marker=marker.group() if marker else "", title=title.rstrip("。"),
                   short_title=clause.heading.rstrip("…"), heading_line=heading, guidance=guidance, parent=clause.parent, children=list(clause.children))


def outline_sections(clauses: dict[str, Clause], spec: OutlineSpec) -> list[Section]:
    """Every section under the outline annex, in reading order."""
    out: list[Section] = []

    def walk(cid: str) -> None:
        for child in clauses[cid].children:
            out.append(section(clauses[child]))
            walk(child)

    walk(spec.annex)
    return out


def annex_title(clauses: dict[str, Clause], spec: OutlineSpec) -> str:
    """The plan's title: the outline annex's heading without 编制大纲 (…工作方案编制大纲 -> …工作方案)."""
    return clauses[spec.annex].heading.removesuffix("编制大纲")
