"""The parser on notices written in other styles than the flagship one: regulations (第一章/第一条), plans with
任务一/专栏1, top-level 1., unnumbered texts (paragraph fallback), skipped numbers, 附件 lists without their annexes,
an issuing notice with its 办法 annexed, and the real 2019 notice. The fixtures in tests/fixtures/parser/ are
synthetic (their first line says so and is dropped here); each test pins IDs, labels and parents exactly.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from corpus.loader import read_source
from corpus.models import ParsedDocument
from corpus.parser import ClauseParser, chinese_numeral, normalise_ws

FIXTURES = Path(__file__).parent / "fixtures" / "parser"
# The real second notice: the shared copy, or the pack's copy where the repository carries one.
TAX_CREDIT_COPIES = [Path("/work/shared/corpus-source/ndrc-2019-tax-credit.txt"),
                     Path(__file__).resolve().parents[1] / "notices/ndrc-2019-tax-credit/source.txt"]


def fixture(name: str) -> str:
    text = read_source(FIXTURES / f"synthetic-{name}.txt")
    assert text.startswith("# synthetic"), name
    return text.split("\n", 1)[1]


def parse(text: str) -> ParsedDocument:
    doc = ClauseParser().parse(text)
    check_spans(doc, text)
    return doc


def check_spans(doc: ParsedDocument, source: str) -> None:
    ids = [c.id for c in doc.clauses]
    assert len(ids) == len(set(ids)), "clause IDs are unique"
    by_id = doc.by_id()
    for c in doc.clauses:
        assert 0 <= c.start <= c.end <= len(source), c.id
        assert normalise_ws(source[c.start : c.end]) == c.text, c.id
        assert c.parent is None or c.parent in by_id, c.id
        assert all(by_id[k].parent == c.id for k in c.children), c.id
        assert c.id.startswith(("notice", "annex")) and not c.id.endswith("."), c.id
    assert doc.structure in ("numbered", "regulation", "paragraphs")
    assert all(isinstance(w, str) and w for w in doc.warnings)


def tree(doc: ParsedDocument) -> list[tuple[str, str | None, str]]:
    return [(c.id, c.parent, c.label) for c in doc.clauses]


# -- regulations -----------------------------------------------------------------------------------------------

def test_regulation_with_chapters_sections_and_articles():
    doc = parse(fixture("regulation-chapters"))
    assert doc.structure == "regulation" and doc.warnings == []
    ids = [c.id for c in doc.clauses]
    assert ids == [
        "notice.header", "notice.1", *(f"notice.1.{k}" for k in range(1, 12)),
        "notice.2", "notice.2.12", "notice.2.12.1", "notice.2.12.2", "notice.2.13",
        "notice.3", "notice.3.1", "notice.3.1.14", "notice.3.2", "notice.3.2.15",
        "notice.4", "notice.4.16",
    ]
    c = doc.by_id()
    assert c["notice.header"].heading == "示范项目资金管理办法"
    assert (c["notice.2"].label, c["notice.2"].marker, c["notice.2"].parent) == ("正文 第二章 资金申请", "正文 第二章", None)
    art = c["notice.2.12"]
    assert (art.label, art.marker, art.parent) == ("正文 第二章 第十二条 申请单位应当具备下列条件", "正文 第十二条", "notice.2")
    item = c["notice.2.12.1"]
    assert (item.label, item.marker, item.parent) == ("正文 第二章 第十二条（一）依法登记注册", "正文 第十二条（一）", "notice.2.12")
    assert item.headings == ["资金申请", "申请单位应当具备下列条件"]
    sect = c["notice.3.1"]
    assert (sect.label, sect.marker, sect.parent) == ("正文 第三章 第一节 拨付", "正文 第三章 第一节", "notice.3")
    assert (c["notice.3.1.14"].label, c["notice.3.1.14"].marker, c["notice.3.1.14"].parent) == (
        "正文 第三章 第一节 第十四条 资金按进度拨付", "正文 第十四条", "notice.3.1")
    assert c["notice.1.11"].label == "正文 第一章 第十一条 任何单位不得截留资金"
    assert c["notice.4.16"].text == "第十六条 本办法自发布之日起施行。"


def test_article_references_inside_sentences_and_wrapped_lines_are_not_articles():
    doc = parse(fixture("regulation-chapters"))
    c = doc.by_id()
    # 依照本办法第十二条规定 (in a sentence) and 第十二条所列 (a wrapped line) stay in 第十三条.
    assert c["notice.2.13"].text == (
        "第十三条 依照本办法第十二条规定提交的材料，应当真实有效。 第十二条所列条件发生变化的，申请单位应当及时报告。")
    assert c["notice.2.13"].children == []


def test_regulation_without_chapters():
    doc = parse(fixture("regulation-articles"))
    assert doc.structure == "regulation" and doc.warnings == []
    assert tree(doc) == [
        ("notice.header", None, "正文 标题"),
        ("notice.1", None, "正文 第一条 为促进示范数据共享，制定本规定"),
        ("notice.2", None, "正文 第二条 数据共享遵循以下原则"),
        ("notice.2.1", "notice.2", "正文 第二条 一、依法共享"),
        ("notice.2.2", "notice.2", "正文 第二条 二、安全可控"),
        ("notice.3", None, "正文 第三条 共享数据的范围，依照本规定第五条确定"),
        ("notice.4", None, "正文 第四条 数据提供单位应当及时更新数据"),
        ("notice.5", None, "正文 第五条 共享数据目录由管理办公室编制，"),
        ("notice.6", None, "正文 第六条 本规定自发布之日起施行"),
    ]
    c = doc.by_id()
    assert c["notice.2"].marker == "正文 第二条" and c["notice.2.1"].marker == "正文 第二条 一"
    # A line that starts with 第五条 before 第四条 is a wrapped reference: no clause, no skipped-number warning.
    assert c["notice.3"].text.endswith("第五条 所列数据的使用，应当符合第二条的原则。")
    assert c["notice.5"].text.endswith("第三条规定的范围调整时同步更新。")


def test_arabic_article_numbers_and_hundreds():
    doc = parse("示范条例\n第1条 甲。\n第2条 乙。\n第3条 丙。")
    assert [(c.id, c.marker) for c in doc.clauses][1:] == [
        ("notice.1", "正文 第1条"), ("notice.2", "正文 第2条"), ("notice.3", "正文 第3条")]
    articles = "\n".join(f"第{n}条 内容。" for n in range(1, 106))
    doc = parse("示范条例\n" + articles)
    assert len([c for c in doc.clauses if c.id != "notice.header"]) == 105


def test_parts_above_chapters_whose_numbers_run_on():
    doc = parse("示范规划\n第一篇 总体要求\n第一章 发展基础\n第一节 成就\n一、产业\n第二节 形势\n第二章 总体思路\n"
                "第二篇 主要任务\n第三章 建设网络\n专栏1 网络工程\n第四章 建设平台\n")
    assert [(c.id, c.parent, c.label, c.marker) for c in doc.clauses][1:] == [
        ("notice.1", None, "正文 第一篇 总体要求", "正文 第一篇"),
        ("notice.1.1", "notice.1", "正文 第一篇 第一章 发展基础", "正文 第一章"),
        ("notice.1.1.1", "notice.1.1", "正文 第一篇 第一章 第一节 成就", "正文 第一章 第一节"),
        ("notice.1.1.1.1", "notice.1.1.1", "正文 第一篇 第一章 第一节 一、产业", "正文 第一章 第一节 一"),
        ("notice.1.1.2", "notice.1.1", "正文 第一篇 第一章 第二节 形势", "正文 第一章 第二节"),
        ("notice.1.2", "notice.1", "正文 第一篇 第二章 总体思路", "正文 第二章"),
        ("notice.2", None, "正文 第二篇 主要任务", "正文 第二篇"),
        ("notice.2.3", "notice.2", "正文 第二篇 第三章 建设网络", "正文 第三章"),
        ("notice.2.3.box1", "notice.2.3", "正文 第二篇 第三章 专栏1 网络工程", "正文 专栏1"),
        ("notice.2.4", "notice.2", "正文 第二篇 第四章 建设平台", "正文 第四章"),
    ]


def test_markers_are_unique_citations():
    for name in ("regulation-chapters", "regulation-articles", "plan-tasks", "issuing-notice", "top-level-arabic"):
        markers = [c.marker for c in parse(fixture(name)).clauses]
        assert len(markers) == len(set(markers)), name


def test_table_of_contents_is_not_read_as_chapters():
    text = "示范条例\n目录\n第一章 总则\n第二章 附则\n第一章 总则\n第一条 为了示范。\n第二章 附则\n第二条 施行。\n"
    doc = parse(text)
    assert [c.id for c in doc.clauses] == ["notice.header", "notice.preamble", "notice.1", "notice.1.1", "notice.2",
                                           "notice.2.2"]
    assert doc.by_id()["notice.preamble"].text == "目录 第一章 总则 第二章 附则"


# -- plans: 任务一 and 专栏 -------------------------------------------------------------------------------------

def test_tasks_and_sidebars():
    doc = parse(fixture("plan-tasks"))
    assert doc.structure == "numbered" and doc.warnings == []
    assert tree(doc) == [
        ("notice.header", None, "正文 标题"),
        ("notice.preamble", None, "正文 引言"),
        ("notice.1", None, "正文 一、总体要求"),
        ("notice.2", None, "正文 二、重点任务"),
        ("notice.2.1", "notice.2", "正文 二 任务一 建设基础设施"),
        ("notice.2.1.1", "notice.2.1", "正文 二 任务一（一）建设网络"),
        ("notice.2.1.2", "notice.2.1", "正文 二 任务一（二）建设平台"),
        ("notice.2.1.2.box1", "notice.2.1.2", "正文 二 任务一（二） 专栏1 基础设施重点工程"),
        ("notice.2.1.3", "notice.2.1", "正文 二 任务一（三）建设数据中心"),
        ("notice.2.2", "notice.2", "正文 二 任务二 培育产业生态"),
        ("notice.2.2.box2", "notice.2.2", "正文 二 任务二 专栏2 产业生态重点工程"),
        ("notice.3", None, "正文 三、保障措施"),
        ("notice.3.1", "notice.3", "正文 三（一）加强组织领导"),
    ]
    c = doc.by_id()
    assert c["notice.2.1"].marker == "正文 二 任务一"
    box = c["notice.2.1.2.box1"]
    assert box.marker == "正文 专栏1" and box.heading == "基础设施重点工程"
    # The sidebar's own 1. 2. list is its text, and （三） after it continues the numbering around it.
    assert box.text == "专栏1 基础设施重点工程 1. 网络工程：建设骨干网络。 2. 平台工程：建设公共平台。"
    assert c["notice.2.1.2"].text == "（二）建设平台。统筹建设公共平台。"


def test_tasks_at_the_top_level_and_a_sidebar_written_with_a_chinese_number():
    doc = parse("示范行动方案\n任务一：建设网络\n（一）骨干网。\n任务二：建设平台\n专栏一：重点工程\n（一）平台一期。\n任务三：保障\n")
    assert tree(doc) == [
        ("notice.header", None, "正文 标题"),
        ("notice.1", None, "正文 任务一 建设网络"),
        ("notice.1.1", "notice.1", "正文 任务一（一）骨干网"),
        ("notice.2", None, "正文 任务二 建设平台"),
        ("notice.2.box1", "notice.2", "正文 任务二 专栏一 重点工程"),
        ("notice.3", None, "正文 任务三 保障"),
    ]


# -- outline numbering starting at 1. -----------------------------------------------------------------------------

def test_top_level_arabic_numbering():
    doc = parse(fixture("top-level-arabic"))
    assert doc.structure == "numbered" and doc.warnings == []
    assert tree(doc) == [
        ("notice.header", None, "正文 标题"),
        ("notice.preamble", None, "正文 引言"),
        ("notice.1", None, "正文 1 申报范围"),
        ("notice.1.1", "notice.1", "正文 1（1）示范企业"),
        ("notice.1.2", "notice.1", "正文 1（2）示范园区"),
        ("notice.2", None, "正文 2 申报要求"),
        ("notice.3", None, "正文 3 时间安排"),
        ("notice.signature", None, "正文 落款"),
    ]
    assert doc.by_id()["notice.signature"].text == "示范管理办公室 2024年5月6日"
    assert [c.id for c in parse(fixture("top-level-arabic").replace(". ", "、")).clauses] == [c.id for c in doc.clauses]


# -- fallback and warnings ------------------------------------------------------------------------------------------

def test_items_1_directly_under_a_top_level_heading():
    doc = parse("关于示范的通知\n各有关单位：\n一、申报要求\n1. 按要求申报。\n2. 按时申报。\n二、其他\n无。")
    c = doc.by_id()
    assert [(x.id, x.parent) for x in doc.clauses][2:] == [
        ("notice.1.1", "notice.1"), ("notice.1.2", "notice.1"), ("notice.2", None)]
    assert (c["notice.1.2"].label, c["notice.1.2"].marker) == ("正文 一 2 按时申报", "正文 一 2")


def test_page_chrome_before_the_addressees_stays_in_the_header():
    doc = parse("时间:2024-05-06 发布者: 阅读: 0\n各有关单位:\n为做好示范工作，现通知如下:\n一、要求\n甲。\n二、时间\n乙。")
    c = doc.by_id()
    assert c["notice.header"].text == "时间:2024-05-06 发布者: 阅读: 0 各有关单位:"
    assert c["notice.preamble"].text == "为做好示范工作，现通知如下:"


def test_paragraph_fallback():
    doc = parse(fixture("paragraphs"))
    assert doc.structure == "paragraphs"
    assert doc.warnings == ["未识别到条款编号，已按段落切分（共 3 段）"]
    assert [(c.id, c.parent, c.marker, c.text) for c in doc.clauses] == [
        ("notice.header", None, "正文 标题", "关于做好示范工作的通知 各有关单位："),
        ("notice.p1", None, "正文 第1段", "为做好示范工作，请各单位高度重视，认真组织实施。"),
        ("notice.p2", None, "正文 第2段", "各单位要加强协调配合，及时报送工作进展情况。"),
        ("notice.p3", None, "正文 第3段", "工作中遇到的问题，请及时与我办联系。"),
        ("notice.signature", None, "正文 落款", "示范管理办公室 2024年5月6日"),
    ]
    assert doc.by_id()["notice.p2"].label == "正文 第2段 各单位要加强协调配合，及时报送工作进展情况"


def test_a_single_marker_is_not_a_structure():
    doc = parse("关于示范工作的通知\n各有关单位：\n请做好以下工作。\n一、加强领导。各单位要高度重视。\n及时报送进展。\n示范局\n2024年5月6日")
    assert doc.structure == "paragraphs"
    assert doc.warnings == ["只识别到一处条款编号「一、」，已按段落切分（共 3 段）"]
    assert [c.id for c in doc.clauses] == ["notice.header", "notice.p1", "notice.p2", "notice.p3", "notice.signature"]
    assert doc.by_id()["notice.p2"].text == "一、加强领导。各单位要高度重视。"


def test_long_paragraphs_stay_whole():
    long = "各单位要认真组织实施，" * 200 + "确保取得实效。"
    doc = parse(f"关于示范工作的通知\n各有关单位：\n{long}\n示范局\n2024年5月6日")
    assert [c.id for c in doc.clauses] == ["notice.header", "notice.p1", "notice.signature"]
    assert doc.by_id()["notice.p1"].text == long


def test_skipped_numbering_is_reported():
    doc = parse(fixture("skipped-numbering"))
    assert [c.id for c in doc.clauses] == ["notice.header", "notice.preamble", "notice.1", "notice.2", "notice.2.1",
                                           "notice.2.2", "notice.signature"]
    assert doc.warnings == ["编号不连续：正文「二、」之后出现「四、」（第9行），未作为新条款切分"]
    assert doc.by_id()["notice.2.2"].text == "（二）编制方案。 四、保障措施 加强组织领导。"


# -- 附件 -----------------------------------------------------------------------------------------------------------

def test_attachment_list_without_the_annexes():
    doc = parse(fixture("attachments-absent"))
    c = doc.by_id()
    assert [x.id for x in doc.clauses] == ["notice.header", "notice.preamble", "notice.1", "notice.2",
                                           "notice.attachments", "notice.signature", "annex1", "annex2"]
    assert [(c[a].label, c[a].marker, c[a].content_provided, c[a].parent) for a in ("annex1", "annex2")] == [
        ("附件1 示范项目申报表", "附件1", False, None), ("附件2 示范单位基本情况表", "附件2", False, None)]
    assert c["notice.signature"].text == "示范管理办公室 2024年5月6日"
    assert doc.warnings == ["附件1（示范项目申报表）只在附件目录中列出，原文未附正文",
                            "附件2（示范单位基本情况表）只在附件目录中列出，原文未附正文"]


def test_single_unnumbered_attachment():
    doc = parse("关于示范的通知\n各单位：\n现通知如下：\n一、要求\n（一）甲。\n二、乙\n附件：示范表\n示范局\n2024年5月6日")
    c = doc.by_id()
    assert c["annex1"].label == "附件1 示范表" and c["annex1"].content_provided is False
    assert c["notice.attachments"].text == "附件：示范表"


def test_attachment_list_continued_below_the_signature():
    text = ("关于示范申报的通知\n各有关单位：\n一、申报要求\n按要求申报。\n二、联系方式\n电话略。\n"
            "附件：1、示范申报指南\n示范管理办公室\n2024年5月6日\n2、示范报告样板\n3、示范经费预算表")
    doc = parse(text)
    c = doc.by_id()
    assert [x.id for x in doc.clauses] == ["notice.header", "notice.1", "notice.2", "notice.attachments",
                                           "notice.signature", "annex1", "annex2", "annex3"]
    assert c["notice.signature"].text == "示范管理办公室 2024年5月6日"
    assert [(c[a].heading, c[a].content_provided) for a in ("annex1", "annex2", "annex3")] == [
        ("示范申报指南", False), ("示范报告样板", False), ("示范经费预算表", False)]


def test_annex_heading_missing_from_the_list_is_reported():
    text = fixture("attachments-absent") + "附件3\n示范补充表\n一、基本信息\n二、联系方式\n"
    doc = parse(text)
    assert [c.id for c in doc.clauses][-5:] == ["annex1", "annex2", "annex3", "annex3.1", "annex3.2"]
    assert "附件3（示范补充表）未见于正文的“附件：”目录" in doc.warnings


def test_issuing_notice_with_the_regulation_annexed():
    doc = parse(fixture("issuing-notice"))
    assert doc.structure == "regulation" and doc.warnings == []
    assert tree(doc) == [
        ("notice.header", None, "正文 标题"),
        ("notice.preamble", None, "正文 引言"),
        ("notice.attachments", None, "正文 附件目录"),
        ("notice.signature", None, "正文 落款"),
        ("annex1", None, "附件1 示范项目管理办法"),
        ("annex1.1", "annex1", "附件1 第一章 总则"),
        ("annex1.1.1", "annex1.1", "附件1 第一章 第一条 为加强示范项目管理，制定本办法"),
        ("annex1.1.2", "annex1.1", "附件1 第一章 第二条 本办法适用于示范项目"),
        ("annex1.2", "annex1", "附件1 第二章 项目管理"),
        ("annex1.2.3", "annex1.2", "附件1 第二章 第三条 项目单位应当按照批准的内容实施项目"),
        ("annex1.2.4", "annex1.2", "附件1 第二章 第四条 本办法自发布之日起施行"),
    ]
    c = doc.by_id()
    assert c["notice.header"].heading == "示范管理办公室关于印发《示范项目管理办法》的通知"
    assert c["notice.signature"].text == "示范管理办公室 财政示范局 2024年5月6日"  # both issuing offices
    assert c["annex1.2.3"].marker == "附件1 第三条"


@pytest.mark.parametrize("drop_list", [False, True], ids=["with-list", "without-list"])
def test_regulation_printed_after_the_signature_without_an_annex_heading(drop_list):
    text = fixture("issuing-notice").replace("2024年5月6日\n附件\n", "2024年5月6日\n")
    if drop_list:
        text = text.replace("附件：示范项目管理办法\n", "")
    doc = parse(text)
    ids = [c.id for c in doc.clauses]
    assert ids == ["notice.header", "notice.preamble", *([] if drop_list else ["notice.attachments"]), "notice.signature",
                   "annex1", "annex1.1", "annex1.1.1", "annex1.1.2", "annex1.2", "annex1.2.3", "annex1.2.4"]
    c = doc.by_id()
    assert c["notice.signature"].text == "示范管理办公室 财政示范局 2024年5月6日"
    assert c["annex1"].text == "示范项目管理办法" and c["annex1"].content_provided
    assert doc.warnings == ["落款之后的文本按附件1（示范项目管理办法）处理"]


def test_chinese_numeral_date_and_chinese_numbered_annex():
    text = fixture("issuing-notice").replace("2024年5月6日", "二〇二四年五月六日").replace("\n附件\n", "\n附件一\n")
    doc = parse(text)
    c = doc.by_id()
    assert c["notice.signature"].text == "示范管理办公室 财政示范局 二〇二四年五月六日"
    assert c["annex1"].heading == "示范项目管理办法" and "annex1.2.4" in c


@pytest.mark.parametrize("name", ["regulation-chapters", "plan-tasks", "issuing-notice", "skipped-numbering"])
def test_crlf_and_full_width_spaces_keep_the_ids(name):
    text = fixture(name)
    ids = [c.id for c in parse(text).clauses]
    assert [c.id for c in parse(text.replace("\n", "\r\n")).clauses] == ids
    assert [c.id for c in parse(text.replace(" ", "\u3000")).clauses] == ids


# -- the real 2019 notice (CRLF, 一、（一）, two issuing offices, no annex) ---------------------------------------------

@pytest.fixture(scope="module")
def tax_credit():
    path = next((p for p in TAX_CREDIT_COPIES if p.is_file()), None)
    if path is None:
        pytest.skip("ndrc-2019-tax-credit.txt is not on this machine")
    text = read_source(path)
    assert "\r\n" in text
    return text, parse(text)


def test_tax_credit_notice(tax_credit):
    text, doc = tax_credit
    c = doc.by_id()
    assert doc.structure == "numbered" and doc.warnings == []
    assert [x.id for x in doc.clauses if x.level == 1 and x.id[7:].isdigit()] == [f"notice.{n}" for n in range(1, 6)]
    assert [x.id for x in doc.clauses if x.parent == "notice.2"] == ["notice.2.1", "notice.2.2", "notice.2.3"]
    assert c["notice.header"].heading == "关于加强个人所得税纳税信用建设的通知"
    assert c["notice.header"].text.endswith("社会信用体系建设部际联席会议成员单位办公厅（室）：")
    assert c["notice.preamble"].text.endswith("现就加强个人所得税纳税信用建设有关事项通知如下。")
    assert c["notice.signature"].text == "国家发展改革委办公厅 税务总局办公厅 2019年8月20日"
    assert c["notice.5.2"].text.endswith("形成崇尚诚信、践行诚信的良好风尚。")
    assert c["notice.3"].label == "正文 三、完善守信联合激励和失信联合惩戒机制"
    assert c["notice.4.2"].label == "正文 四（二）建立异议解决和失信修复机制"
    assert not [x.id for x in doc.clauses if x.id.startswith("annex")]
    # No mis-split: the numbered clauses start exactly at the heading lines 一、 / （一） of the text, no more, no less.
    headings = [m.start() for m in re.finditer(r"(?m)^(?:[一二三四五六七八九十]、|（[一二三四五六七八九十]）)", text)]
    assert [x.start for x in doc.clauses if x.id[7:8].isdigit()] == headings


# -- numerals and robustness ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "value"), [("九十九", 99), ("一百", 100), ("一百零一", 101), ("一百一十", 110),
                                            ("一百十二", 112), ("一百二十三", 123), ("二百", 200), ("12", 12)])
def test_chinese_numerals_to_the_hundreds(raw, value):
    assert chinese_numeral(raw) == value


@pytest.mark.parametrize("bad", ["百", "一百零", "一百二", "零一", "一百零十一", "百百"])
def test_malformed_hundreds_are_value_errors(bad):
    with pytest.raises(ValueError):
        chinese_numeral(bad)


@pytest.mark.parametrize("text", ["", "\n", "\r\n", "附件", "附件\n", "附件：", "目录\n", "专栏1", "任务一：", "第一条",
                                  "第一章\n第一条\n第一节", "2024年5月6日", "示范局\n2024年5月6日\n附件\n第一条 甲\n第二条 乙",
                                  "附件：\n\n", "一、\n一、\n二、\n四、\n三、", "\x00第一章\u200b第一条"])
def test_edge_inputs_parse(text):
    parse(text)


PROPERTY = settings(max_examples=int(os.environ.get("HYP_N", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
STYLE_PIECES = ["第一章", "第二章", "第三章", "第一节", "第二节", "第一条", "第二条", "第三条", "第五条", "第十二条", "第1条",
                "第一百零一条", "第一部分", "第二篇", "任务一：", "任务二：", "专栏1", "专栏2", "专栏一", "目录", "附件", "附件一",
                "附件：", "附件1", "一、", "二、", "四、", "（一）", "（二）", "1.", "2、", "（1）", "2024年5月6日",
                "二〇二四年五月六日", "示范管理办公室", "依照本办法第五条规定", "现印发给你们。", "各有关单位："]
SPACES = [" ", "\n", "\r\n", "\xa0", "\u3000", "\n\n"]
style_piece = st.one_of(st.sampled_from(STYLE_PIECES), st.sampled_from(SPACES), st.text(max_size=4))


@PROPERTY
@given(st.lists(style_piece, max_size=80).map("".join))
@example("示范局\n2024年5月6日\n第一章\n第一条 甲\n第二条 乙\n")
@example("专栏1 甲\n专栏2\n任务一：\n专栏3\n")
@example("目录\n第一章\n第一章\n")
def test_parser_never_fails_on_the_new_styles(source):
    parse(source)
