"""Verdicts in the chat: the facts a question states, checked by the same rules as the form and the CLI.

The answer chain calls ChatChecker.merge once per answer. Questions without checkable facts pass
through unchanged; otherwise the verdict lines go first and their quotes join the citations.
"""

from __future__ import annotations

import logging

from checks.engine import VERDICT_LABELS, RuleEngine, Verdict, overall
from checks.facts import FactVocabulary, QuestionFacts, extract_facts, load_vocabulary
from checks.profile import ProjectProfile, SubmissionProfile
from corpus.models import Clause
from retrieval.answer import Answer, Citation
from retrieval.summary import bigrams, verdict_summary, with_summary_line

log = logging.getLogger(__name__)

HEADING = "核对结论：{label}（{code}）"
DISCLAIMER = "（以上核对仅依据问题中提到的事实和通知条款自动得出，最终以评审结果为准。）"
MAX_AMOUNTS = 3  # 投资900万还是1000万: each amount gets its own verdict, within reason


def verdict_tag(kind: str) -> str:
    return f"【{VERDICT_LABELS[kind]} {kind}】"


class ChatChecker:
    """Turns a question's facts into verdicts and merges them into an answer."""

    def __init__(self, clauses: dict[str, Clause], engine: RuleEngine,
                 vocabulary: FactVocabulary | None = None) -> None:
        self.clauses = clauses
        self.engine = engine
        self.vocabulary = vocabulary or load_vocabulary()

    def profiles(self, facts: QuestionFacts) -> list[ProjectProfile | SubmissionProfile]:
        """Partial profiles holding only what the question states."""
        unit = facts.unit.unit_type if facts.unit else None
        amounts = list(dict.fromkeys(a.wan for a in facts.amounts))[:MAX_AMOUNTS] or [None]
        out: list[ProjectProfile | SubmissionProfile] = [
            ProjectProfile(unit_type=unit if n == 0 else None, total_investment_wan=wan)
            for n, wan in enumerate(amounts)
        ]
        valid_dates = [d.value for d in facts.dates if d.value]
        if valid_dates or facts.counts:
            out.append(SubmissionProfile(submitted_on=valid_dates[0] if valid_dates else None,
                                         key_project_count=facts.counts[0].count if facts.counts else None))
        return out

    def verdicts(self, question: str, facts: QuestionFacts | None = None) -> tuple[list[Verdict], list[str]]:
        """Verdicts on the question's facts (worst first), and notes on facts that could not be used.

        facts: the question's analysis already read them (retrieval/analysis.py); else they are read here."""
        facts = extract_facts(question, self.vocabulary) if facts is None else facts
        if not facts.any():
            return [], []
        found = [v for p in self.profiles(facts) for v in self.engine.verdicts(p, only_present=True)]
        order = {"fail": 0, "missing_info": 1, "needs_review": 2, "pass": 3}
        found.sort(key=lambda v: order[v.verdict])  # stable: rule order within a verdict
        notes = [f"（问题中的{d.error.rstrip('。')}，未据此核对。）" for d in facts.dates if d.error]
        log.debug("facts %s -> %d verdicts", facts.model_dump(exclude_defaults=True), len(found))
        return found, notes

    def citation(self, verdict: Verdict) -> Citation:
        """The verdict's quote as a Citation with offsets into the clause that contains it."""
        for cid in verdict.clause_ids:
            text = self.clauses[cid].text
            start = text.find(verdict.quote)
            if start >= 0:
                return Citation(id=cid, label=self.clauses[cid].label, quote=verdict.quote, start=start,
                                end=start + len(verdict.quote))
        raise ValueError(f"quote of {verdict.rule_id} is in none of {verdict.clause_ids}")

    def merge(self, question: str, answer: Answer, facts: QuestionFacts | None = None, lead: bool = True) -> Answer:
        """The answer with the verdict block first and the verdicts' citations first in the list.

        lead: the question asks whether the asker qualifies, so the verdict is its 要点 line; otherwise the
        answer keeps its own line when it has one."""
        verdicts, notes = self.verdicts(question, facts)
        if not verdicts and not notes:
            return answer
        lines, citations = [], []
        if verdicts:
            worst = overall(verdicts)
            lines.append(HEADING.format(label=VERDICT_LABELS[worst], code=worst))
        for v in verdicts:
            c = self.citation(v)
            citations.append(c)
            lines.append(f"· {verdict_tag(v.verdict)}{v.message}依据：「{c.quote}」〔{self.clauses[c.id].marker}〕")
        lines += notes
        update: dict = {}
        if verdicts and (lead or not answer.summary):
            lines.append(DISCLAIMER)
            # The 要点 line is the worst verdict (of those, the one about what the question names) and the span
            # of its quote that states the rule.
            worst = [c for v, c in zip(verdicts, citations, strict=True) if v.verdict == verdicts[0].verdict]
            first = max(worst, key=lambda c: len(bigrams(question) & bigrams(c.quote)))
            summary, spans = verdict_summary(VERDICT_LABELS[verdicts[0].verdict], first.id, self.clauses[first.id].text,
                                             first.quote)
            update = {"summary": summary, "summary_spans": spans}
        elif verdicts:
            lines.append(DISCLAIMER)
        body = with_summary_line(answer.answer, None)  # the answer's own 要点 line gives way to the verdict's
        text = with_summary_line("\n".join(lines) + "\n\n" + body, update.get("summary", answer.summary))
        return answer.model_copy(update={"answer": text, "citations": merge_citations(citations, answer.citations),
                                         **update})


def merge_citations(first: list[Citation], rest: list[Citation]) -> list[Citation]:
    """first, then rest, citing each passage once: a quote inside a wider quote of the same clause gives way to it.

    The wider citation takes the place of the first one it covers, so the verdicts' clauses stay at the top.
    """
    out: list[Citation] = []
    for c in first + rest:
        if any(k.id == c.id and k.start <= c.start and c.end <= k.end for k in out):
            continue
        covered = [i for i, k in enumerate(out) if k.id == c.id and c.start <= k.start and k.end <= c.end]
        if covered:
            out[covered[0]] = c
            out = [k for i, k in enumerate(out) if i not in covered[1:]]
        else:
            out.append(c)
    return out
