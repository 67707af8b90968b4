"""RuleEngine: evaluates a notice's eligibility rules on a profile into verdicts that quote the notice."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from pydantic import BaseModel

from checks.profile import Profile, ProjectProfile, SubmissionProfile
from checks.rulebook import Condition, QuoteSpec, Rule, RuleBook, VerdictKind
from corpus.models import Clause
from retrieval.documents import split_sentences

log = logging.getLogger(__name__)

# The overall result is the most serious verdict: a fail decides; missing facts come before a review.
SEVERITY: dict[str, int] = {"fail": 3, "missing_info": 2, "needs_review": 1, "pass": 0}
VERDICT_LABELS = {"pass": "符合", "fail": "不符合", "needs_review": "需人工审核", "missing_info": "信息不足"}


class Verdict(BaseModel):
    rule_id: str
    clause_ids: list[str]
    verdict: VerdictKind
    message: str
    quote: str


class CheckReport(BaseModel):
    overall: VerdictKind
    verdicts: list[Verdict]


def overall(verdicts: Iterable[Verdict]) -> VerdictKind:
    worst: VerdictKind = "pass"
    for v in verdicts:
        if SEVERITY[v.verdict] > SEVERITY[worst]:
            worst = v.verdict
    return worst


class QuoteNotFound(ValueError):
    """A rule's keyword is not in its clause: the rule file and the notice disagree."""


def quote_sentence(clause: Clause, keyword: str) -> str:
    """The first sentence of the clause's text that contains keyword, verbatim."""
    for sentence in split_sentences(clause.text):
        if keyword in sentence:
            return sentence
    raise QuoteNotFound(f"{clause.id} has no sentence containing {keyword!r}")


def show(value: Any) -> str:
    """A field value as it reads in a Chinese message."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, (list, tuple)):
        return "、".join(show(v) for v in value)
    return str(value)


class RuleEngine:
    """Evaluates every rule of a RuleBook; quotes are resolved once, against the parsed notice."""

    def __init__(self, clauses: dict[str, Clause], rulebook: RuleBook) -> None:
        self.clauses = clauses
        self.rulebook = rulebook
        self._quotes: dict[tuple[str, str], str] = {}
        for rule in self.rulebook.rules:
            for spec in [rule.quote] + [c.quote for c in rule.cases if c.quote]:
                self._quote(rule, spec)  # fail at start-up, not when a user first hits the rule

    def _quote(self, rule: Rule, spec: QuoteSpec) -> str:
        clause_id = spec.clause or rule.clause_ids[0]
        key = (clause_id, spec.keyword)
        if key not in self._quotes:
            if clause_id not in self.clauses:
                raise QuoteNotFound(f"rule {rule.id}: unknown clause {clause_id}")
            self._quotes[key] = quote_sentence(self.clauses[clause_id], spec.keyword)
        return self._quotes[key]

    # -- evaluation ------------------------------------------------------------------------
    def check(self, profile: Profile, only_present: bool = False) -> CheckReport:
        verdicts = self.verdicts(profile, only_present)
        return CheckReport(overall=overall(verdicts), verdicts=verdicts)

    def verdicts(self, profile: Profile, only_present: bool = False) -> list[Verdict]:
        """One verdict per applicable rule; with only_present, only rules whose field is filled in (the chat)."""
        out = self._evaluate(profile, only_present)
        if isinstance(profile, SubmissionProfile):
            for n, project in enumerate(profile.projects, 1):
                prefix = f"【重点项目{n}{'：' + project.project_name if project.project_name else ''}】"
                out += [v.model_copy(update={"message": prefix + v.message})
                        for v in self._evaluate(project, only_present)]
        return out

    def _evaluate(self, profile: ProjectProfile | SubmissionProfile, only_present: bool) -> list[Verdict]:
        out = []
        for rule in self.rulebook.rules:
            if rule.profile != profile.kind:
                continue
            if rule.applies_if is not None:
                gate = getattr(profile, rule.applies_if.field)
                if _empty(gate) or not self._holds(rule.applies_if, gate):
                    continue
            value = getattr(profile, rule.field)
            if _empty(value):
                if not only_present:
                    out.append(self._verdict(rule, rule.missing.verdict, rule.missing.message, rule.quote, value))
                continue
            case = next((c for c in rule.cases if self._holds(c.when, value)), None)
            if case is None:  # no case matched: the rule file is incomplete for this value
                log.warning("rule %s has no case for %r", rule.id, value)
                out.append(self._verdict(rule, "needs_review", "规则未覆盖该取值“{value}”，须人工审核。", rule.quote, value))
                continue
            out.append(self._verdict(rule, case.verdict, case.message, case.quote or rule.quote, value))
        return out

    def _verdict(self, rule: Rule, kind: VerdictKind, template: str, spec: QuoteSpec, value: Any) -> Verdict:
        # {others}: the items an all_in test of this rule leaves out (应用领域 outside the nine fields).
        lists = [c.when for c in rule.cases if c.when.op == "all_in"]
        others = self._outside(lists[0], value) if lists and not _empty(value) else []
        message = template.format(value=show(value), others=show(others or value))
        return Verdict(rule_id=rule.id, clause_ids=list(rule.clause_ids), verdict=kind, message=message,
                       quote=self._quote(rule, spec))

    # -- conditions --------------------------------------------------------------------------
    def _holds(self, cond: Condition, value: Any) -> bool:
        book = self.rulebook
        match cond.op:
            case "otherwise":
                return bool(cond.otherwise)
            case "equals":
                return value == cond.equals
            case "in_":
                return value in book.values(cond.in_)
            case "not_in":
                return value not in book.values(cond.not_in)
            case "at_least":
                return float(value) >= float(cond.at_least)
            case "at_most":
                return float(value) <= float(cond.at_most)
            case "on_or_before":
                return value <= cond.on_or_before
            case "is_":
                return value is cond.is_
            case "contains":
                return cond.contains in str(value)
            case "all_in":
                return not self._outside(cond, value)
        raise ValueError(f"unknown condition {cond.op}")

    def _outside(self, cond: Condition, value: Any) -> list[str]:
        allowed = set(self.rulebook.values(cond.all_in))
        aliases = self.rulebook.aliases(cond.all_in)
        return [v for v in value if aliases.get(v.strip(), v.strip()) not in allowed]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (list, str)) and not value)
