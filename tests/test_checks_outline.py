"""Outline check of drafts against Annex 1 (real .docx files built here), the plan template, and bad uploads."""

import zipfile
from pathlib import Path

import docx
import pytest

from checks.annex import outline_sections
from checks.drafts import read_headings
from checks.outline import OutlineChecker, similarity
from checks.template import skeleton, write_template
from checks.uploads import MB, UploadError, UploadLimits, check_upload

TITLE = ("江苏省国家物联网重大应用示范工程区域试点总体工作方案", 0)
# A realistic draft: headings reworded and abbreviated the way provinces write them.
PARTS = {
    "一": [("一、地方经济社会发展现状与战略定位", 1), ("（一）经济社会发展概况", 2), ("（二）对物联网的需求分析", 2)],
    "二": [("二、物联网应用发展现状与问题", 1), ("（一）应用开展情况和效果", 2), ("（二）存在的主要问题", 2)],
    "三": [("三、推进应用示范的总体考虑", 1)],
    "四": [("四、主要工作安排", 1), ("（一）重点领域、重点企业应用示范工作情况", 2),
           ("（二）推动购买物联网服务、探索新型商业模式的情况", 2), ("（三）资源整合协同工作", 2),
           ("（四）融合创新的工作考虑", 2), ("（五）统筹推进的工作考虑", 2)],
    "五": [("五、配套政策措施", 1)],
    "六": [("六、重点项目实施方案", 1),
           ("重点项目一：南京智慧物流平台", 2), ("（一）项目承担单位基本情况和财务状况", 3), ("（二）技术基础", 3),
           ("（三）建设方案", 3), ("（四）商业模式", 3), ("（五）投资估算及资金筹措", 3), ("（六）效益分析", 3),
           ("重点项目二：苏州智能电网", 2), ("（一）承担单位基本情况", 3), ("（二）项目的技术基础", 3),
           ("（三）建设内容与方案", 3), ("（四）商业模式和服务模式", 3), ("（五）投资估算", 3), ("（六）效益分析", 3)],
}
ORDER = ["一", "二", "三", "四", "五", "六"]


@pytest.fixture(scope="module")
def checker(clauses, flagship_pack, rule_engine):
    return OutlineChecker(clauses, flagship_pack.meta.outline, rule_engine)


def write_docx(path: Path, headings: list[tuple[str, int]]) -> Path:
    document = docx.Document()
    for text, level in headings:
        document.add_heading(text, level=level)
        if level:
            document.add_paragraph("（正文略。本节说明1、2、3点情况。）")
    document.save(str(path))
    return path


def draft(order=ORDER, drop=()) -> list[tuple[str, int]]:
    return [TITLE] + [h for part in order for h in PARTS[part] if h[0] not in drop]


def rules_of(report, rule):
    return [f for f in report.findings if f.rule_id == f"outline.{rule}"]


def test_complete_draft_passes(tmp_path, checker):
    report = checker.check_file(write_docx(tmp_path / "complete.docx", draft()))
    assert report.overall == "pass" and report.findings == []
    assert all(m.heading for m in report.sections)
    assert [p.title for p in report.projects] == ["重点项目一：南京智慧物流平台", "重点项目二：苏州智能电网"]
    assert all(len(p.aspects_found) == 6 for p in report.projects)


def test_draft_missing_sections(tmp_path, checker, clauses):
    drop = {"五、配套政策措施", "（二）推动购买物联网服务、探索新型商业模式的情况", "（四）商业模式"}
    report = checker.check_file(write_docx(tmp_path / "missing.docx", draft(drop=drop)))
    assert report.overall == "fail"
    assert [f.clause_ids for f in rules_of(report, "missing_section")] == [["annex1.4.2"], ["annex1.5"]]
    aspect = rules_of(report, "project_aspect")
    assert [(f.clause_ids, "南京智慧物流平台" in f.message) for f in aspect] == [(["annex1.6.4"], True)]
    for f in report.findings:  # every finding cites its Annex 1 clause with a verbatim quote
        assert f.quote in clauses[f.clause_ids[0]].text


def test_draft_missing_a_whole_part_reports_it_once(tmp_path, checker):
    report = checker.check_file(write_docx(tmp_path / "no-part-two.docx", draft(order=["一", "三", "四", "五", "六"])))
    missing = rules_of(report, "missing_section")
    assert [f.clause_ids for f in missing] == [["annex1.2"]] and "含其下2项" in missing[0].message


