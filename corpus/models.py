"""Typed clause records: the unit that is indexed, retrieved and cited."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Clause(BaseModel):
    """One addressable part of the notice. IDs are a public contract."""

    id: str = Field(description="Stable ID such as notice.3.4 or annex1.6.3")
    parent: str | None = Field(default=None, description="ID of the enclosing clause")
    level: int = Field(description="Depth below the document root (notice.3 = 1, notice.3.4 = 2)")
    label: str = Field(description="Human label, e.g. 正文 三（四）投资规模")
    marker: str = Field(description="Citation marker text, e.g. 正文 三（四）")
    heading: str = Field(description="Short heading taken from the clause's own text")
    text: str = Field(description="The clause's own source text, whitespace normalised")
    headings: list[str] = Field(default_factory=list, description="Headings of the ancestors, outermost first")
    start: int = Field(description="Start offset of the clause's own text in the source")
    end: int = Field(description="End offset (exclusive) in the source")
    children: list[str] = Field(default_factory=list)
    content_provided: bool = Field(default=True, description="False where the source gives only a title")


def is_within(clause_id: str, ancestor_id: str) -> bool:
    """True when clause_id is ancestor_id or one of its descendants (a citation covers its descendants)."""
    return clause_id == ancestor_id or clause_id.startswith(ancestor_id + ".")


class ParsedDocument(BaseModel):
    """The clauses of one source, in reading order."""

    source_sha256: str
    clauses: list[Clause]
    structure: str = Field(
        default="numbered",
        description="How the body was split: numbered (一、（一）1.), regulation (第一章/第一条) or paragraphs (fallback)",
    )
    warnings: list[str] = Field(default_factory=list, description="What the parser could not read cleanly, in Chinese")

    def by_id(self) -> dict[str, Clause]:
        return {c.id: c for c in self.clauses}
