"""Homophone typos read as the notice's own words; never a window across real words or grammar characters."""

import pytest


@pytest.fixture(scope="module")
def corrector(service):
    return service.corrector


@pytest.mark.parametrize(("question", "meant"), [
    ("申抱截至日期是哪天", "申报"), ("正策依据是啥", "政策"), ("投资规摸多少", "规模"), ("项目承但单位有啥要求", "承担"),
])
def test_a_typo_is_read_as_the_notice_word(corrector, question, meant):
    assert meant in corrector.corrections(question)


@pytest.mark.parametrize("question", [
    "一家机械厂在自己车间里上物联网改造生产线，属于哪一类项目",  # 间里 is not 建立: it crosses the word 车间
    "我们市是国家创新型城市，跟这个试点怎么统筹",  # 市是 holds 是, a grammar character: not 实施
    "单个项目投资规模有什么要求？",  # every word is the notice's own
])
def test_no_correction_without_a_typo(corrector, question):
    assert corrector.corrections(question) == []


def test_a_typo_question_finds_its_clause(service):
    answer = service.ask("投资规摸有啥要求")
    assert answer.status == "answered" and answer.citations[0].id == "notice.3.4"
