"""ExtractiveAnswerer: quotes the notice verbatim and cites each quote; no LLM.

It picks the best clause (or the children of a heading-level clause), then
the best sentences inside it, and refuses (status not_found) when retrieval
confidence is low or the evidence lacks the kind of fact the question asks for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from corpus.models import Clause, is_within
from retrieval.analysis import QuestionAnalysis
from retrieval.documents import NOT_PROVIDED, split_sentences
from retrieval.hybrid import RetrievalResult
from retrieval.rerankers import document_role
from retrieval.summary import SummarySpan, bigrams, load_summary_rules, parts_summary, summarise, with_summary_line
from retrieval.text import Tokenizer, fold
from retrieval.units import load_unit_rules

NOT_FOUND_MESSAGE = "通知原文未对此作出规定，无法根据原文回答这个问题。"
SHORT_CLAUSE = 160  # characters: a clause this short is quoted whole
WHOLE_TOPIC = 400  # characters: a clause up to this long is quoted whole when the question asks for its topic
BARE_HEADING = 10
MAX_LISTED = 4  # sentences quoted from one clause for a question that asks for a list


class Citation(BaseModel):
    id: str
    label: str
    notice: str | None = Field(None, description="The notice's slug: notice + id address the clause in the library")
    quote: str = Field(description="Verbatim substring of the clause's text")
    start: int = Field(description="Offset of the quote in the clause's normalised text")
    end: int


class RetrievedClause(BaseModel):
    id: str
    score: float


class AnswerPart(BaseModel):
    """One ask of a question with several parts, answered on its own."""

    question: str
    status: Literal["answered", "not_found"]
    summary: str | None = None
    citations: list[Citation] = []


class Answer(BaseModel):
    """The answer object: what the CLI prints, the API returns and the eval scores."""

    question: str
    status: Literal["answered", "not_found"]
    answer: str
    citations: list[Citation] = []
    retrieved: list[RetrievedClause] = []
    timings_ms: dict[str, float] = {}
    mode: str = Field("extractive", description="Who wrote the answer text: extractive, or the LLM model name")
    notice: str | None = Field(None, description="The slug of the notice that answered")
    summary: str | None = Field(None, description="The 要点 line: spans of the cited clauses that answer the question")
    summary_spans: list[SummarySpan] = Field([], description="Each span of the 要点 line: clause ID, offsets, text")
    parts: list[AnswerPart] = Field([], description="For a question with several parts: each part's own answer")


class AnswerType(BaseModel):
    name: str
    question: list[str] = []
    question_regex: str | None = None
    question_all: list[list[str]] = Field(default=[], description="Every group must have a word in the question")
    evidence: list[str] = []
    evidence_regex: str | None = None
    message: str | None = Field(None, description="A type without evidence: reply with this, before any retrieval check")
    vouches: str | None = Field(None, description="Evidence this distinctive (a phone number) in the top clause vouches "
                                "for it when the question's wording is too far from the notice's to")

    def asked(self, question: str) -> bool:
        q = fold(question)
        if self.question_all and all(any(fold(w) in q for w in group) for group in self.question_all):
            return True
        return any(fold(w) in q for w in self.question) or bool(self.question_regex and re.search(self.question_regex, q))

    def without_asking(self, question: str) -> str:
        """The question less the words that ask for this kind (多长时间, 什么时候): what it is about."""
        q = fold(question)
        # A word that the evidence also uses stays: 电话 asks for a phone number and says what the question is about.
        kept = {fold(w) for w in self.evidence}
        for word in sorted((w for w in self.question if fold(w) not in kept), key=len, reverse=True):
            q = q.replace(fold(word), " ")
        return q

    def present(self, evidence: str) -> bool:
        folded = fold(evidence)  # words match like the question's: PDF and ｐｄｆ match pdf
        if any(fold(w) in folded for w in self.evidence):
            return True
        return bool(self.evidence_regex and re.search(self.evidence_regex, evidence))


def load_answer_types(path: Path) -> list[AnswerType]:
    with open(path, encoding="utf-8") as fh:
        return [AnswerType.model_validate(t) for t in (yaml.safe_load(fh) or {}).get("types", [])]


class Confidence(BaseModel):
    """Retrieval confidence: a blend of the best cosine and the query's overlap with the notice."""

    cosine_floor: float = 0.84  # e5-small cosines of small talk against the notice reach about 0.85
    # A question with no Chinese in it against a Chinese notice: cross-lingual cosines run lower (answerable
    # English questions on the tuning sets: 0.79-0.90).
    cross_lingual_floor: float = 0.80
    cosine_span: float = 0.06
    threshold: float = 0.4

    def score(self, result: RetrievalResult, cross_lingual: bool = False) -> float:
        """Either signal alone can vouch: paraphrases share few words, keyword questions embed poorly.

        A question that points at a clause by position (大纲第三部分, the last aspect) needs no similarity.
        """
        if result.pointed:
            return 1.0
        floor = self.cross_lingual_floor if cross_lingual else self.cosine_floor
        dense = min(max((result.top_cosine - floor) / self.cosine_span, 0.0), 1.0)
        return max(dense, result.coverage)


