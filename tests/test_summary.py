"""The 要点 line: spans of the cited clauses chosen by the kind of fact asked, bound to them by offsets."""

import pytest

from retrieval.answer import Citation
from retrieval.summary import load_summary_rules, summarise, with_summary_line


@pytest.mark.parametrize(("question", "expected"), [
    ("申报截止是什么时候？", "2014年3月31日前"),
    ("材料交几份", "纸质材料一式两份，附电子版光盘"),
    ("可以报几个重点项目", "不超过8个重点项目"),
    ("材料报送给谁", "报送我委（高技术产业司）"),
    ("项目承担单位有什么要求", "原则上应为企业法人"),
    ("单个项目投资规模有什么要求？", "单个项目投资规模原则上不低于5000万元"),
])
def test_the_line_answers_the_question_with_verbatim_spans(service, question, expected):
    answer = service.ask(question)
    assert answer.status == "answered" and answer.summary and expected in answer.summary
    assert answer.answer.startswith("要点：" + answer.summary + "\n")
    assert len(answer.summary) <= load_summary_rules().max_chars
    for span in answer.summary_spans:
        assert service.clauses[span.id].text[span.start:span.end] == span.text
        assert span.text in answer.summary


def test_a_verdict_is_the_line_with_its_reason(service):
    answer = service.ask("我们公司是企业法人，投资4000万元，可以申报吗？")
    assert answer.summary == "不符合：单个项目投资规模原则上不低于5000万元"
    assert answer.answer.startswith("要点：不符合：") and answer.answer.count("要点：") == 1
    span = answer.summary_spans[0]
    assert service.clauses[span.id].text[span.start:span.end] == span.text and span.id == "notice.3.4"


def test_no_span_of_the_asked_kind_means_no_line():
    quote = "项目承担单位原则上应为企业法人，要具有较强的技术开发能力；"
    citation = Citation(id="x", label="x", quote=quote, start=0, end=len(quote))
    assert summarise("截止日期是哪天？", [citation]) == (None, [])  # asks a date; the quote states none


def test_every_kind_pattern_compiles_and_has_asking_words():
    import re

    rules = load_summary_rules()
    for kind in rules.kinds:
        re.compile(kind.span)
        assert kind.asked


def test_the_line_replaces_an_earlier_one():
    assert with_summary_line("要点：旧\n正文", "新") == "要点：新\n正文"
    assert with_summary_line("要点：旧\n正文", None) == "正文"
    assert with_summary_line("正文", None) == "正文"
