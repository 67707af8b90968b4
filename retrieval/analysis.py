"""QuestionAnalysis: every reading of a question, made once, that the later stages share.

Retrieval, the re-rankers, the answerer, the 要点 line, the rules engine and the LLM chain all read the
one analysis of a turn; none of them matches the question's words again. The intent patterns are
generic data (rules/intents.yaml); the notice's own words come from its term list.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from retrieval.followup import (
    INTENTS_FILE,
    FollowupRules,
    Turn,
    cited_markers,
    condense,
    last_user_question,
    load_followup_rules,
)
from retrieval.parts import PartRules, load_part_rules, split_parts
from retrieval.structure import Ordinal, StructureResolver, ordinals_of
from retrieval.summary import SummaryRules, load_summary_rules
from retrieval.text import QueryNormaliser, fold
from retrieval.units import UnitRules, load_unit_rules

_CJK = re.compile(r"[\u4e00-\u9fff]")


_TAG = re.compile(r"<[^>]*>")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _is_latin(question: str) -> bool:
    """Written in a Latin-script language (an English question): no Chinese, and words outside markup."""
    return not _CJK.search(question) and len(_LATIN_WORD.findall(_TAG.sub(" ", question))) >= 2


class IntentRules(BaseModel):
    """Regular expressions over the folded question (rules/intents.yaml)."""

    list: str
    kinds: str
    title: str
    content: str
    year: str
    eligibility: str
    issuance: str
    basis: str
    instance: str
    document_parts: dict[str, list[str]] = {}

    @cached_property
    def patterns(self) -> dict[str, re.Pattern[str]]:
        names = ("list", "kinds", "title", "content", "year", "eligibility", "issuance", "basis", "instance")
        return {name: re.compile(getattr(self, name)) for name in names}

    def matches(self, name: str, text: str) -> bool:
        return bool(self.patterns[name].search(text))


@lru_cache(maxsize=2)
def load_intent_rules(path: Path = INTENTS_FILE) -> IntentRules:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return IntentRules.model_validate({k: v for k, v in data.items() if k != "followup"})


# "…，那<ask>": 那 opening a clause turns from the context to the ask (not 那里 / 那些 / 那个: "there", "those").
_THEN = re.compile(r"[，,。；;？?！!]\s*那么?(?![里些个种边儿样])\s*")
_ANAPHORIC_PLACE = re.compile(r"^(那?里面|其中|这一?[节部分项条])")
MIN_ASK_CHARS = 6
_WH_CHARS = "啥哪几谁"  # one-character question words; 吗 / 呢 / ？ mark a question but ask nothing in particular


LONG_STORY_CHARS = 40  # a message this long that tells the asker's story before asking
_CLAUSE_END = re.compile(r"(?<=[，,。；;？?！!])")


def _ask_after_context(question: str, cues: list[str]) -> str | None:
    """The ask of a message that first sets out its context: after a turn with 那 (…里提到财政支持政策，那补助资金
    怎么申请), or, in a long story, from the last clause with a question word on. Its words weigh more than the
    story's; the story still gives the asker's facts."""
    found = list(_THEN.finditer(question))
    if found:
        ask, context = question[found[-1].end():], question[:found[-1].start()]
    elif len(_CJK.findall(question)) >= LONG_STORY_CHARS:
        clauses = [c for c in _CLAUSE_END.split(question) if c.strip()]
        asking = [i for i, c in enumerate(clauses) if any(cue in c.lower() for cue in cues)]
        if not asking or asking[-1] == 0:
            return None
        start = asking[-1]
        while start > 0 and len(_CJK.findall("".join(clauses[start:]))) < MIN_ASK_CHARS:
            start -= 1  # too short to stand alone (能报吗？): the clause before it says what
        ask, context = "".join(clauses[start:]), "".join(clauses[:start])
    else:
        return None
    if len(_CJK.findall(ask)) < MIN_ASK_CHARS or len(_CJK.findall(context)) < MIN_ASK_CHARS:
        return None
    return ask


def intent_text(question: str) -> str:
    """The question as list and kinds patterns read it: 第几部分 asks which part, not how many parts."""
    return fold(question).replace("第几", "第")


class QuestionAnalysis(BaseModel):
    """One turn's question, read once."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    question: str = Field(description="The question as asked (validated)")
    query: str = Field(description="The standalone retrieval query: the previous question first when this one refers back")
    scope: str | None = Field(None, description="The clause a follow-up's ordinals count within")
    parts: list[str] = Field(description="The asks in the message, each with its context; [question] for one ask")
    elliptic: bool = Field(description="Too short to stand alone: it asks what the previous turn asked")
    refers_back: bool = Field(description="Needs the previous turn (elliptic, 那…, or an opening pronoun)")
    typed: str = Field(description="The text whose kind of fact is asked: the query for an elliptic follow-up")
    ordinals: list[Ordinal] = Field(description="Positional references in the current question (第二部分, the last one)")
    target: str | None = Field(None, description="The clause the query's positional reference points to")
    named: list[str] = Field([], description="Title-only parts the query names (附件2, by its heading)")
    years: list[str] = Field(description="Years the query names")
    instances: list[str] = Field([], description="Batches, rounds or sessions the query names (第二批, 第三届)")
    asked_units: list[str] = Field([], description="Unit families the question asks figures in (多少家 -> count)")
    document_parts: list[str] = Field([], description="Roles of the clauses that answer an ask about the document "
                                      "itself: who issued it and when (signature, header), what it rests on (preamble)")
    expansions: list[str] = Field(description="The notice's words for the query's synonyms, English and typos")
    focus_expansions: list[str] = Field([], description="The same for the current question alone (a follow-up)")
    corrections: list[str] = Field([], description="Notice words that the question's homophone typos stand for")
    glossary: frozenset[str] = Field(frozenset(), description="Stems of the query's English words the glossary knows")
    scopes: list[str] = Field([], description="Parts of the document the query is about (写在哪 -> the outline)")
    asked_types: list[str] = Field([], description="Answer types (kinds of fact) the question or its typed text asks for")
    canned: str | None = Field(None, description="The reply for small talk: no retrieval answers it")
    summary_kinds: list[str] = Field([], description="Kinds of 要点 span the typed text asks for")
    list_intent: bool = Field(False, description="The query asks for a list")
    focus_list: bool = Field(False, description="The current question asks for a list")
    focus_kinds: bool = Field(False, description="The current question asks how a heading divides (分哪几类)")
    asks_title: bool = Field(False, description="The query asks for a name or title")
    asks_content: bool = Field(False, description="The question asks about content")
    asks_eligibility: bool = Field(False, description="The question asks whether the asker qualifies (能报吗, 够不够)")
    latin: bool = Field(False, description="No Chinese in the question (an English question): cross-lingual similarity")
    facts: Any = Field(None, description="checks.facts.QuestionFacts: what the question states about the asker")

    ask: str | None = Field(None, description="The ask after a context clause (…里提到财政支持政策，那补助资金怎么申请): "
                            "its words weigh more, and a part named only in the context is not where to look")

    @property
    def focus(self) -> str | None:
        """The words that weigh more: the current question when the query also carries the previous turn, else the
        ask after a context clause."""
        return self.question if self.question != self.query else self.ask

    def expanded(self, normaliser: QueryNormaliser) -> str:
        return normaliser.normalise(self.query, self.expansions)


