import re

import pytest

from corpus.parser import ClauseParser, chinese_numeral, normalise_ws

EXPECTED_IDS = (
    "notice.header notice.preamble notice.1 notice.2 notice.2.1 notice.2.2 "
    + " ".join(f"notice.2.2.{i}" for i in range(1, 7))
    + " notice.2.3 notice.2.3.1 notice.2.3.2 notice.3 notice.3.1 notice.3.2 notice.3.3 notice.3.4"
    " notice.4 notice.4.1 notice.4.2 notice.4.3 notice.attachments notice.signature"
    " annex1 annex1.1 annex1.1.1 annex1.1.2 annex1.2 annex1.2.1 annex1.2.2 annex1.3 annex1.4 "
    + " ".join(f"annex1.4.{i}" for i in range(1, 6))
    + " annex1.5 annex1.6 "
    + " ".join(f"annex1.6.{i}" for i in range(1, 7))
    + " annex2"
).split()


@pytest.fixture(scope="module")
def doc(source_text):
    return ClauseParser().parse(source_text)


def test_every_contract_id_in_order(doc):
    assert [c.id for c in doc.clauses] == EXPECTED_IDS


def test_spans_point_at_the_clause_text(doc, source_text):
    for c in doc.clauses:
        if c.content_provided:
            assert normalise_ws(source_text[c.start : c.end]) == c.text, c.id


@pytest.mark.parametrize(
    ("cid", "starts", "ends"),
    [
        ("notice.header", "关于组织开展2014-2016年", "新疆生产建设兵团发展改革委："),
        ("notice.preamble", "为贯彻落实", "现将有关事项通知如下："),
        ("notice.3.4", "（四）投资规模。", "单个项目投资规模原则上不低于5000万元。"),
        ("notice.4.1", "（一）请有意愿", "报送我委（高技术产业司）。"),
        ("notice.4.3", "（三）请启动试点工作", "申请下达国家补助资金的请示。"),
        ("notice.attachments", "附件：1、", "重点项目及项目单位基本情况表"),
        ("notice.signature", "国家发展改革委办公厅", "2013年10月31日"),
        ("annex1.3", "三、推进物联网应用示范的总体考虑", "年度阶段性目标。"),
        ("annex1.4", "四、组织开展物联网应用示范工作的主要安排", "主要安排"),
        ("annex1.6", "六、重点项目实施方案", "进行论述。"),
        ("annex1.6.6", "（六）效益分析", "信息共享程度等。"),
    ],
)
def test_exact_boundaries(doc, cid, starts, ends):
    text = doc.by_id()[cid].text
    assert text.startswith(starts) and text.endswith(ends)


def test_labels_parents_and_annex2(doc):
    c = doc.by_id()
    assert c["notice.3.4"].label == "正文 三（四）投资规模"
    assert c["annex1.6.3"].label == "附件1 六（三）建设方案"
    assert c["notice.2.2.3"].parent == "notice.2.2" and c["notice.2.2"].children[0] == "notice.2.2.1"
    assert c["annex1.6.1"].headings == [c["annex1"].heading, "重点项目实施方案"]
    assert c["annex2"].content_provided is False and c["annex2"].text == "重点项目及项目单位基本情况表"
    assert all(x.content_provided for x in doc.clauses if x.id != "annex2")


def _ids(text):
    return [c.id for c in ClauseParser().parse(text).clauses]


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda t: re.sub(r"[\xa0 ]*\xa0[\xa0 ]*", "\n", t), id="headings-on-own-lines"),
        pytest.param(lambda t: t.replace("\xa0", " "), id="ordinary-spaces"),
        pytest.param(lambda t: t.replace("\xa0", "\u3000"), id="full-width-spaces"),
        pytest.param(lambda t: re.sub(r"(?<=\s)(\d)、", r"\1.", t), id="dot-numbering"),
    ],
)
def test_variants_keep_the_same_ids(source_text, transform):
    assert _ids(transform(source_text)) == EXPECTED_IDS


def test_second_annex_with_content(source_text):
    text = source_text + "\n附件2\n重点项目及项目单位基本情况表\n一、项目基本情况\n（一）项目名称\n（二）总投资\n二、单位基本情况\n"
    doc = ClauseParser().parse(text)
    ids = [c.id for c in doc.clauses]
    assert ids[-5:] == ["annex2", "annex2.1", "annex2.1.1", "annex2.1.2", "annex2.2"]
    assert doc.by_id()["annex2"].content_provided and doc.by_id()["annex2"].heading == "重点项目及项目单位基本情况表"


def test_numbers_inside_sentences_do_not_open_clauses():
    doc = ClauseParser().parse("标题\n各单位：\n一、总则 共有10个项目，按以下6个方面论述，见2.1节。\n二、附则 无。")
    assert [c.id for c in doc.clauses] == ["notice.header", "notice.1", "notice.2"]


@pytest.mark.parametrize(("raw", "value"), [("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("二十三", 23), ("7", 7)])
def test_chinese_numerals(raw, value):
    assert chinese_numeral(raw) == value


def test_flagship_structure_and_warnings(doc):
    # Parser v3 reports how it split the text: the flagship notice is outline-numbered, and its only doubt is
    # the second annex, which the 附件 list names but the text does not include.
    assert doc.structure == "numbered"
    assert doc.warnings == ["附件2（重点项目及项目单位基本情况表）只在附件目录中列出，原文未附正文"]