class ExtractiveAnswerer:
    """Turns a clause ranking into a cited, verbatim answer."""

    def __init__(
        self, clauses: dict[str, Clause], tokenizer: Tokenizer, answer_types: list[AnswerType],
        corpus_text: str, confidence: Confidence | None = None, k: int = 5,
        idf: Callable[[str], float] | None = None,
    ) -> None:
        self.idf = idf or (lambda _token: 1.0)
        self.clauses = clauses
        self.tokenizer = tokenizer
        self.answer_types = answer_types
        self.corpus_text = corpus_text
        self.confidence = confidence or Confidence()
        self.k = k

    # -- entry point -----------------------------------------------------
    def answer(self, analysis: QuestionAnalysis, result: RetrievalResult) -> Answer:
        question = analysis.question
        retrieved = [RetrievedClause(id=s.id, score=round(s.score, 4)) for s in result.ranked[: self.k]]
        if analysis.canned:  # small talk: nothing to retrieve, say what the assistant is for
            return Answer(question=question, status="not_found", answer=analysis.canned, retrieved=retrieved)
        top = self.clauses[result.ranked[0].id]
        confidence = self.confidence.score(result, cross_lingual=analysis.latin)
        if document_role(top.id) in analysis.document_parts:
            confidence = 1.0  # 这个通知的文号是多少 shares few words with the header, yet the header is where it is
        elif any(t.vouches and t.name in analysis.asked_types and re.search(t.vouches, top.text) for t in self.answer_types):
            confidence = max(confidence, self.confidence.threshold)  # 打哪个电话问: the top clause gives a phone number
        if confidence < self.confidence.threshold or self._unknown_names([*analysis.years, *analysis.instances]):
            return self._not_found(question, retrieved)
        if not top.content_provided:
            return self._title_only(analysis, top, retrieved)
        chosen = self._choose_clauses(result)
        wanted = [t for t in self.answer_types if t.name in analysis.asked_types and (t.evidence or t.evidence_regex)]
        citations = self._cite(result.expanded, chosen, result.list_intent, wanted, analysis.focus)
        # An elliptic follow-up (那3000万呢) asks what the previous question asked; a fuller one asks its own.
        asked = set(analysis.asked_types)
        about = f"{analysis.query} {' '.join(analysis.expansions)}"
        # A signature's date shares no word with 哪天印发的, yet is about it: the ask chose the part by its role.
        # An English question is about the Chinese words its glossary gives; with none, similarity vouched for it.
        states = self._states if analysis.document_parts or (analysis.latin and not analysis.expansions) \
            else self._states_about
        if any(t.name in asked and not states(t, citations, about) for t in self.answer_types):
            return self._not_found(question, retrieved)
        if not self._states_units(analysis.asked_units, citations):
            return self._not_found(question, retrieved)
        # A list question gets the phrase that lists (产业发展政策、财政支持政策…), or the headings of the listed parts.
        summary, spans = summarise(analysis.typed, citations, kinds=analysis.summary_kinds, expansions=analysis.expansions)
        if result.list_intent and chosen[0].children and len(citations) > 2:
            rules = load_summary_rules()
            listed = parts_summary(citations, {cid: self.clauses[cid].heading for cid in chosen[0].children},
                                   rules.max_chars)
            summary, spans = listed if listed[0] else (summary, spans)
        return Answer(question=question, status="answered", answer=with_summary_line(self._compose(citations), summary),
                      citations=citations, retrieved=retrieved, summary=summary, summary_spans=spans)

    @staticmethod
    def _states(answer_type: AnswerType, citations: list[Citation], _question: str) -> bool:
        return answer_type.present("".join(c.quote for c in citations))

    @staticmethod
    def _states_about(answer_type: AnswerType, citations: list[Citation], question: str) -> bool:
        """The quotes state the asked kind of fact in a quote about the question: a figure in a quote that shares
        no word with the question or its expansions (经费750万元 for 新房均价多少钱) is about something else."""
        if not answer_type.present("".join(c.quote for c in citations)):
            return False
        if not (answer_type.evidence or answer_type.evidence_regex):
            return True
        asked = bigrams(answer_type.without_asking(question))
        return any(answer_type.present(c.quote) and bigrams(c.quote) & asked for c in citations)

    @staticmethod
    def _states_units(families: list[str], citations: list[Citation]) -> bool:
        """多少家 / 几个月 / 多少吨: some quote states a figure in each unit family asked."""
        if not families:
            return True
        rules = load_unit_rules()
        return all(any(rules.stated(c.quote, family) for c in citations) for family in families)

    # -- refusal paths -----------------------------------------------------
    def _unknown_names(self, names: list[str]) -> bool:
        """A year or a batch the notice never mentions (2018年, 第二批) means the question is about another call."""
        return any(name not in self.corpus_text for name in names)

    def _not_found(self, question: str, retrieved: list[RetrievedClause], extra: str = "") -> Answer:
        nearest = "、".join(self.clauses[r.id].label for r in retrieved[:3])
        text = f"{extra or NOT_FOUND_MESSAGE}可参考的相关条款：{nearest}（仅供查阅，并非对本问题的回答）。"
        return Answer(question=question, status="not_found", answer=text, retrieved=retrieved)

    def _title_only(self, analysis: QuestionAnalysis, clause: Clause, retrieved: list[RetrievedClause]) -> Answer:
        """An annex known only by its title: the title is citable, its content is not."""
        question = analysis.question
        citation = Citation(id=clause.id, label=clause.label, quote=clause.text, start=0, end=len(clause.text))
        # The query: "附件2呢？" after "附件1是什么？" asks for the title too.
        if analysis.asks_title and not analysis.asks_content:
            listed = [self._citation(c, clause.text) for c in self.clauses.values()
                      if c.id != clause.id and c.content_provided and clause.text in c.text][:1]
            return Answer(
                question=question, status="answered", citations=[*listed, citation], retrieved=retrieved,
                answer=f"「{clause.text}」〔{clause.marker}〕（{NOT_PROVIDED}）",
            )
        text = f"{clause.marker}「{clause.text}」只有标题，{NOT_PROVIDED}，无法回答其具体内容。〔{clause.marker}〕"
        return Answer(question=question, status="not_found", answer=text, citations=[citation], retrieved=retrieved)

    # -- choosing what to quote --------------------------------------------
    def _choose_clauses(self, result: RetrievalResult) -> list[Clause]:
        """The top clause, plus the runner-up when it is close and unrelated to the top."""
        ranked = result.ranked
        chosen = [self.clauses[ranked[0].id]]
        if len(ranked) > 1:
            second = self.clauses[ranked[1].id]
            related = is_within(second.id, chosen[0].id) or is_within(chosen[0].id, second.id)
            # A runner-up heading (a clause that only lists others) is too broad to add.
            if not related and ranked[1].score >= 0.9 * ranked[0].score and second.content_provided \
                    and not _heading_only(second):
                chosen.append(second)
        return chosen

    def _cite(self, query: str, chosen: list[Clause], list_intent: bool,
              wanted: list[AnswerType] | None = None, focus: str | None = None) -> list[Citation]:
        citations: list[Citation] = []
        for clause in chosen:
            if clause.children and (list_intent or _heading_only(clause)):
                citations.extend(self._cite_children(clause))
            else:
                citations.extend(self._best_sentences(query, clause, list_intent, wanted or [], focus))
        return citations

    def _cite_children(self, clause: Clause) -> list[Citation]:
        out = [self._citation(clause, clause.text)]
        for cid in clause.children:
            child = self.clauses[cid]
            sentences = [t for t in split_sentences(child.text) if not _bare_heading(t, child)]
            out.append(self._citation(child, sentences[0] if sentences else child.text))
        return out

    def _best_sentences(self, query: str, clause: Clause, list_intent: bool = False,
                        wanted: list[AnswerType] | None = None, focus: str | None = None) -> list[Citation]:
        sentences = split_sentences(clause.text) or [clause.text]
        # A bare heading sentence ("（四）投资规模。") adds nothing to a quote.
        candidates = [s for s in sentences if not _bare_heading(s, clause)] or sentences
        if sum(map(len, candidates)) <= SHORT_CLAUSE or self._asks_for_topic(query, clause):
            start = clause.text.find(candidates[0])
            end = clause.text.rfind(candidates[-1]) + len(candidates[-1])
            return [self._citation(clause, clause.text[start:end])]
        q = set(self.tokenizer.tokens(query))
        # A follow-up's own words (那教育支出呢) count twice: the previous question's only say what it is about.
        f = set(self.tokenizer.tokens(focus)) if focus else set()
        scored = [(sum(self.idf(t) * (2 if t in f else 1) for t in q & set(self.tokenizer.tokens(s))), i, s)
                  for i, s in enumerate(candidates)]
        best = max(scored, key=lambda t: (t[0], -t[1]))
        # A question that asks for a list (哪些原则) may be answered by several sentences of one clause.
        picked = [t for t in scored if t is best or (t[0] > 0 and t[0] >= 0.5 * best[0])][:MAX_LISTED if list_intent else 2]
        # 最多能拿多少 asks for a sum: when the sentences that share most words state none, the best one that
        # does joins them, so the clause's figure is quoted and not only its introduction.
        # The clause was chosen for the question; a sentence of it that states the kind asked may join even when it
        # shares no word with the question (最多多少 -> 给予最高不超过500万元的奖励), the ones that share words first.
        stating = [t for t in scored if any(w.present(t[2]) for w in wanted or [])]
        stating = [t for t in stating if t[0] > 0] or stating
        if stating and not any(t in stating for t in picked):
            picked = [*picked[:1], max(stating, key=lambda t: (t[0], -t[1]))]
        picked.sort(key=lambda t: t[1])
        return [self._citation(clause, s) for _, _, s in picked]

    def _asks_for_topic(self, query: str, clause: Clause) -> bool:
        """The question names the clause's own label (目标 for 工作目标): it wants the clause, not a detail of it."""
        if len(clause.heading) > BARE_HEADING or len(clause.text) > WHOLE_TOPIC:
            return False
        words = {t for t in self.tokenizer.tokens(clause.heading) if not t.startswith("#")}
        return bool(words & set(self.tokenizer.tokens(query)))

    @staticmethod
    def _citation(clause: Clause, quote: str) -> Citation:
        start = clause.text.find(quote)
        if start < 0:  # cannot happen for substrings of clause.text; guard the contract anyway
            raise ValueError(f"quote not in clause {clause.id}")
        return Citation(id=clause.id, label=clause.label, quote=quote, start=start, end=start + len(quote))

    def _compose(self, citations: list[Citation]) -> str:
        lines = ["根据通知原文："]
        for c in citations:
            lines.append(f"「{c.quote}」〔{self.clauses[c.id].marker}〕")
        return "\n".join(lines)


