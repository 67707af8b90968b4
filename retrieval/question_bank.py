"""An automatic question bank: questions each clause answers, generated from the notice's own text.

A notice added without hand-written questions still gets question units beside its passages, so that
question-to-question matching and the ClauseRouter have material for it. The questions come from the
clause's heading (「X」有什么要求 / 包括哪些), from the kinds of fact its sentences state (a date, an
amount, a count, copies, a contact, who is responsible, where to submit) and from what the special parts
are (the header, the preamble, the signature, the 附件 list). The templates are data
(rules/question_templates.yaml); nothing here knows a particular notice.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from corpus.models import Clause
from retrieval.documents import split_sentences

TEMPLATES_FILE = Path(__file__).resolve().parent.parent / "rules/question_templates.yaml"
_HEADING_TRIM = re.compile(r"^[\s（(]*[一二三四五六七八九十\d]+[、.．)）]\s*|[。：:；;，,\s…]+$")
MIN_HEADING, MAX_HEADING = 2, 20
MAX_PER_CLAUSE = 12


class FactTemplate(BaseModel):
    name: str
    pattern: str  # a sentence of the clause states this kind of fact
    questions: list[str]  # {h}: the clause's heading; {x}: the matched words, where the template uses them


class QuestionTemplates(BaseModel):
    heading: list[str]  # every clause with a usable heading
    parts: list[str]  # a clause with children (a list of parts)
    title_only: list[str]  # an annex given only by its title
    special: dict[str, list[str]]  # notice.header, notice.preamble, notice.signature, notice.attachments
    facts: list[FactTemplate]


@lru_cache(maxsize=2)
def load_templates(path: Path = TEMPLATES_FILE) -> QuestionTemplates:
    with open(path, encoding="utf-8") as fh:
        return QuestionTemplates.model_validate(yaml.safe_load(fh) or {})


def usable_heading(clause: Clause) -> str | None:
    """The clause's heading as a topic for a question, without numbering and trailing punctuation."""
    heading = _HEADING_TRIM.sub("", clause.heading.rstrip("…")).strip()
    if not (MIN_HEADING <= len(heading) <= MAX_HEADING) or clause.heading.endswith("…"):
        return None
    return heading


def clause_questions(clause: Clause, templates: QuestionTemplates | None = None) -> list[str]:
    t = templates or load_templates()
    out: list[str] = list(t.special.get(clause.id, []))
    heading = usable_heading(clause)
    if not clause.content_provided:
        return out + ([q.format(h=heading) for q in t.title_only] if heading else [])
    if heading and clause.id not in t.special:
        out += [q.format(h=heading) for q in t.heading]
        if clause.children:
            out += [q.format(h=heading) for q in t.parts]
    if clause.id in ("notice.header", "notice.attachments"):  # titles and addressees state no facts to ask for
        return list(dict.fromkeys(out))[:MAX_PER_CLAUSE]
    text = " ".join(split_sentences(clause.text)) or clause.text
    for fact in t.facts:
        m = re.search(fact.pattern, text)
        if m:
            found = m.group(m.lastindex or 0)
            out += [q.format(h=heading or "", x=found).strip() for q in fact.questions if heading or "{h}" not in q]
    return list(dict.fromkeys(q for q in out if q))[:MAX_PER_CLAUSE]


def generate_questions(clauses: list[Clause], templates: QuestionTemplates | None = None) -> dict[str, list[str]]:
    """Clause ID -> questions it answers, for every clause that yields any."""
    t = templates or load_templates()
    bank = {c.id: clause_questions(c, t) for c in clauses}
    return {cid: qs for cid, qs in bank.items() if qs}