def test_shuffled_draft_reports_sections_out_of_order(tmp_path, checker):
    report = checker.check_file(write_docx(tmp_path / "shuffled.docx", draft(order=["一", "二", "五", "三", "四", "六"])))
    assert rules_of(report, "missing_section") == []
    order = rules_of(report, "section_order")
    assert [f.clause_ids for f in order] == [["annex1.5"]] and order[0].verdict == "fail"
    assert "四、组织开展物联网应用示范工作的主要安排" in order[0].message


def test_shuffled_sub_items(tmp_path, checker):
    four = PARTS["四"]
    headings = [TITLE] + PARTS["一"] + PARTS["二"] + PARTS["三"] + [four[0], four[2], four[1], *four[3:]] + PARTS["五"] + PARTS["六"]
    report = checker.check_file(write_docx(tmp_path / "sub-shuffled.docx", headings))
    order = rules_of(report, "section_order")
    assert len(order) == 1 and order[0].clause_ids[0] in ("annex1.4.1", "annex1.4.2")  # a swap: either one moved


def test_extra_sections_need_review(tmp_path, checker):
    headings = draft() + [("（七）风险分析", 3), ("七、保障措施", 1)]
    report = checker.check_file(write_docx(tmp_path / "extra.docx", headings))
    extra = rules_of(report, "extra_section")
    assert {f.verdict for f in extra} == {"needs_review"}
    assert [f.clause_ids for f in extra] == [["annex1"], ["annex1.6"]]
    assert extra[0].message.startswith("“七、保障措施”") and extra[1].message.startswith("“（七）风险分析”")


def test_key_projects_without_aspects_and_too_many_projects(tmp_path, checker):
    headings = draft(order=ORDER[:5]) + [("六、重点项目实施方案", 1)]
    report = checker.check_file(write_docx(tmp_path / "empty-six.docx", headings))
    assert [f.rule_id for f in report.findings] == ["outline.no_key_projects"]
    nine = [h for n in range(9) for h in [(f"重点项目{n + 1}：项目{n + 1}", 2)] + PARTS["六"][2:8]]
    report = checker.check_file(write_docx(tmp_path / "nine.docx", draft(order=ORDER[:5]) + [("六、重点项目实施方案", 1)] + nine))
    count = [f for f in report.findings if f.rule_id == "submission.project_count"]
    assert len(report.projects) == 9 and count and count[0].verdict == "fail" and count[0].clause_ids == ["notice.4.1"]


def test_plain_text_and_markdown_drafts(tmp_path, checker):
    lines = [t for t, _ in draft(drop={"五、配套政策措施"})]
    txt = tmp_path / "draft.txt"
    txt.write_text("\n".join(lines), encoding="gb18030")  # saved by a Chinese-locale editor
    assert [f.clause_ids for f in rules_of(checker.check_file(txt), "missing_section")] == [["annex1.5"]]
    md = tmp_path / "draft.md"
    md.write_text("\n\n".join("#" * (lv + 1) + " " + t for t, lv in draft()), encoding="utf-8")
    assert checker.check_file(md).overall == "pass"


@pytest.mark.parametrize(("heading", "target", "match"), [
    ("五、配套政策措施", "开展物联网应用示范的配套政策措施", True),
    ("（三）建设方案（含进度安排）", "建设方案", True),
    ("四、主要工作安排", "组织开展物联网应用示范工作的主要安排", True),
    ("地方经济社会发展现状与战略定为", "地方经济社会发展现状与战略定位", True),  # a typo
    ("七、保障措施", "开展物联网应用示范的配套政策措施", False),
    ("（七）风险分析", "效益分析", False),
    ("附件：联系人", "重点项目实施方案", False),
])
def test_fuzzy_heading_match(heading, target, match):
    assert (similarity(heading, target) >= 0.6) is match


# -- template ------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".docx", ".md"])
def test_template_has_every_heading_and_guidance_and_passes_the_check(tmp_path, clauses, checker, suffix, flagship_pack):
    out = write_template(clauses, flagship_pack.meta.outline, tmp_path / f"plan{suffix}")
    texts = [b.text for b in skeleton(clauses, flagship_pack.meta.outline)]
    for s in outline_sections(clauses, flagship_pack.meta.outline):
        assert s.heading_line in texts
        if s.guidance:
            assert any(s.guidance in t for t in texts)  # the clause's own words
    if suffix == ".docx":
        body = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    else:
        body = out.read_text(encoding="utf-8")
    assert "企业主营业务、近三年来的销售收入" in body and "六、重点项目实施方案" in body
    report = checker.check_file(out)
    assert report.overall == "pass", report.findings