def _heading_only(clause: Clause) -> bool:
    return len(split_sentences(clause.text)) <= 1 and len(clause.text) <= len(clause.heading) + 8


def _bare_heading(sentence: str, clause: Clause) -> bool:
    """Just the numbering and a short label, e.g. （四）投资规模。 (a principle's full statement is kept)."""
    return len(clause.heading) <= BARE_HEADING and len(sentence) <= len(clause.heading) + 6


NOT_STATED = "通知未作规定"


def _interleaved(lists: list[list[RetrievedClause]]) -> list[RetrievedClause]:
    """Each part's best clause, then each part's second, …: what the whole message was answered from, as long as
    one part's list (a clause two parts share appears once)."""
    seen: set[str] = set()
    out: list[RetrievedClause] = []
    for rank in range(max(map(len, lists), default=0)):
        for ranked in lists:
            if rank < len(ranked) and ranked[rank].id not in seen:
                seen.add(ranked[rank].id)
                out.append(ranked[rank])
    return out[: max(map(len, lists), default=0)]


def combine_parts(question: str, answers: list[Answer], checker: object = None, facts: object = None,
                  lead: bool = True) -> Answer:
    """One reply for a question with several parts: each part's answer under its own heading, the 要点 line
    joining each part's (or 通知未作规定 for a part the notice does not answer), every part's citations."""
    from checks.chat import merge_citations  # the same rule for citing each passage once

    lines, summaries, spans, citations = [], [], [], []
    for n, part in enumerate(answers, 1):
        body = with_summary_line(part.answer, None)
        lines.append(f"【第{n}问】{part.question}\n{body}")
        if part.status == "not_found":
            summaries.append(f"第{n}问：{NOT_STATED}")
        elif part.summary:
            summaries.append(f"第{n}问：{part.summary}")
        spans += part.summary_spans
        citations = merge_citations(citations, part.citations)
    answered = any(p.status == "answered" for p in answers)
    combined = Answer(
        question=question, status="answered" if answered else "not_found", answer="\n\n".join(lines),
        citations=citations, retrieved=_interleaved([p.retrieved for p in answers]),
        summary="；".join(summaries) if answered and any(p.summary for p in answers) else None,
        summary_spans=spans, mode=answers[0].mode,
        parts=[AnswerPart(question=p.question, status=p.status, summary=p.summary, citations=p.citations) for p in answers],
        timings_ms={k: round(sum(p.timings_ms.get(k, 0.0) for p in answers), 2) for k in answers[0].timings_ms},
    )
    if combined.summary:
        combined.answer = with_summary_line(combined.answer, combined.summary)
    return checker.merge(question, combined, facts, lead) if checker is not None else combined
