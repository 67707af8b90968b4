"""Unit families: a question that names its unit (多少家, 几个月) is answered only by a figure in that unit."""

from __future__ import annotations

import pytest

from retrieval.units import load_unit_rules


@pytest.fixture(scope="module")
def units():
    return load_unit_rules()


@pytest.mark.parametrize(("question", "families"), [
    ("全县规模以上工业企业一共有多少家？", ["count"]),
    ("人均可支配收入是多少元？", ["money"]),
    ("材料交几份", ["copies"]),
    ("几个工作日内办完？", ["duration"]),  # the longest unit word: a duration, not a count
    ("企业要成立满几年才能申报？", ["duration"]),
    ("供养了多少人", ["people"]),
    ("分几个方面？", []),  # a list, not a figure
    ("有几家单位参加", []),  # 有几家: "several"
    ("第几个附件", []),
    ("哪几年开展", []),
])
def test_the_unit_a_question_asks_a_figure_in(units, question, families):
    assert units.asked(question) == families


@pytest.mark.parametrize(("text", "family", "stated"), [
    ("纸质材料一式两份", "copies", True),
    ("不超过8个重点项目", "count", True),
    ("3个工作日内", "duration", True),
    ("2026年静安区打造出海服务平台", "duration", False),  # a year is a date, not a length of time
    ("人均可支配收入16387元", "money", True),
    ("1,200元", "money", True),
    ("同比增长9.2%", "count", False),
    ("同比增长9.2%", "money", False),
])
def test_whether_a_quote_states_a_figure_in_the_family(units, text, family, stated):
    assert units.stated(text, family) is stated


def test_every_family_has_asked_and_stated_words(units):
    assert units.families
    for name, family in units.families.items():
        assert family.asked and family.stated, name
