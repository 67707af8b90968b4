"""The 要点 line: one short line first in an answer, made only of spans of the cited clauses.

Which span is chosen depends on the kind of fact the question asks for (a date, copies, a count, an
amount, a recipient, a contact, who may apply: rules/summary.yaml). Each span is bound to its clause by
offsets, so the line states nothing the cited text does not. When no span of the asked kind stands in the
cited quotes, there is no line.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from retrieval.text import fold

SUMMARY_FILE = Path(__file__).resolve().parent.parent / "rules/summary.yaml"
SUMMARY_PREFIX = "要点："


class SummarySpan(BaseModel):
    """A span of a cited clause that the 要点 line quotes."""

    id: str = Field(description="The clause's ID")
    start: int = Field(description="Offset in the clause's normalised text")
    end: int
    text: str


class SummaryKind(BaseModel):
    name: str
    asked: list[str]
    span: str

    def is_asked(self, folded_question: str) -> bool:
        return any(fold(w) in folded_question for w in self.asked)


class SummaryRules(BaseModel):
    max_chars: int = 40
    connectives: list[str] = []
    verdict_labels: dict[str, str] = {}
    kinds: list[SummaryKind]

    def asked(self, question: str) -> list[SummaryKind]:
        folded = fold(question)
        return [k for k in self.kinds if k.is_asked(folded)]

    def span_in(self, kind: SummaryKind, clause_id: str, text: str, offset: int = 0) -> SummarySpan | None:
        """The first span of this kind in text (a quote starting at offset in its clause), short enough."""
        for m in re.finditer(kind.span, text):
            # Not across a heading (八、财政金融 全年…): the span starts after the last space or list mark in it.
            found = re.split(r"\s|、", m.group(0).strip(" ，,；;"))[-1] if re.search(r"\s|、", m.group(0)) else m.group(0)
            found = found.strip(" ，,；;")
            if 2 <= len(found) <= self.max_chars:
                start = offset + m.start() + m.group(0).find(found)
                return SummarySpan(id=clause_id, start=start, end=start + len(found), text=found)
        return None


@lru_cache(maxsize=2)
def load_summary_rules(path: Path = SUMMARY_FILE) -> SummaryRules:
    with open(path, encoding="utf-8") as fh:
        return SummaryRules.model_validate(yaml.safe_load(fh) or {})


_SEGMENT = re.compile(r"[^，。；：:,;]+")
_NUMBERED = re.compile(r"^\s*([（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十\d]+[、.．])")  # a heading, not an answer
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _bigrams(text: str) -> set[str]:
    chars = "".join(_CJK.findall(text))
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def best_segment(question: str, citation: object, max_chars: int) -> SummarySpan | None:
    """The part of a quote (between commas and full stops) that shares the most words with the question, if it
    shares any and is short enough: for a question that asks for no particular kind of fact."""
    asked = _bigrams(question)
    best: tuple[int, SummarySpan] | None = None
    for m in _SEGMENT.finditer(citation.quote):
        text = m.group(0).strip()
        if not (4 <= len(text) <= max_chars) or _NUMBERED.match(text):
            continue
        shared = len(asked & _bigrams(text))
        start = citation.start + m.start() + m.group(0).find(text)
        if shared >= 2 and (best is None or shared > best[0]):
            best = (shared, SummarySpan(id=citation.id, start=start, end=start + len(text), text=text))
    return best[1] if best else None


def summarise(question: str, citations: list, rules: SummaryRules | None = None,
              best_part: bool = True, kinds: list[str] | None = None) -> tuple[str | None, list[SummarySpan]]:
    """(the 要点 text, its spans) for an answer's citations, or (None, []) when no span fits the question.

    The kind of fact asked picks the span (kinds: the names the question's analysis found; else read from the
    question); a question that asks for no kind gets the part of the first quote that shares most words with it."""
    rules = rules or load_summary_rules()
    kinds_found = rules.asked(question) if kinds is None else [k for k in rules.kinds if k.name in kinds]
    for kind in kinds_found:
        for c in citations:
            span = rules.span_in(kind, c.id, c.quote, c.start)
            if span is not None:
                return span.text, [span]
    if not kinds_found and citations and best_part:
        span = best_segment(question, citations[0], rules.max_chars)
        if span is not None:
            return span.text, [span]
    return None, []


def verdict_summary(label: str, clause_id: str, clause_text: str, quote: str,
                    rules: SummaryRules | None = None) -> tuple[str, list[SummarySpan]]:
    """A verdict's 要点: its label, then the span of its quote that states the rule (or the whole quote if short)."""
    rules = rules or load_summary_rules()
    offset = clause_text.find(quote)
    for kind in rules.kinds:
        span = rules.span_in(kind, clause_id, quote, max(offset, 0))
        if span is not None:
            return f"{label}：{span.text}", [span]
    if len(quote) <= rules.max_chars and offset >= 0:
        text = quote.rstrip("。；")
        return f"{label}：{text}", [SummarySpan(id=clause_id, start=offset, end=offset + len(text), text=text)]
    return label, []


def parts_summary(citations: list, headings: dict[str, str], max_chars: int) -> tuple[str | None, list[SummarySpan]]:
    """For a question that asks for a list: the headings of the cited parts, when they fit on the line."""
    spans = []
    for c in citations[1:]:  # the first citation is the heading clause that lists them
        heading = headings.get(c.id, "")
        at = c.quote.find(heading) if heading else -1
        if at < 0 or heading.endswith("…"):
            return None, []
        spans.append(SummarySpan(id=c.id, start=c.start + at, end=c.start + at + len(heading), text=heading))
    text = "；".join(s.text for s in spans)
    return (text, spans) if len(spans) >= 2 and len(text) <= max_chars else (None, [])


def with_summary_line(text: str, summary: str | None) -> str:
    """The answer text with the 要点 line first (replacing an earlier one)."""
    body = text.split("\n", 1)[1] if text.startswith(SUMMARY_PREFIX) and "\n" in text else text
    return f"{SUMMARY_PREFIX}{summary}\n{body}" if summary else body
