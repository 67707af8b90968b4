"""Questions with several parts: split, each retrieved and answered, a part the notice does not answer marked so."""

import pytest

from retrieval.parts import load_part_rules, split_parts


@pytest.mark.parametrize(("question", "parts"), [
    ("材料最迟什么时候交？还有，一个项目3000万能报吗", ["材料最迟什么时候交？", "还有，一个项目3000万能报吗"]),
    ("截止时间是哪天？要交几份？", ["截止时间是哪天？", "要交几份？"]),
    ("我们是高校。能报吗？截止哪天？", ["我们是高校。能报吗？", "我们是高校。截止哪天？"]),  # context goes with each
    ("单个项目投资规模有什么要求？", ["单个项目投资规模有什么要求？"]),
    ("我们公司是企业法人，投资4000万元，可以申报吗？", ["我们公司是企业法人，投资4000万元，可以申报吗？"]),
    ("你好。请问材料交几份？", ["你好。请问材料交几份？"]),  # a greeting is not an ask
    ("What is the deadline? And how many copies?", ["What is the deadline?", "And how many copies?"]),
])
def test_split_into_asks(question, parts):
    assert split_parts(question) == parts


@pytest.mark.parametrize(("question", "parts"), [
    ("网上申报和纸质材料寄送的截止时间分别是什么时候？", ["网上申报的截止时间是什么时候？", "纸质材料寄送的截止时间是什么时候？"]),
    ("电子版与纸质版各交几份？", ["电子版交几份？", "纸质版交几份？"]),
    ("企业和事业单位能报吗？", ["企业和事业单位能报吗？"]),  # no 分别: one ask about both
    ("从业年限和职称分别要求什么？", ["从业年限和职称分别要求什么？"]),  # no single value each: one clause may say both
])
def test_the_same_ask_of_two_topics_becomes_two_asks(question, parts):
    assert split_parts(question) == parts


def test_rules_are_data():
    rules = load_part_rules()
    assert "还有" in rules.connectives and "吗" in rules.question_cues


def test_each_part_is_answered_and_cited_on_its_own(service):
    answer = service.ask("材料最迟什么时候交？还有，单个项目投资规模有什么要求？")
    assert answer.status == "answered" and len(answer.parts) == 2
    assert [p.status for p in answer.parts] == ["answered", "answered"]
    assert answer.parts[0].citations[0].id == "notice.4.1" and answer.parts[1].citations[0].id == "notice.3.4"
    assert {c.id for c in answer.citations} >= {"notice.4.1", "notice.3.4"}
    assert answer.summary.startswith("第1问：2014年3月31日前；第2问：")
    assert "【第1问】" in answer.answer and "【第2问】" in answer.answer
    for c in answer.citations:
        assert service.clauses[c.id].text[c.start:c.end] == c.quote


def test_a_part_the_notice_does_not_answer_is_marked_while_the_other_is_answered(service):
    answer = service.ask("申报截止是什么时候？逾期还能交吗")
    assert answer.status == "answered"
    assert [p.status for p in answer.parts] == ["answered", "not_found"]
    assert "第2问：通知未作规定" in answer.summary and "2014年3月31日前" in answer.summary


def test_verdicts_are_given_once_for_the_whole_question(service):
    answer = service.ask("我们是事业单位。能牵头申报吗？材料交几份？")
    assert answer.answer.count("核对结论") == 1 and len(answer.parts) == 2


def test_parts_left_when_the_time_budget_is_spent_are_not_answered_and_say_so(service, monkeypatch):
    from assistant.service import OVER_BUDGET

    monkeypatch.setattr(service.settings, "request_budget_s", 1e-9)
    answer = service.ask("材料最迟什么时候交？还有，一个项目3000万能报吗？另外材料交几份？")
    assert len(answer.parts) == 3 and answer.parts[0].status == "answered"
    assert [p.status for p in answer.parts[1:]] == ["not_found", "not_found"]
    assert OVER_BUDGET in answer.answer and answer.status == "answered"


def test_the_message_was_retrieved_from_every_part_in_turn(service):
    answer = service.ask("这个通知是哪天发的？试点覆盖哪几年？")
    first, second = (service.ask(p).retrieved for p in ("这个通知是哪天发的？", "试点覆盖哪几年？"))
    ids = [r.id for r in answer.retrieved]
    assert ids[:2] == [first[0].id, second[0].id] or (first[0].id == second[0].id and ids[0] == first[0].id)
    assert len(ids) == len(first) == len(set(ids))
