"""Validation of generated answers: markers, claim sentences, verbatim quotes, the streaming marker rewriter."""

from __future__ import annotations

import pytest

from assistant.service import LEXICON_FILE
from corpus.loader import load_notice
from corpus.models import Clause
from llm.chain import clean_condensed, fallback_kind
from llm.provider import FALLBACK_NOTES, LLMFailure, classify
from llm.validate import AnswerValidator, MarkerResolver, MarkerStreamer, split_claims, strip_thinking
from retrieval.text import TermList, Tokenizer
from tests.paths import FLAGSHIP, SOURCE

GIVEN = ["notice.3", "notice.3.1", "notice.3.4", "annex2", "notice.header"]


@pytest.fixture(scope="module")
def clauses() -> dict[str, Clause]:
    return load_notice(SOURCE).by_id()


@pytest.fixture(scope="module")
def validator(clauses: dict[str, Clause]) -> AnswerValidator:
    return AnswerValidator(clauses, Tokenizer(TermList.load_all([FLAGSHIP / "terms.yaml", LEXICON_FILE])))


def test_markers_after_the_full_stop_stay_with_their_sentence() -> None:
    text = "甲乙丙丁。〔notice.3.4〕第二句〔notice.3.1〕。\n第三句。[1] 国发〔2013〕7号。"
    assert split_claims(text) == ["甲乙丙丁。〔notice.3.4〕", "第二句〔notice.3.1〕。", "\n", "第三句。[1]", " 国发〔2013〕7号。"]


def test_resolver_accepts_ids_house_markers_and_lists(clauses: dict[str, Clause]) -> None:
    r = MarkerResolver(clauses, GIVEN)
    assert r.valid("notice.3.4") == (["notice.3.4"], [])
    assert r.valid("正文 三（四）") == (["notice.3.4"], [])
    assert r.valid("notice.3.1、notice.3.4") == (["notice.3.1", "notice.3.4"], [])
    assert r.valid("NOTICE.3.4") == (["notice.3.4"], [])
    assert r.valid("notice.9.9") == ([], ["notice.9.9"])  # does not exist
    assert r.valid("notice.4.1") == ([], ["notice.4.1"])  # exists, was not given
    assert not r.is_marker("2013") and not r.is_marker("1")  # 国发〔2013〕 and [1] are not citations


def test_good_answer_keeps_every_sentence_with_house_markers_and_verbatim_quotes(validator, clauses) -> None:
    text = ("单个项目投资规模原则上不低于5000万元〔notice.3.4〕。"
            "项目承担单位原则上应为企业法人，要具有较强的技术开发能力。〔notice.3.1〕")
    v = validator.validate(text, GIVEN)
    assert v.answer == ("单个项目投资规模原则上不低于5000万元〔正文 三（四）〕。"
                        "项目承担单位原则上应为企业法人，要具有较强的技术开发能力。〔正文 三（一）〕")
    assert v.valid_claims == 2 and v.dropped_claims == 0 and not v.dropped_markers
    assert [c.id for c in v.citations] == ["notice.3.4", "notice.3.1"]
    for c in v.citations:
        text = clauses[c.id].text
        assert text[c.start:c.end] == c.quote and c.quote
    assert "5000万元" in v.citations[0].quote and v.citations[0].quote != "（四）投资规模。"  # not the heading
    assert "企业法人" in v.citations[1].quote


def test_invented_and_unretrieved_markers_are_dropped_with_their_claims(validator) -> None:
    text = "单个项目投资规模原则上不低于5000万元〔notice.3.4〕〔notice.9.9〕。事业单位也可以申报〔notice.7〕。申报截止时间见〔notice.4.1〕。"
    v = validator.validate(text, GIVEN)
    assert v.answer == "单个项目投资规模原则上不低于5000万元〔正文 三（四）〕。"
    assert v.dropped_markers == ["notice.9.9", "notice.7", "notice.4.1"]
    assert v.dropped_claims == 2 and [c.id for c in v.citations] == ["notice.3.4"]


def test_claims_without_markers_are_dropped_but_connectives_and_lead_ins_stay(validator) -> None:
    text = "是的。\n根据通知：\n单个项目投资规模原则上不低于5000万元〔notice.3.4〕。\n如有疑问请咨询当地发展改革委。"
    v = validator.validate(text, GIVEN)
    assert v.answer == "是的。\n根据通知：\n单个项目投资规模原则上不低于5000万元〔正文 三（四）〕。"
    assert v.dropped_claims == 1