class QuestionAnalyser:
    """Builds a QuestionAnalysis from a question, its history and one notice's vocabulary and structure."""

    def __init__(self, normaliser: QueryNormaliser, structure: StructureResolver, answer_types: list[Any],
                 corrector: Any = None, facts_vocabulary: Any = None, intents: IntentRules | None = None,
                 followup: FollowupRules | None = None, part_rules: PartRules | None = None,
                 summary_rules: SummaryRules | None = None, unit_rules: UnitRules | None = None) -> None:
        self.normaliser = normaliser
        self.structure = structure
        self.answer_types = answer_types
        self.corrector = corrector
        self.facts_vocabulary = facts_vocabulary
        self.intents = intents or load_intent_rules()
        self.followup = followup or load_followup_rules()
        self.part_rules = part_rules or load_part_rules()
        self.summary_rules = summary_rules or load_summary_rules()
        self.unit_rules = unit_rules or load_unit_rules()
        self.notice_words = normaliser.terms.notice_words
        self.markers = {c.marker: c for c in structure.clauses.values()}
        self._title_only = [cid for cid, c in structure.clauses.items() if not c.content_provided]

    def analyse(self, question: str, history: list[Turn] | list[dict[str, str]] | None = None,
                previous_top: Any = None) -> QuestionAnalysis:
        """The analysis of one turn. previous_top(question) -> clause ID ranks a previous question when the
        turn's ordinals count within what it was about and no citation in the history says so."""
        turns = [t if isinstance(t, Turn) else Turn.model_validate(t) for t in history or []]
        refers = self.followup.refers_back(question, self.notice_words)
        scope = self._context_scope(question, turns, refers, previous_top)
        elliptic = self.followup.is_elliptic(question)
        if scope is not None and self.structure.dangling(question) and not elliptic:
            # 那第一类对企业有啥要求: the ordinal, spelled out, carries the previous turn, and the other words find
            # their topic. An elliptic 那第三个呢 keeps it: it points at that part and says nothing else.
            query = self.structure.spell_out(question, scope)
        else:
            query = condense(question, turns, refers)
        return self.of_query(query, question, scope, elliptic=elliptic, refers=refers)

    def of_query(self, query: str, question: str | None = None, scope: str | None = None,
                 elliptic: bool | None = None, refers: bool | None = None) -> QuestionAnalysis:
        """The analysis of a standalone query (question: the current turn's words, when the query carries more)."""
        question = question or query
        if elliptic is None:
            elliptic = self.followup.is_elliptic(question)
        # An elliptic turn (那3000万呢) asks what the previous one asked; one with its own question word (总投资有
        # 没有下限) asks its own kind of fact, with the previous turn only as its topic.
        typed = query if elliptic and not self._asks_itself(question) else question
        terms = self.normaliser.analyse(query)
        expansions = list(terms.added)
        corrections = self.corrector.corrections(question) if self.corrector is not None else []
        expansions += [w for w in corrections if w not in expansions]  # 申抱 -> 申报, counted like an expansion
        ask = _ask_after_context(question, self.part_rules.question_cues) if question == query else None
        focus = question if question != query else ask
        folded_query, folded_typed = fold(query), fold(typed)
        return QuestionAnalysis(
            question=question, query=query, scope=scope,
            parts=split_parts(question, self.part_rules),
            elliptic=elliptic,
            refers_back=self.followup.refers_back(question, self.notice_words) if refers is None else refers,
            typed=typed,
            ordinals=ordinals_of(question),
            target=self._target(query, ask, scope),
            ask=ask,
            named=[cid for cid in self._title_only if self.structure.names(query, cid)],
            years=self.intents.patterns["year"].findall(folded_query),
            instances=[m.group() for m in self.intents.patterns["instance"].finditer(folded_query)],
            asked_units=self.unit_rules.asked(typed),
            document_parts=self._document_parts(fold(question)),
            expansions=expansions,
            focus_expansions=self.normaliser.expansions(focus) if focus else [],
            corrections=corrections,
            glossary=terms.glossary,
            scopes=self.normaliser.scopes(query),
            asked_types=[t.name for t in self.answer_types if t.asked(question) or t.asked(typed)],
            canned=next((t.message for t in self.answer_types if t.message and not t.evidence
                         and not t.evidence_regex and t.asked(question)), None),
            summary_kinds=[k.name for k in self.summary_rules.kinds if k.is_asked(folded_typed)],
            list_intent=self.intents.matches("list", intent_text(query)),
            focus_list=self.intents.matches("list", intent_text(question)),
            focus_kinds=self.intents.matches("kinds", intent_text(question)),
            asks_title=self.intents.matches("title", folded_query),
            asks_content=self.intents.matches("content", fold(question)),
            asks_eligibility=self.intents.matches("eligibility", fold(question)),
            latin=_is_latin(question),
            facts=self._facts(question),
        )

    def _asks_itself(self, question: str) -> bool:
        folded = fold(question)
        return any(cue in folded for cue in self.part_rules.question_cues if len(cue) > 1 or cue in _WH_CHARS)

    def _document_parts(self, folded: str) -> list[str]:
        """根据什么文件发的 asks for the basis, though it also says 发的: the basis is the more specific ask."""
        ask = next((name for name in ("basis", "issuance") if self.intents.matches(name, folded)), None)
        return list(self.intents.document_parts.get(ask, [])) if ask else []

    def _target(self, query: str, ask: str | None, scope: str | None) -> str | None:
        """The clause a positional reference points to. A part named only in the context clause before the ask
        is context (大纲第五部分里提到财政支持政策，那补助资金怎么申请): the ask points somewhere itself, refers to
        that part (其中, 这一节), or points nowhere."""
        if ask is None or _ANAPHORIC_PLACE.search(ask):
            return self.structure.resolve(query, scope)
        return self.structure.resolve(ask, scope) if ordinals_of(ask) else None

    def _facts(self, question: str) -> Any:
        from checks.facts import extract_facts, load_vocabulary  # the asker's facts: amounts, dates, unit type

        return extract_facts(question, self.facts_vocabulary or load_vocabulary())

    def _context_scope(self, question: str, history: list[Turn], refers: bool, previous_top: Any) -> str | None:
        """The clause a follow-up's ordinal counts within: what the previous turn cited or was about."""
        if not history or not (refers or self.structure.dangling(question)):
            return None
        for marker in cited_markers(history):
            if marker in self.markers:
                return self.structure.list_scope(self.markers[marker].id)
        previous = last_user_question(history)
        if previous is None or previous_top is None:
            return None
        return self.structure.list_scope(previous_top(previous))
