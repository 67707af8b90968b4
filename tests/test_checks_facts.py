"""The fact extractor: Chinese numerals and units, dates (including impossible ones), counts and unit types."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks.cn_numbers import NotANumber, parse_number
from checks.facts import (
    AmountError,
    BadDate,
    extract_facts,
    find_amounts,
    find_dates,
    find_project_counts,
    find_unit_type,
    parse_amount_wan,
    parse_date,
)


@pytest.mark.parametrize(("text", "value"), [
    ("4999", 4999), ("3,000", 3000), ("0.3亿", 3e7), ("5千万", 5e7), ("三千万", 3e7), ("五千万", 5e7),
    ("一亿两千万", 1.2e8), ("十二", 12), ("三十一", 31), ("二〇一四", 2014), ("十万", 1e5), ("1.5万", 15000),
    ("3千5百万", 3.5e7), ("伍仟万", 5e7), ("两千", 2000), ("一万亿", 1e12),
])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "万一", "千万", "三四千", "abc", "亿万", "5.5.5"])
def test_parse_number_refuses_non_numbers(text):
    with pytest.raises(NotANumber):
        parse_number(text)


@pytest.mark.parametrize(("value", "wan"), [
    (5000, 5000), (4999.5, 4999.5), ("5000", 5000), ("3000万", 3000), ("0.3亿", 3000), ("三千万", 3000),
    ("5千万", 5000), ("4999万", 4999), ("五千万元", 5000), ("0.5亿", 5000), ("0.5亿元", 5000), ("50000000元", 5000),
    ("5,000万元", 5000), ("5000 万元", 5000), ("５０００万", 5000), ("人民币1.2亿元", 12000),
])
def test_amount_in_wan(value, wan):
    assert parse_amount_wan(value) == wan


@pytest.mark.parametrize("value", ["很多", "abc", "五千多万", "", "-3000万", "负5000万", -1, float("nan"), float("inf")])
def test_bad_amounts_get_a_message(value):
    with pytest.raises(AmountError) as info:
        parse_amount_wan(value)
    assert "金额" in str(info.value)


@given(st.integers(min_value=1, max_value=10_000_000))
def test_wan_and_yi_agree(n):
    assert parse_amount_wan(f"{n}万") == n
    assert parse_amount_wan(f"{n}万元") == parse_amount_wan(f"{n * 10_000}元") == n


@pytest.mark.parametrize(("question", "amounts"), [
    ("投资3000万够不够？", [3000]), ("0.3亿行吗", [3000]), ("三千万的项目", [3000]), ("5千万元的项目", [5000]),
    ("投资4999万", [4999]), ("五千万元可以吗", [5000]), ("投资3,000万元", [3000]), ("投资3000万，0.5亿呢", [3000, 5000]),
    ("我们注册资本5000万，投资2000万", [2000]),  # 注册资本 is not the investment
    ("能补助1000万吗", []), ("千万别漏了材料", []), ("万一不够呢", []), ("2014-2016年", []), ("10个行动计划", []),
    ("投资-3000万", []),
])
def test_amounts_in_questions(question, amounts):
    assert [a.wan for a in find_amounts(question)] == amounts


@pytest.mark.parametrize(("text", "value"), [
    ("2014-03-31", date(2014, 3, 31)), ("2014/4/1", date(2014, 4, 1)), ("2014.4.1", date(2014, 4, 1)),
    ("2014年3月31日", date(2014, 3, 31)), ("2014年4月1号", date(2014, 4, 1)), ("二〇一四年三月三十一日", date(2014, 3, 31)),
    ("2016-02-29", date(2016, 2, 29)),
])
def test_parse_date(text, value):
    assert parse_date(text) == value


@pytest.mark.parametrize(("text", "reason"), [
    ("2014-02-30", "只有28天"), ("2014年2月29日", "只有28天"), ("2014-13-01", "月份"), ("2014-04-31", "只有30天"),
    ("2014-00-10", "月份"), ("下周一", "无法识别"), ("2014-3", "无法识别"), ("0000-01-01", "年份"),
])
def test_impossible_or_unreadable_dates(text, reason):
    with pytest.raises(BadDate) as info:
        parse_date(text)
    assert reason in str(info.value)


def test_dates_in_text_keep_impossible_ones_as_errors():
    found = find_dates("我们2014年2月30日提交，或者2014年4月1日报送")
    assert [d.value for d in found] == [None, date(2014, 4, 1)]
    assert "不存在" in found[0].error


def test_submission_cues_select_dates():
    cues = ["报送", "截止"]
    assert find_dates("这个通知是2013年10月31日发的吗", cues) == []
    assert [d.value for d in find_dates("听说截止时间是2014年6月30日？", cues)] == [date(2014, 6, 30)]


@pytest.mark.parametrize(("question", "counts"), [
    ("我们省准备报9个重点项目", [9]), ("附八个重点项目可以吗", [8]), ("我们报了十个项目", [10]),
    ("单个项目投资规模有什么要求？", []), ("每个重点项目均按6个方面论述", []), ("他们有3个项目经验", []),
])
def test_project_counts(question, counts):
    assert [c.count for c in find_project_counts(question)] == counts


@pytest.mark.parametrize(("question", "unit_type"), [
    ("我们公司是企业法人，投资4000万元，可以申报吗？", "企业法人"),
    ("我们是高校，可以牵头申报重点项目吗？", "高校或科研院所"),
    ("我们是一所大学", "高校或科研院所"),
    ("我们是研究所", "高校或科研院所"),
    ("我们是事业单位，能当项目承担单位吗？", "事业单位"),
    ("我们单位属于事业单位", "事业单位"),
    ("那高校呢？", "高校或科研院所"),
    ("行业协会可以申报吗", "社会团体"),
    ("既然是企业为主体，个人也可以直接申报项目吧？", "其他"),
    ("我们是民营企业，能当项目承担单位吗？", "企业法人"),
    ("我司能申报吗", "企业法人"),
    ("We are a university research institute. Can we be the project undertaking unit?", "高校或科研院所"),
    ("项目承担单位必须是企业法人吗？", None),             # asks about the rule, states no unit
    ("政府部门和事业单位可以购买物联网信息服务吗？", None),  # buying services, not applying
    ("我们计划和高校合作", None),
    ("企事业单位可以参与吗", None),
])
def test_unit_type_of_the_asker(question, unit_type):
    found = find_unit_type(question)
    assert (found.unit_type if found else None) == unit_type


def test_extract_facts_collects_everything():
    facts = extract_facts("我们是企业，投资0.5亿，准备2014年3月31日报送，共9个重点项目")
    assert facts.unit.unit_type == "企业法人" and [a.wan for a in facts.amounts] == [5000]
    assert [d.value for d in facts.dates] == [date(2014, 3, 31)] and [c.count for c in facts.counts] == [9]
    assert not extract_facts("基本原则有哪些？").any()


@given(st.text(alphabet=st.sampled_from("0123456789.,-/万亿千百十元年月日号个重点项目我们是高校公司报送零一二两三五九 ，。"), max_size=60))
def test_extractor_never_crashes(text):
    facts = extract_facts(text)
    assert all(a.wan >= 0 for a in facts.amounts) and all(c.count >= 0 for c in facts.counts)


def test_absurd_numbers_are_ignored():
    assert find_amounts("投资" + "9" * 400 + "万") == []
    assert find_project_counts("报" + "9" * 400 + "个重点项目") == []
