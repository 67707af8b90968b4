"""The structure Annex 1 asks a plan to follow, read from the parsed notice (never copied into code)."""

from __future__ import annotations

import re

from pydantic import BaseModel

from corpus.models import Clause
from retrieval.documents import split_sentences

ANNEX = "annex1"
KEY_PROJECTS = "annex1.6"  # its children are the six aspects every key project must cover
_MARKER = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


class Section(BaseModel):
    """One heading of the outline: 五、开展物联网应用示范的配套政策措施, with its guidance text."""

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


def outline_sections(clauses: dict[str, Clause]) -> list[Section]:
    """Every section under annex1 in reading order (annex1.1 … annex1.6.6)."""
    out: list[Section] = []

    def walk(cid: str) -> None:
        for child in clauses[cid].children:
            out.append(section(clauses[child]))
            walk(child)

    walk(ANNEX)
    return out


def annex_title(clauses: dict[str, Clause]) -> str:
    """The plan's title: the annex heading (国家物联网重大应用示范工程区域试点总体工作方案编制大纲) without 编制大纲."""
    return clauses[ANNEX].heading.removesuffix("编制大纲")