def test_a_number_the_cited_clause_does_not_contain_drops_the_claim(validator) -> None:
    v = validator.validate("单个项目投资规模原则上不低于3000万元〔notice.3.4〕。", GIVEN)
    assert v.valid_claims == 0 and v.claims[0].reason.startswith("numbers not in the cited clauses")
    listed = validator.validate("3. 单个项目投资规模原则上不低于5,000万元〔notice.3.4〕。", GIVEN)
    assert listed.valid_claims == 1  # list numbering and thousands separators are not claims about numbers
    english = validator.validate("A single project should in principle invest at least 50 million yuan 〔notice.3.4〕.", GIVEN)
    assert english.valid_claims == 1  # 5000万 = 50 million
    assert validator.validate("At least 60 million yuan 〔notice.3.4〕.", GIVEN).valid_claims == 0


def test_no_citations_at_all_leaves_no_valid_claim(validator) -> None:
    v = validator.validate("项目承担单位应为企业法人，投资规模不低于5000万元。", GIVEN)
    assert v.valid_claims == 0 and not v.refusal and v.citations == []


def test_refusal_is_recognised(validator) -> None:
    v = validator.validate("原文未作规定。", GIVEN)
    assert v.refusal and v.valid_claims == 0 and v.answer == "原文未作规定。"


def test_title_only_annex_is_quoted_whole(validator, clauses) -> None:
    v = validator.validate("附件2为重点项目及项目单位基本情况表，原文只有标题〔annex2〕。", GIVEN)
    assert v.citations[0].quote == clauses["annex2"].text and v.citations[0].start == 0


def test_thinking_is_removed() -> None:
    assert strip_thinking("<think>先想想 notice.9.9</think>答案〔notice.3.4〕") == "答案〔notice.3.4〕"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 100])
def test_streamer_rewrites_markers_split_across_chunks(clauses, size: int) -> None:
    text = "<think>想一想</think>投资不低于5000万元〔notice.3.4〕，见国发〔2013〕7号〔notice.9.9〕[1]。"
    streamer = MarkerStreamer(MarkerResolver(clauses, GIVEN))
    out = "".join(streamer.feed(text[i:i + size]) for i in range(0, len(text), size)) + streamer.flush()
    assert out == "投资不低于5000万元〔正文 三（四）〕，见国发〔2013〕7号[1]。"


def test_condensed_question_is_cleaned_or_replaced() -> None:
    assert clean_condensed("改写后的问题：事业单位能否作为项目承担单位？\n解释……", "x") == "事业单位能否作为项目承担单位？"
    assert clean_condensed("“事业单位能申报吗？”", "x") == "事业单位能申报吗？"
    assert clean_condensed("  \n", "规则改写") == "规则改写"
    assert clean_condensed("长" * 400, "规则改写") == "规则改写"


class _Status(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(f"HTTP {code}")
        self.status_code = code


class ReadTimeout(Exception):
    pass


class APIConnectionError(Exception):
    pass


@pytest.mark.parametrize(("exc", "kind"), [
    (_Status(401), "auth"), (_Status(403), "auth"), (_Status(429), "rate_limit"), (_Status(500), "server"),
    (ReadTimeout(), "timeout"), (APIConnectionError(), "unreachable"), (ConnectionRefusedError(), "unreachable"),
    (ValueError("Expecting value: line 1"), "malformed"), (LLMFailure("timeout"), "timeout"),
])
def test_client_errors_are_classified(exc: Exception, kind: str) -> None:
    assert classify(exc) == kind


def test_wrapped_errors_are_classified_by_their_cause() -> None:
    try:
        try:
            raise ReadTimeout()
        except ReadTimeout as inner:
            raise RuntimeError("stream failed") from inner
    except RuntimeError as outer:
        assert classify(outer) == "timeout"


def test_fallback_notes_are_short_chinese_and_recognisable() -> None:
    for kind, note in FALLBACK_NOTES.items():
        assert note.startswith("（") and note.endswith("）") and len(note) <= 40 and "离线摘录" in note
        assert fallback_kind(note + "\n根据通知原文：") == kind
    assert fallback_kind("根据通知原文：") is None
