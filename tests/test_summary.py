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


def _cite(quote: str) -> Citation:
    return Citation(id="x", label="x", quote=quote, start=0, end=len(quote))


def test_of_several_spans_of_the_asked_kind_the_one_about_the_question_wins():
    quote = "资助金额不超过20万元(医卫类项目一般不超过5万元),另设若干政策引导项目。"
    assert summarise("医卫类项目最多资助多少钱", [_cite(quote)])[0] == "医卫类项目一般不超过5万元"
    assert summarise("资助金额最多多少钱", [_cite(quote)])[0] == "资助金额不超过20万元"


def test_the_unit_asked_for_picks_the_number():
    quote = "粮食播种面积66.5万亩,粮食产量25.9万吨。"
    assert summarise("粮食收了多少吨", [_cite(quote)])[0] == "粮食产量25.9万吨"


def test_a_condition_is_not_the_answer_the_phrase_after_it_is():
    quote = "对个人所得税纳税信用记录存在异议的，纳税人可向税务机关提出异议申请，税务机关应及时回复。"
    line, spans = summarise("我的纳税信用记录有异议怎么办", [_cite(quote)])
    assert line is not None and "提出异议申请" in line and not line.endswith("的")
    assert quote[spans[0].start:spans[0].end] == line


def test_a_span_never_ends_inside_a_number():
    quote = "三、联系电话 项目受理 82898517 综合业务 83897523 纪检监察 82758020(区纪委)"
    line, _ = summarise("联系电话是多少", [_cite(quote)])
    assert line is not None and not line.endswith("8275")
    for number in ("82898517", "83897523", "82758020"):
        assert number not in line or line.count(number) == 1


def test_a_duration_is_its_own_kind():
    quote = "公司减少注册资本，可以通过国家企业信用信息公示系统公告，公告期45日。"
    assert "45日" in (summarise("减资公告要公告多久", [_cite(quote)])[0] or "")


def test_verdicts_lead_only_when_the_question_asks_whether_the_asker_qualifies(service):
    asked = service.ask("我们公司是企业法人，投资4000万元，可以申报吗？")
    assert asked.summary.startswith("不符合")
    other = service.ask("我们是企业，材料交几份？")
    assert "核对结论" in other.answer or not other.summary or "份" in other.summary
    assert other.summary and not other.summary.startswith(("符合", "不符合"))


def test_a_line_never_starts_inside_a_word():
    from retrieval.summary import _whole_phrase

    text = "单个项目支持金额最高不超过200万元，每家企业每年支持总额最高不超过1000万元。"
    start, end = _whole_phrase(text, text.index("家企业"), len(text) - 1)
    assert text[start:end] == "每家企业每年支持总额最高不超过1000万元"
