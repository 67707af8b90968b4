"""Property tests (hypothesis) for checks/: the fact extractor (amounts, dates) and profile validation never
crash on any input; refusals are Chinese messages; written amounts and dates read back to their value.
"""

from __future__ import annotations

import json
import math
import os
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

facts = pytest.importorskip("checks.facts")
profile = pytest.importorskip("checks.profile")

PROPERTY = settings(max_examples=int(os.environ.get("HYP_N", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
CHINESE = re.compile(r"[\u4e00-\u9fff]")

amount_text = st.one_of(
    st.text(max_size=20),
    st.lists(st.sampled_from(list("0123456789.,-负一二两三四五六七八九十百千万亿元块零〇 人民币")), max_size=14).map("".join),
)


@PROPERTY
@given(amount_text)
def test_amounts_parse_or_give_a_chinese_message(text):
    try:
        wan = facts.parse_amount_wan(text)
    except facts.AmountError as exc:
        assert CHINESE.search(str(exc))
    else:
        assert math.isfinite(wan) and wan >= 0


@PROPERTY
@given(st.integers(1, 10**9), st.sampled_from(["", "万", "万元", "亿", "元", " 万元"]))
def test_amounts_read_back(n, unit):
    scale = {"": 1, "万": 1, "万元": 1, "亿": 10_000, "元": 1 / 10_000, " 万元": 1}[unit]
    assert facts.parse_amount_wan(f"{n}{unit}") == pytest.approx(round(n * scale, 4))


@PROPERTY
@given(st.dates(date(1950, 1, 1), date(2050, 12, 31)))  # checks.facts refuses implausible years
def test_dates_read_back_in_every_written_form(d):
    for written in (f"{d.year}年{d.month}月{d.day}日", f"{d.year}-{d.month:02d}-{d.day:02d}", f"{d.year}/{d.month}/{d.day}",
                    f"{d.year}.{d.month}.{d.day}"):
        assert facts.parse_date(written) == d


@PROPERTY
@given(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99))
def test_impossible_dates_are_refused_in_chinese(y, m, d):
    written = f"{y}年{m}月{d}日"
    try:
        got = facts.parse_date(written)
    except facts.BadDate as exc:
        assert CHINESE.search(str(exc))
    else:
        assert (got.year, got.month, got.day) == (y, m, d)


@PROPERTY
@given(st.lists(st.one_of(st.sampled_from(["投资", "总投资", "补助", "我们是", "企业", "高校", "事业单位", "报送", "截止",
                                           "2014年3月31日", "2014年2月30日", "5000万", "0.5亿元", "三千万", "个重点项目",
                                           "3个项目", "，", "。", "吗？", "呢"]), st.text(max_size=5)), max_size=25)
       .map("".join))
def test_fact_extraction_never_crashes(question):
    found = facts.extract_facts(question)
    assert all(math.isfinite(a.wan) and a.wan >= 0 for a in found.amounts)
    assert all((d.value is None) != (d.error is None) for d in found.dates)
    assert all(c.count >= 0 for c in found.counts)


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
profile_field = st.sampled_from(sorted(set(profile.ProjectProfile.model_fields) | set(profile.SubmissionProfile.model_fields)))
profile_dict = st.dictionaries(st.one_of(profile_field, st.text(max_size=8)), json_value, max_size=6)


def check_profile(data: object) -> None:
    try:
        parsed = profile.parse_profile(data)
    except profile.ProfileError as exc:
        assert exc.messages and all(CHINESE.search(m) for m in exc.messages), exc.messages
        assert not any("Traceback" in m or "pydantic" in m for m in exc.messages)
    else:
        assert parsed.kind in ("project", "submission")


@PROPERTY
@given(st.one_of(profile_dict, json_value))
def test_profiles_validate_or_give_chinese_messages(data):
    check_profile(data)


@PROPERTY
@given(st.one_of(st.text(max_size=60), profile_dict.map(lambda d: json.dumps(d, ensure_ascii=False)[:-1])))
def test_profile_json_text_never_crashes(text):
    try:
        profile.parse_profile_json(text)
    except profile.ProfileError as exc:
        assert exc.messages and all(CHINESE.search(m) for m in exc.messages)