def test_template_refuses_other_formats(tmp_path, clauses, flagship_pack):
    with pytest.raises(ValueError, match=r"\.docx 或 \.md"):
        write_template(clauses, flagship_pack.meta.outline, tmp_path / "plan.pdf")


# -- bad uploads -----------------------------------------------------------------------------
def zip_with(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


WORD_PARTS = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}


def bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, words the message must contain)"""
    empty = tmp / "empty.docx"
    empty.write_bytes(b"")
    corrupt = tmp / "corrupt.docx"
    corrupt.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    truncated = tmp / "truncated.docx"
    full = write_docx(tmp / "full.docx", draft()).read_bytes()
    truncated.write_bytes(full[: len(full) // 2])
    renamed = tmp / "picture.docx"
    renamed.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    old_word = tmp / "old.docx"
    old_word.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    not_word = zip_with(tmp / "archive.docx", {"a.txt": b"hello"})
    bomb = zip_with(tmp / "bomb.docx", {**WORD_PARTS, "word/media/zeros.bin": b"\x00" * (60 * MB)})
    ratio = zip_with(tmp / "ratio.docx", {**WORD_PARTS, "word/media/zeros.bin": b"\x00" * (2 * MB)})
    many = zip_with(tmp / "many.docx", {**WORD_PARTS, **{f"word/x{n}.xml": b"" for n in range(2001)}}, zipfile.ZIP_STORED)
    bad_xml = zip_with(tmp / "badxml.docx", {**WORD_PARTS, "word/document.xml": b"<not xml"})
    huge = tmp / "huge.md"
    with open(huge, "wb") as fh:
        fh.truncate(5 * MB + 1)
    binary = tmp / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02abc")
    pdf = tmp / "plan.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    blank = tmp / "blank.md"
    blank.write_text("   \n\n", encoding="utf-8")
    headless = tmp / "headless.md"
    headless.write_text("这份草稿只有正文，没有任何标题。\n第二段。", encoding="utf-8")
    return {
        "empty": (empty, "空的"), "corrupt": (corrupt, "损坏"), "truncated": (truncated, "损坏"),
        "renamed": (renamed, "不是有效的 .docx"), "old_word": (old_word, ".doc"), "not_word": (not_word, "不是 Word 文档"),
        "bomb": (bomb, "压缩炸弹"), "ratio": (ratio, "压缩炸弹"), "many": (many, "压缩炸弹"), "bad_xml": (bad_xml, "无法读取"),
        "huge": (huge, "文件过大"), "binary": (binary, "不是纯文本"), "pdf": (pdf, "不支持的文件类型"),
        "blank": (blank, "没有文字"), "headless": (headless, "没有找到任何标题"),
        "missing": (tmp / "nope.docx", "找不到"),
    }


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    return bad_files(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize("name", ["empty", "corrupt", "truncated", "renamed", "old_word", "not_word", "bomb", "ratio",
                                  "many", "bad_xml", "huge", "binary", "pdf", "blank", "headless", "missing"])
def test_bad_uploads_get_a_clear_message(bad, checker, name):
    path, words = bad[name]
    with pytest.raises(UploadError) as info:
        checker.check_file(path)
    assert words in str(info.value) and "Traceback" not in str(info.value)


def test_lying_zip_sizes_are_refused(tmp_path):
    """A member that claims to be small but inflates to 3 MB: the stated size passes, the bytes do not."""
    path = zip_with(tmp_path / "lie.docx", {**WORD_PARTS, "word/media/a.bin": b"\x00" * (3 * MB)})
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")  # the last member's central directory entry
    local = data.rfind(b"PK\x03\x04")
    data[central + 24:central + 28] = (1000).to_bytes(4, "little")  # uncompressed size
    data[local + 22:local + 26] = (1000).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(UploadError, match="损坏|压缩炸弹"):
        check_upload(path, UploadLimits(max_unzipped_bytes=2 * MB))


def test_size_limit_is_configurable(tmp_path):
    path = write_docx(tmp_path / "ok.docx", draft())
    assert check_upload(path) == "docx"
    with pytest.raises(UploadError, match="上限为 0.0 MB"):
        check_upload(path, UploadLimits(max_bytes=100))
    assert [h.level for h in read_headings(path)][:2] == [0, 1]
