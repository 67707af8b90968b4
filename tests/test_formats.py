"""corpus.formats: every format of the committed notice parses to exactly the clauses of its .txt; bad files are refused.

Fixtures are committed files made by tests/fixtures/formats/make_fixtures.py from the notice text.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from corpus.formats import ExtractedNotice, NoticeFileError, extract_notice, extract_notice_bytes
from corpus.formats.text import notice_traits, strip_chrome
from corpus.loader import read_source
from corpus.parser import ClauseParser

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests/fixtures/formats"


def _first(*paths: Path) -> Path:
    return next((p for p in paths if p.is_file()), paths[-1])


# The notice packs (notices/<id>/source.txt) replace corpus/sources; either layout works.
SOURCE = _first(ROOT / "notices/ndrc-2013-iot-pilot/source.txt", ROOT / "corpus/sources/ndrc-2013-iot-pilot.txt")
TAX_CREDIT = _first(ROOT / "notices/ndrc-2019-tax-credit/source.txt", ROOT.parent / "shared/corpus-source/ndrc-2019-tax-credit.txt")
COLLECTED = ROOT / "eval/notices"  # real notices in their published formats, when present
STEM = "ndrc-2013-iot-pilot"
CHROME = ("ICP", "网站标识码", "返回顶部", "当前位置", "关闭窗口", "分享到", "扫一扫", "相关链接", "版权所有", "公网安备", "首页")


def clauses(text: str) -> list[tuple[str, str]]:
    return [(c.id, c.text) for c in ClauseParser().parse(text).clauses]


@pytest.fixture(scope="module")
def reference() -> list[tuple[str, str]]:
    return clauses(read_source(SOURCE))


def assert_same_clauses(got: list[tuple[str, str]], want: list[tuple[str, str]]) -> None:
    assert [cid for cid, _ in got] == [cid for cid, _ in want]
    for (cid, text), (_, expected) in zip(got, want, strict=True):
        assert text == expected, cid


# -- the acceptance test: same clauses from every format ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        (f"{STEM}.docx", "docx"),
        (f"{STEM}.pdf", "pdf"),
        (f"{STEM}.owner-password.pdf", "pdf"),
        (f"{STEM}.html", "html"),
        (f"{STEM}.gbk.txt", "txt"),
        (f"{STEM}.webcopy.txt", "txt"),
    ],
)
def test_every_format_gives_the_clauses_of_the_txt(name, fmt, reference):
    notice = extract_notice(FIXTURES / name)
    assert isinstance(notice, ExtractedNotice)
    assert notice.format == fmt
    assert_same_clauses(clauses(notice.text), reference)
    for cid, text in clauses(notice.text):
        assert not any(s in text for s in CHROME), cid


def test_the_txt_itself_is_kept_as_published(reference):
    notice = extract_notice(SOURCE)
    assert notice.text == read_source(SOURCE)
    assert (notice.format, notice.encoding, notice.warnings) == ("txt", "utf-8", [])
    assert notice.metadata == {
        "title": "关于组织开展2014-2016年国家物联网重大应用示范工程区域试点工作的通知",
        "date": "2013-10-31",
        "issuer": "国家发展改革委办公厅",
    }


def test_bytes_and_path_give_the_same_result():
    path = FIXTURES / f"{STEM}.pdf"
    assert extract_notice_bytes(path.read_bytes(), "upload.pdf") == extract_notice(path)


def test_gbk_txt_reports_its_encoding():
    assert extract_notice(FIXTURES / f"{STEM}.gbk.txt").encoding == "gbk"


@pytest.mark.parametrize(("encode", "encoding"), [(lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), "utf-8"),
                                                  (lambda t: t.encode("gb18030"), "gb18030")])
def test_bom_and_gb18030(encode, encoding, reference):
    # GB18030 (not GBK) is needed for the NBSPs of the notice; a UTF-8 BOM is dropped.
    notice = extract_notice_bytes(encode(read_source(SOURCE)), "notice.txt")
    assert notice.encoding == encoding
    assert_same_clauses(clauses(notice.text), reference)


# -- PDF ---------------------------------------------------------------------------------------------


def test_pdf_page_furniture_is_removed_and_paragraphs_rebuilt():
    notice = extract_notice(FIXTURES / f"{STEM}.pdf")
    assert not re.search(r"^\s*-\s*\d+\s*-\s*$", notice.text, re.M)
    assert any(w.startswith("已去除页码") for w in notice.warnings)
    assert any(w.startswith("已去除页眉") for w in notice.warnings)
    # The title line (running header text) stays once at the top, as in the .txt, not once per page.
    title = "关于组织开展2014-2016年国家物联网重大应用示范工程区域试点工作的通知"
    assert notice.text.count(title) == read_source(SOURCE).count(title)
    # Paragraphs, not PDF lines: every line of the text is a paragraph of the notice.
    body_paragraphs = len([p for p in re.split(r"\n|[ \xa0]*\xa0{3,}[ \xa0]*", read_source(SOURCE)) if p.strip()])
    assert len(notice.text.split("\n")) == body_paragraphs


def test_pdf_with_only_a_permissions_password_is_read():
    notice = extract_notice(FIXTURES / f"{STEM}.owner-password.pdf")
    assert any("空密码" in w for w in notice.warnings)


# -- HTML --------------------------------------------------------------------------------------------


def test_html_metadata_from_the_information_table():
    meta = extract_notice(FIXTURES / f"{STEM}.html").metadata
    assert meta["issuer"] == "国家发展改革委办公厅"
    assert meta["date"] == "2013-10-31"
    assert meta["title"] == "国家发展改革委办公厅关于组织开展2014-2016年国家物联网重大应用示范工程区域试点工作的通知"
    assert "doc_number" not in meta and "index_no" not in meta  # empty cells give nothing


def test_html_chrome_is_reported():
    notice = extract_notice(FIXTURES / f"{STEM}.html")
    assert any(re.fullmatch(r"已去除网页导航、页脚等非正文内容 \d+ 行", w) for w in notice.warnings)
    assert "【返回顶部】" not in notice.text and "ICP" not in notice.text


def test_html_without_known_containers_uses_text_density(reference):
    page = (FIXTURES / f"{STEM}.html").read_text(encoding="utf-8")
    for known in ("UCAP-CONTENT", "pages_content", "TRS_Editor"):
        page = page.replace(known, "x" + known)
    page = page.replace('class="article"', 'class="right-side"')  # a wrapper whose class looks like chrome
    notice = extract_notice_bytes(page.encode("utf-8"), "page.html")
    assert_same_clauses(clauses(notice.text), reference)
    assert notice.metadata["issuer"] == "国家发展改革委办公厅"
    assert any("文字密度" in w for w in notice.warnings)


def test_random_web_page_is_not_a_notice():
    page = (
        "<html><body><div class='nav'><a>首页</a> | <a>旅游</a> | <a>美食</a> | <a>通知公告</a></div>"
        "<div class='news'><h1>春季踏青好去处推荐</h1>"  # synthetic page
        + "<p>春天来了，城市周边的公园里桃花、樱花次第开放，不少市民趁着周末带着家人出门踏青，享受难得的好天气。</p>" * 4
        + "</div><div class='footer'>版权所有　京ICP备00000000号</div></body></html>"
    )
    with pytest.raises(NoticeFileError) as info:
        extract_notice_bytes(page.encode("utf-8"), "page.html")
    assert info.value.code == "not_a_notice"


def test_txt_that_is_html_is_read_as_html(reference):
    data = (FIXTURES / f"{STEM}.html").read_bytes()
    notice = extract_notice_bytes(data, "saved-as.txt")
    assert notice.format == "html"
    assert notice.warnings[0] == "文件内容是网页（HTML），已按网页（HTML）读取。"
    assert_same_clauses(clauses(notice.text), reference)


def test_gbk_html_with_declared_charset(reference):
    page = (FIXTURES / f"{STEM}.html").read_text(encoding="utf-8").replace('charset="utf-8"', 'charset="gb2312"')
    notice = extract_notice_bytes(page.encode("gb18030"), "page.htm")
    assert notice.encoding in ("gbk", "gb18030")
    assert_same_clauses(clauses(notice.text), reference)


def test_old_table_layout_page_with_br_paragraphs(reference):
    # A made-up page frame in the style of older ministry sites: layout tables, <br> between paragraphs,
    # the title in a td, a date bar (its date is invented for the test), GB2312.
    paragraphs = [p for p in re.split(r"\n|[ \xa0]*\xa0{3,}[ \xa0]*", read_source(SOURCE)) if p.strip()]
    body = "<br>\n".join("&nbsp;&nbsp;&nbsp;&nbsp;" + p.replace("\xa0", "&nbsp;") for p in paragraphs[1:])
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>'
        "<table><tr><td><a>首页</a> | <a>机构职能</a> | <a>政策发布</a> | <a>新闻中心</a></td></tr></table>"
        '<table><tr><td class="nav">您现在的位置：<a>首页</a> &gt; <a>政策发布</a></td></tr>'
        f'<tr><td class="title" align="center">{paragraphs[0]}</td></tr>'
        '<tr><td class="time">发布时间：2013-11-05　　来源：国家发展改革委</td></tr>'
        f'<tr><td class="text">{body}</td></tr>'
        "<tr><td>【<a>打印本页</a>】【<a>关闭窗口</a>】</td></tr></table>"
        "<table><tr><td>版权所有：示例　京ICP备00000000号</td></tr></table></body></html>"
    )
    notice = extract_notice_bytes(page.encode("gb18030"), "old.htm")
    assert_same_clauses(clauses(notice.text), reference)
    assert notice.metadata["published"] == "2013-11-05"
    assert notice.metadata["issuer"] == "国家发展改革委办公厅"  # the signature beats the site's 来源


# -- web page copied into a .txt ---------------------------------------------------------------------


def test_webcopy_metadata_block_is_read_and_removed():
    notice = extract_notice(FIXTURES / f"{STEM}.webcopy.txt")
    assert notice.metadata["issuer"] == "国家发展改革委办公厅"
    assert notice.metadata["date"] == "2013-10-31"
    assert "索引号" not in notice.text and "发文字号" not in notice.text
    assert notice.text.strip() == read_source(SOURCE).strip()


def test_chrome_filter_is_conservative():
    lines = [
        "当前位置：首页 > 通知公告",
        "一、版权所有权归属",  # numbered: a clause, whatever it says
        "主办单位：中国物流与采购联合会",  # a meeting notice's own line
        "联系我们：010-68501234",  # contact text with a colon
        "请各单位于2014年3月31日前将相关材料报送我委，版权所有人应当在申报材料中说明，联系我们的工作人员。",
        "【打印】【关闭窗口】",
        "京ICP备05052393号",
    ]
    kept, dropped = strip_chrome(lines)
    assert kept == lines[1:5]
    assert dropped == 3


def test_related_links_block_only_after_the_body():
    lines = ["相关链接", "关于印发10个物联网发展专项行动计划的通知", "一、工作目标", "支持各地结合经济社会发展实际需求。" * 6]
    assert strip_chrome(lines) == (lines, 0)


# -- the second real notice --------------------------------------------------------------------------


@pytest.mark.skipif(not TAX_CREDIT.is_file(), reason="shared/corpus-source is not beside this checkout")
def test_second_real_notice_crlf():
    notice = extract_notice(TAX_CREDIT)
    assert notice.text == read_source(TAX_CREDIT)  # CRLF kept
    ids = [cid for cid, _ in clauses(notice.text)]
    assert [f"notice.{i}" for i in range(1, 6)] == [i for i in ids if re.fullmatch(r"notice\.\d", i)]
    assert notice.metadata["doc_number"] == "发改办财金规〔2019〕860号"
    assert notice.metadata["date"] == "2019-08-20"
    assert notice.metadata["title"] == "关于加强个人所得税纳税信用建设的通知"


@pytest.mark.skipif(not (COLLECTED / "ndrc-sta-2019-iit-credit-notice/source.pdf").is_file(), reason="no collected PDF")
def test_real_typeset_pdf_of_the_second_notice():
    # A GB/T 9704 typeset PDF (not generated here): CJK-Latin auto-spacing must not become spaces
    # (2019 年 8 月 20 日 would hide the signature date), the letterhead and page numbers go.
    notice = extract_notice(COLLECTED / "ndrc-sta-2019-iit-credit-notice/source.pdf")
    assert [cid for cid, _ in clauses(notice.text)] == [cid for cid, _ in clauses(read_source(TAX_CREDIT))]
    assert notice.metadata == {
        "title": "关于加强个人所得税纳税信用建设的通知", "doc_number": "发改办财金规〔2019〕860号",
        "date": "2019-08-20", "issuer": "国家发展改革委办公厅、税务总局办公厅",
    }
    assert "2014-2020年" in notice.text  # the PDF's soft hyphen between digits


@pytest.mark.skipif(not COLLECTED.is_dir(), reason="no collected notices")
@pytest.mark.parametrize("path", sorted(COLLECTED.glob("*/source.*")) if COLLECTED.is_dir() else [], ids=lambda p: p.parent.name)
def test_every_collected_real_notice_is_accepted(path):
    notice = extract_notice(path)
    ids = [cid for cid, _ in clauses(notice.text)]
    assert "notice.1" in ids
    assert not any(s in notice.text for s in ("ICP备", "网站标识码", "当前位置", "扫一扫"))


# -- refusals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("synthetic-empty.txt", "empty"),
        ("synthetic-encrypted.pdf", "encrypted"),
        ("synthetic-scanned.pdf", "scanned_pdf"),
        ("synthetic-encrypted.docx", "encrypted"),
        ("synthetic-not-a-notice.txt", "not_a_notice"),
        ("synthetic-garbage.txt", "encoding"),
        ("synthetic-not-a-zip.docx", "corrupt"),
    ],
)
def test_bad_files_are_refused_with_a_chinese_message(name, code):
    with pytest.raises(NoticeFileError) as info:
        extract_notice(FIXTURES / name)
    assert info.value.code == code
    _assert_staff_message(str(info.value))
    assert isinstance(info.value, ValueError)


def _assert_staff_message(message: str) -> None:
    assert len(re.findall(r"[\u4e00-\u9fff]", message)) >= 8
    assert "Traceback" not in message and "Error" not in message
    assert not re.search(r"(?:/[\w.-]+){2,}|[A-Za-z]:\\|fixtures", message)  # no paths
    assert len(message) < 200


def test_scanned_pdf_message_says_no_ocr():
    with pytest.raises(NoticeFileError, match="OCR"):
        extract_notice(FIXTURES / "synthetic-scanned.pdf")


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"   \r\n\t\n", "blank.txt", "empty"),
        ("\u3000\u3000\n".encode(), "blank.txt", "empty"),
        (b"\xef\xbb\xbf", "bom-only.txt", "empty"),
        (b"col", "sheet.xlsx", "unsupported"),
        (b"x", "old.doc", "unsupported"),
        (b"x", "page.mhtml", "unsupported"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "WordDocument".encode("utf-16-le"), "old.txt", "unsupported"),
        (b"not a pdf at all", "notice.pdf", "corrupt"),
        (b"%PDF-1.4\n% synthetic: truncated\n1 0 obj\n<<", "broken.pdf", "corrupt"),
        ("地区,项目数,投资额\n北京,12,3000\n上海,9,2500\n广州,7,1800\n深圳,11,2600\n".encode() * 10, "data.csv.txt", "not_a_notice"),
        (b"import os\n\n# " + "读取配置文件并返回结果".encode() * 5 + b"\ndef main():\n    return os.getcwd()\n", "code.txt", "not_a_notice"),
    ],
)
def test_bad_bytes(data, filename, code):
    with pytest.raises(NoticeFileError) as info:
        extract_notice_bytes(data, filename)
    assert info.value.code == code
    _assert_staff_message(str(info.value))


def test_unsupported_message_lists_the_formats():
    with pytest.raises(NoticeFileError, match=r"\.txt.*\.docx.*\.pdf.*\.html"):
        extract_notice_bytes(b"x", "notice.xlsx")


def test_too_large_is_refused_before_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(21 * 1024 * 1024)  # sparse: nothing to read

    def no_read(*args, **kwargs):
        raise AssertionError("read a file that is too large")

    monkeypatch.setattr("builtins.open", no_read)
    with pytest.raises(NoticeFileError) as info:
        extract_notice(big)
    assert info.value.code == "too_large"
    monkeypatch.undo()
    with pytest.raises(NoticeFileError) as info:
        extract_notice_bytes(b"x" * 2000, "a.txt", max_bytes=1000)
    assert info.value.code == "too_large" and str(info.value) == "文件过大（2 KB），上限为 1 KB。"


def _docx_zip(extra: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        for name, data in extra.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_missing_file_and_directory(tmp_path):
    for path in (tmp_path / "missing.txt", tmp_path):
        with pytest.raises(NoticeFileError) as info:
            extract_notice(path)
        assert info.value.code == "corrupt"


def test_zip_bomb_docx_is_refused():
    data = _docx_zip({"word/document.xml": b"<w:document/>", "word/media/zeros.bin": b"\x00" * (3 * 1024 * 1024)})
    assert len(data) < 50_000
    with pytest.raises(NoticeFileError) as info:
        extract_notice_bytes(data, "bomb.docx")
    assert info.value.code == "too_large"


def test_zip_that_is_not_word_is_corrupt():
    with pytest.raises(NoticeFileError) as info:
        extract_notice_bytes(_docx_zip({"xl/workbook.xml": b"<x/>"}), "sheet.docx")
    assert info.value.code == "corrupt"


def test_txt_with_pdf_content_is_read_as_pdf(reference):
    notice = extract_notice_bytes((FIXTURES / f"{STEM}.pdf").read_bytes(), "renamed.txt")
    assert notice.format == "pdf"
    assert notice.warnings[0] == "文件内容是PDF，已按PDF读取。"
    assert_same_clauses(clauses(notice.text), reference)


# -- Word specifics ----------------------------------------------------------------------------------


def _notice_docx(build) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("关于开展示例工作的通知")  # synthetic
    document.add_paragraph("各有关单位：")
    document.add_paragraph("为做好示例工作，根据有关规定，现将有关事项通知如下，请各单位认真贯彻落实，按时报送材料。")
    build(document)
    document.add_paragraph("2024年1月2日")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_docx_automatic_numbering_is_written_out():
    def build(document):
        for text in ("工作目标。", "工作要求。", "申报程序。"):
            document.add_paragraph(text, style="List Number")

    notice = extract_notice_bytes(_notice_docx(build), "numbered.docx")
    assert "1. 工作目标。" in notice.text and "3. 申报程序。" in notice.text
    assert [c for c, _ in clauses(notice.text) if c.startswith("notice.")][2:5] == ["notice.1", "notice.2", "notice.3"]
    assert any("自动编号" in w for w in notice.warnings)


def test_docx_tables_are_read_row_by_row():
    def build(document):
        document.add_paragraph("一、项目清单")
        table = document.add_table(rows=2, cols=3)
        for r, row in enumerate((("序号", "项目名称", "投资额"), ("1", "示例项目", "5000万元"))):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
        document.add_paragraph("二、工作要求")

    text = extract_notice_bytes(_notice_docx(build), "table.docx").text
    assert "序号\t项目名称\t投资额\n1\t示例项目\t5000万元" in text
    assert text.index("一、项目清单") < text.index("示例项目") < text.index("二、工作要求")


# -- the notice test and import cost -----------------------------------------------------------------


def test_notice_traits_of_the_real_notices():
    assert set(notice_traits(read_source(SOURCE))) >= {"title", "numbering", "addressee", "signature_date"}
    if TAX_CREDIT.is_file():
        assert set(notice_traits(read_source(TAX_CREDIT))) == {"title", "numbering", "addressee", "doc_number", "signature_date"}
    assert len(notice_traits((FIXTURES / "synthetic-not-a-notice.txt").read_text(encoding="utf-8"))) < 2


def test_import_is_cheap():
    code = (
        "import sys, corpus.formats\n"
        "heavy = [m for m in ('pdfminer', 'docx', 'bs4', 'lxml', 'yaml') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_a_front_matter_block_is_metadata_not_notice_text():
    body = SOURCE.read_text(encoding="utf-8")
    fenced = "---\n标题: 关于组织开展试点工作的通知\n文号: -\n发布日期: 2013-10-31\n层级: 部级\n官方链接: https://example.gov.cn/a\n---\n\n"
    notice = extract_notice_bytes((fenced + body).encode("utf-8"), "copy.md")
    assert "官方链接" not in notice.text and "层级" not in notice.text
    assert notice.metadata["published"] == "2013-10-31" and "doc_number" not in notice.metadata  # "-" is no value
    assert any("元数据块" in w for w in notice.warnings)
    # A --- line that opens no key: value block is the notice's own text.
    assert extract_notice_bytes(("---\n" + body).encode("utf-8"), "copy.txt").text.startswith("---")


def test_a_table_of_contents_with_dot_leaders_is_left_out():
    from corpus.formats.text import strip_toc

    lines = ["目录", "一、实施背景........................", "...................", "- 1 -",
             "二、实施方式 ........ - 2 -", "一、实施背景", "为落实国家要求，现制定本细则。", "二、实施方式", "采取两种模式。"]
    kept, dropped = strip_toc(lines)
    assert dropped == 4
    assert kept == ["目录", "一、实施背景", "为落实国家要求，现制定本细则。", "二、实施方式", "采取两种模式。"]
    # A page number on its own line is kept unless it follows the leaders.
    assert strip_toc(["第一页", "- 3 -"]) == (["第一页", "- 3 -"], 0)
