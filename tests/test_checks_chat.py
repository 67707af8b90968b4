"""Verdicts in the chat: facts in a question become verdict lines and citations with correct offsets."""

import pytest

from checks.chat import ChatChecker, merge_citations
from checks.engine import VERDICT_LABELS
from retrieval.answer import Answer, Citation


@pytest.fixture(scope="module")
def checker(clauses, rule_engine):
    return ChatChecker(clauses, rule_engine)


def cite(clauses, cid: str, quote: str) -> Citation:
    start = clauses[cid].text.index(quote)
    return Citation(id=cid, label=clauses[cid].label, quote=quote, start=start, end=start + len(quote))


def plain_answer(clauses, question: str) -> Answer:
    c = cite(clauses, "notice.3.1", "项目承担单位原则上应为企业法人，要具有较强的技术开发、资金筹措、应用示范实施能力，以及较好的资信等级；")
    return Answer(question=question, status="answered", answer=f"根据通知原文：\n「{c.quote}」〔正文 三（一）〕", citations=[c])


@pytest.mark.parametrize(("question", "expected"), [
    ("我们公司是企业法人，投资4000万元，可以申报吗？", [("fail", "notice.3.4"), ("pass", "notice.3.1")]),
    ("投资0.5亿可以吗", [("pass", "notice.3.4")]),
    ("投资4999万行不行", [("fail", "notice.3.4")]),
    ("三千万够吗", [("fail", "notice.3.4")]),
    ("4999万和五千万元分别行不行", [("fail", "notice.3.4"), ("pass", "notice.3.4")]),
    ("我们是高校，可以牵头申报吗", [("fail", "notice.3.1")]),
    ("我们省准备报9个重点项目", [("fail", "notice.4.1")]),
    ("我们省报8个重点项目行吗", [("pass", "notice.4.1")]),
    ("我们2014年4月1日报送还来得及吗", [("fail", "notice.4.1")]),
    ("2014年3月31日报送可以吗", [("pass", "notice.4.1")]),
])
def test_question_facts_give_verdicts(checker, clauses, question, expected):
    verdicts, notes = checker.verdicts(question)
    assert [(v.verdict, checker.citation(v).id) for v in verdicts] == expected and notes == []
    answer = checker.merge(question, plain_answer(clauses, question))
    worst = expected[0][0]
    # The 要点 line first: the worst verdict and its reason, then the verdict block.
    lines = answer.answer.splitlines()
    assert lines[0] == f"要点：{answer.summary}" and answer.summary.startswith(VERDICT_LABELS[worst])
    assert lines[1].startswith("核对结论：") and f"（{worst}）" in lines[1]
    assert answer.citations[0].id == expected[0][1]
    for c in answer.citations:  # the Citation contract: verbatim quote, correct offsets, quoted in the text
        assert clauses[c.id].text[c.start:c.end] == c.quote and f"「{c.quote}」" in answer.answer


def test_questions_without_facts_are_unchanged(checker, clauses):
    original = plain_answer(clauses, "单个项目投资规模有什么要求？")
    assert checker.merge(original.question, original) is original


def test_impossible_date_is_noted_not_checked(checker, clauses):
    answer = checker.merge("我们2014年2月30日提交可以吗", plain_answer(clauses, "q"))
    assert "不存在" in answer.answer and "未据此核对" in answer.answer and "核对结论" not in answer.answer


def test_the_fail_on_notice_3_4_example(checker, clauses):
    question = "我们公司是企业法人，投资4000万元，可以申报吗？"
    answer = checker.merge(question, plain_answer(clauses, question))
    first = answer.answer.splitlines()[2]
    assert "fail" in first and "4000万元" in first and "〔正文 三（四）〕" in first
    # the verdict's quote of notice.3.1 is inside the answer's own 3.1 citation: cited once
    assert [c.id for c in answer.citations] == ["notice.3.4", "notice.3.1"]


def test_merge_citations_keeps_the_wider_quote_in_the_earlier_place(clauses):
    text = clauses["notice.3.1"].text
    narrow = cite(clauses, "notice.3.1", "项目承担单位原则上应为企业法人")
    wide = cite(clauses, "notice.3.1", text[text.index("项目承担单位原则上"):])
    other = cite(clauses, "notice.3.4", "单个项目投资规模原则上不低于5000万元。")
    assert merge_citations([narrow, other], [wide]) == [wide, other]
    assert merge_citations([wide], [narrow, other]) == [wide, other]
    assert merge_citations([other], [other]) == [other]


def test_chat_answer_end_to_end(service):
    """The real chain: retrieval, extractive answer, then the verdict hook."""
    answer = service.ask("我们公司是企业法人，投资4000万元，可以申报吗？")
    assert answer.status == "answered"
    assert answer.citations[0].id == "notice.3.4" and "5000万元" in answer.citations[0].quote
    assert "【不符合 fail】项目总投资4000万元" in answer.answer
    for c in answer.citations:
        assert service.clauses[c.id].text[c.start:c.end] == c.quote and f"「{c.quote}」" in answer.answer
