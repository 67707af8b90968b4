"""Notice packs: one folder per notice, its source as published, its metadata, optional enrichments.

A pack is data. Code reads any pack the same way; what is true of one notice
(its term list, the questions each clause answers, eligibility rules, example
questions, words for its parts) lives in that notice's folder. A pack with only
a source file and ``notice.yaml`` works: each missing enrichment turns one
feature off for that notice, and ``NoticePack.features`` says which.

Layout::

    <slug>/notice.yaml        metadata (NoticeMeta)
    <slug>/source.<ext>       the file as published (txt, docx, pdf, html)
    <slug>/text.txt           the text the parser reads, when the source is not plain text
    <slug>/terms.yaml         optional: the notice's own term list (merged over corpus/lexicon.yaml)
    <slug>/questions.yaml     optional: questions each clause answers, indexed beside it
    <slug>/answer_types.yaml  optional: kinds of fact this notice cannot answer (merged over rules/answer_types.yaml)
    <slug>/eligibility.yaml   optional: eligibility rules for staff checks and verdicts in the chat
                              (the words that read an asker's facts are generic: rules/facts.yaml)
"""

from __future__ import annotations

import hashlib
import re
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, field_validator

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,46}[a-z0-9]$")
META_FILE = "notice.yaml"
TEXT_FILE = "text.txt"
ENRICHMENTS = {
    "terms": "terms.yaml",
    "questions": "questions.yaml",
    "answer_types": "answer_types.yaml",
    "rules": "eligibility.yaml",
}
# What each feature means for staff and applicants, in the UI's words.
FEATURE_LABELS = {
    "terms": "专用术语表",
    "questions": "人工编写的索引问题",
    "answer_types": "专用答案类型",
    "rules": "资格核对规则",
    "outline": "方案大纲核对",
    "examples": "示例问题",
}


class PackError(ValueError):
    """A pack folder that cannot be read; the message names the folder and what is wrong."""


class AnnexMeta(BaseModel):
    number: int
    title: str
    content_provided: bool = True


class OutlineSpec(BaseModel):
    """Where a notice's plan outline sits, for the outline check and the plan template."""

    annex: str = Field(description="The clause whose parts a plan must follow, e.g. annex1")
    key_projects: str = Field(description="The clause whose parts every key project must cover")


class NoticeMeta(BaseModel):
    """notice.yaml: what staff and applicants see about a notice, and where its source is."""

    slug: str
    title: str
    short_title: str | None = Field(None, description="Page title in the web chat; default: the title")
    description: str | None = None
    issuer: str | None = None
    doc_number: str | None = Field(None, description="发文字号, e.g. 发改办财金规〔2019〕860号")
    date: str | None = Field(None, description="成文日期, YYYY-MM-DD")
    published: str | None = Field(None, description="发布日期, YYYY-MM-DD, when a web page gives it")
    recipients: list[str] = []
    annexes: list[AnnexMeta] = []
    source: str = Field(description="File name of the source as published, inside the pack")
    source_format: str = "txt"
    examples: list[str] = Field([], description="Example questions the web chat offers")
    part_aliases: dict[str, list[str]] = Field(
        {}, description="Words users use for a whole part (clause ID -> words), e.g. annex1: [大纲, 编制大纲]")
    outline: OutlineSpec | None = None
    provenance: str | None = Field(None, description="Where the source was found")
    warnings: list[str] = Field([], description="What the parser or the format reader noted when it was added")
    added_at: str | None = None

    @field_validator("slug")
    @classmethod
    def _slug_shape(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"slug {value!r} must be 3-48 characters of a-z, 0-9 and '-'")
        return value

    @property
    def display_title(self) -> str:
        return self.short_title or self.title


class NoticePack:
    """A notice's folder: metadata, the text to parse, and the enrichments it has."""

    def __init__(self, root: Path, meta: NoticeMeta, shipped: bool = False) -> None:
        self.root = Path(root)
        self.meta = meta
        self.shipped = shipped  # shipped with the app (notices/), not added by staff at run time

    @property
    def slug(self) -> str:
        return self.meta.slug

    @property
    def source_path(self) -> Path:
        return self.root / self.meta.source

    @property
    def text_path(self) -> Path:
        """The text the parser reads: the extracted text for a DOCX, PDF or web page, else the source itself."""
        extracted = self.root / TEXT_FILE
        return extracted if extracted.is_file() else self.source_path

    @cached_property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text_path.read_bytes()).hexdigest()

    def enrichment(self, name: str) -> Path | None:
        path = self.root / ENRICHMENTS[name]
        return path if path.is_file() else None

    @property
    def features(self) -> dict[str, bool]:
        """Which optional features this notice has (missing data means off, never a crash)."""
        found = {name: self.enrichment(name) is not None for name in ENRICHMENTS}
        found["outline"] = self.meta.outline is not None
        found["examples"] = bool(self.meta.examples)
        return found

    def missing_features(self) -> list[str]:
        return [FEATURE_LABELS[name] for name, on in self.features.items() if not on and name in FEATURE_LABELS]

    def __repr__(self) -> str:
        return f"NoticePack({self.slug!r}, {str(self.root)!r})"


def load_pack(root: Path, shipped: bool = False) -> NoticePack:
    path = Path(root) / META_FILE
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        meta = NoticeMeta.model_validate(data)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise PackError(f"{path}: {exc}") from exc
    pack = NoticePack(root, meta, shipped)
    if not pack.text_path.is_file():
        raise PackError(f"{root}: source file {meta.source} is missing")
    return pack


def write_meta(root: Path, meta: NoticeMeta) -> None:
    from retrieval.index import write_atomic

    text = yaml.safe_dump(meta.model_dump(exclude_defaults=True), allow_unicode=True, sort_keys=False, width=200)
    write_atomic(Path(root) / META_FILE, "# Notice metadata (corpus/packs.py: NoticeMeta)\n" + text)
