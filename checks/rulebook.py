"""The schema of a notice's eligibility rules (notices/<slug>/eligibility.yaml), validated on load so a typo in a
rule fails at start-up, not in use."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from checks.profile import ProjectProfile, SubmissionProfile

VerdictKind = Literal["pass", "fail", "needs_review", "missing_info"]
PROFILES = {"project": ProjectProfile, "submission": SubmissionProfile}
_OPS = ("equals", "in_", "not_in", "at_least", "at_most", "on_or_before", "is_", "all_in", "contains", "otherwise")


class QuoteSpec(BaseModel):
    """Quote the first sentence of `clause` that contains `keyword`."""

    model_config = ConfigDict(extra="forbid")
    clause: str | None = None
    keyword: str


class Condition(BaseModel):
    """Exactly one test on a value. `@name` in a list test refers to a vocabulary list."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    equals: Any = None
    in_: list[Any] | str | None = Field(None, alias="in")
    not_in: list[Any] | str | None = None
    at_least: float | None = None
    at_most: float | None = None
    on_or_before: date | None = None
    is_: bool | None = Field(None, alias="is")
    all_in: list[str] | str | None = None
    contains: str | None = None
    otherwise: bool | None = None

    @model_validator(mode="after")
    def _one_op(self) -> Condition:
        set_ops = [op for op in _OPS if getattr(self, op) is not None]
        if len(set_ops) != 1:
            raise ValueError(f"a condition needs exactly one test, got {set_ops or 'none'}")
        return self

    @property
    def op(self) -> str:
        return next(op for op in _OPS if getattr(self, op) is not None)


class Applicability(Condition):
    field: str


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    when: Condition
    verdict: VerdictKind
    message: str
    quote: QuoteSpec | None = None


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: VerdictKind
    message: str


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    profile: Literal["project", "submission"]
    clause_ids: list[str] = Field(min_length=1)
    quote: QuoteSpec
    field: str
    applies_if: Applicability | None = None
    cases: list[Case] = Field(min_length=1)
    missing: Outcome

    @model_validator(mode="after")
    def _known_fields(self) -> Rule:
        fields = PROFILES[self.profile].model_fields
        for name in [self.field] + ([self.applies_if.field] if self.applies_if else []):
            if name not in fields:
                raise ValueError(f"rule {self.id}: {self.profile} profile has no field {name!r}")
        for spec in [self.quote] + [c.quote for c in self.cases if c.quote]:
            if spec.clause and spec.clause not in self.clause_ids:
                raise ValueError(f"rule {self.id}: quotes {spec.clause}, which is not among its clause_ids")
        return self


class RuleBook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vocabulary: dict[str, Any] = {}
    rules: list[Rule]

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleBook:
        ids = [r.id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate rule ids: {dupes}")
        return self

    def values(self, ref: list[Any] | str) -> list[Any]:
        """A literal list, or the vocabulary list named by @name."""
        if isinstance(ref, str):
            if not ref.startswith("@") or ref[1:] not in self.vocabulary:
                raise ValueError(f"unknown vocabulary reference {ref!r}")
            return list(self.vocabulary[ref[1:]])
        return ref

    def aliases(self, ref: list[Any] | str) -> dict[str, str]:
        """@domains may have domain_aliases: other spellings that count as a listed item."""
        return dict(self.vocabulary.get(f"{ref[1:]}_aliases", {})) if isinstance(ref, str) else {}


@lru_cache(maxsize=4)
def load_rulebook(path: Path) -> RuleBook:
    with open(path, encoding="utf-8") as fh:
        return RuleBook.model_validate(yaml.safe_load(fh) or {})
