"""Property tests (hypothesis) for the clause parser: it never crashes on any text, clause IDs are unique and
every span points at its clause's text. (checks/: tests/test_reliability_properties_checks.py.)
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from corpus.parser import ClauseParser, chinese_numeral, normalise_ws

PROPERTY = settings(max_examples=int(os.environ.get("HYP_N", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])  # HYP_N=10000 for a long run

# Pieces of an official notice: numbering of every level, the 附件 list, dates, whitespace of every kind.
MARKERS = ["一、", "二、", "三、", "十、", "十一、", "二三、", "十十、", "（一）", "（二）", "(三)", "（十二）", "1、", "2、",
           "1.", "2．", "10.", "（1）", "(2)", "附件：", "附件:", "附件1", "附件 2", "附件3", "2013年10月31日"]
WORDS = ["国家发展改革委办公厅", "关于组织开展试点工作的通知", "各省、自治区发展改革委：", "投资规模", "原则上不低于5000万元。",
         "项目承担单位", "；", "。", "：", "，", "共10个项目，见2.1节", "abc", "😀", "<b>", "\x00", "\u200b"]
SPACES = [" ", "\n", "\r\n", "\xa0", "\u3000", "\t", "\n\n"]
piece = st.one_of(st.sampled_from(MARKERS), st.sampled_from(WORDS), st.sampled_from(SPACES), st.text(max_size=6))
notice_like = st.lists(piece, max_size=80).map("".join)


def check_document(source: str) -> None:
    doc = ClauseParser().parse(source)
    ids = [c.id for c in doc.clauses]
    assert len(ids) == len(set(ids)), "clause IDs are unique"
    by_id = doc.by_id()
    for c in doc.clauses:
        assert 0 <= c.start <= c.end <= len(source), c.id
        assert normalise_ws(source[c.start : c.end]) == c.text, c.id  # the span points at the clause's text
        assert c.parent is None or c.parent in by_id, c.id
        assert all(by_id[k].parent == c.id for k in c.children), c.id
        assert c.id.startswith(("notice", "annex")) and not c.id.endswith(".")


@PROPERTY
@given(notice_like)
@example(" 十十十、x")
@example(" 二三、x\n（十十）y")
@example("附件：\n1、\n附件1\n一、")
def test_parser_never_crashes_and_spans_point_at_text(source):
    check_document(source)


@PROPERTY
@given(st.text(max_size=400))
def test_parser_on_arbitrary_text(source):
    check_document(source)


@PROPERTY
@given(st.data())
def test_parser_on_the_notice_with_pieces_inserted_or_cut(source_text, data):
    text = source_text
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        if data.draw(st.booleans()):
            text = text[:at] + data.draw(piece) + text[at:]
        else:
            text = text[:at] + text[at + data.draw(st.integers(0, 200)) :]
    check_document(text)


@given(st.integers(1, 99))
def test_chinese_numerals_read_back(n):
    digits = "一二三四五六七八九"
    tens, units = divmod(n, 10)
    written = (("" if tens == 1 else digits[tens - 1]) + "十" if tens else "") + (digits[units - 1] if units else "")
    assert chinese_numeral(written) == n


@pytest.mark.parametrize("bad", ["二三", "十十", "十十十", "三十十", "零"])
def test_malformed_chinese_numerals_are_value_errors(bad):
    with pytest.raises(ValueError):
        chinese_numeral(bad)
