"""Verdicts as text for the command line and as Markdown for the staff tab: one layout, two renderings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from checks.engine import SEVERITY, VERDICT_LABELS, Verdict, VerdictKind
from corpus.models import Clause


def tag(kind: str) -> str:
    return f"[{VERDICT_LABELS[kind]} {kind}]"


def tally(verdicts: Iterable[Verdict]) -> str:
    counts = Counter(v.verdict for v in verdicts)
    order = sorted(SEVERITY, key=SEVERITY.get, reverse=True)
    return " · ".join(f"{VERDICT_LABELS[k]} {counts[k]}" for k in order if counts[k])


def markers(verdict: Verdict, clauses: dict[str, Clause]) -> str:
    return "、".join(f"〔{clauses[c].marker}〕{c}" for c in verdict.clause_ids if c in clauses)


def verdicts_text(verdicts: list[Verdict], overall: VerdictKind, clauses: dict[str, Clause], title: str = "") -> str:
    lines = [title] if title else []
    for v in verdicts:
        lines += [f"{tag(v.verdict)} {v.rule_id}  {markers(v, clauses)}", f"  {v.message}", f"  原文：「{v.quote}」", ""]
    lines.append(f"总体结论：{VERDICT_LABELS[overall]}（{overall}）  {tally(verdicts)}")
    return "\n".join(lines)


def verdicts_markdown(verdicts: list[Verdict], overall: VerdictKind, clauses: dict[str, Clause]) -> str:
    """Markdown for the staff tab; every value is escaped so user input cannot inject markup."""
    lines = [f"**总体结论：{VERDICT_LABELS[overall]}（{overall}）**　{tally(verdicts)}", ""]
    for v in verdicts:
        lines += [f"- **{tag(v.verdict)}** `{v.rule_id}` {md_escape(markers(v, clauses))}<br>{md_escape(v.message)}"
                  f"<br>原文：「{md_escape(v.quote)}」"]
    return "\n".join(lines)


def md_escape(text: str) -> str:
    """Plain text inside Markdown: HTML and Markdown control characters escaped."""
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in "\\`*_{}[]()#+-!|~":
        out = out.replace(ch, "\\" + ch)
    return out
