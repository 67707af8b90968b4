"""Word (.docx): paragraphs and table rows in document order, with Word's automatic numbering written out.

A .docx is an untrusted zip: it is checked and fully decompressed under a byte budget (the guard in
checks/uploads.py) before python-docx parses it. Notices typed in Word often number clauses with
automatic lists, whose 一、 / （一） / 1. exist only in numbering.xml; without them the clause
parser would see no clauses, so the labels are rebuilt from the list definitions.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
import zlib
from typing import Any

from corpus.formats.errors import NoticeFileError

log = logging.getLogger(__name__)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CORRUPT = "Word 文档已损坏，无法读取，请在 Word 中重新另存为 .docx 后再添加。"


def read_docx(data: bytes, max_bytes: int, warnings: list[str]) -> list[str]:
    _check_archive(data, max_bytes)
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types on malformed parts; all mean "corrupt"
        log.info("python-docx could not open the file: %s", exc)
        raise NoticeFileError("corrupt", _CORRUPT) from exc
    numbering = _Numbering(document)
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_rows(block))
        else:
            label = numbering.label(block)
            lines.append(label + block.text if label else block.text)
    if numbering.written:
        warnings.append(f"已按 Word 自动编号补出条款序号 {numbering.written} 处")
    return lines


def _check_archive(data: bytes, max_bytes: int) -> None:
    """Zip sanity and the zip-bomb guard of checks/uploads.py, on the bytes in memory."""
    from checks.uploads import UploadError, UploadLimits, _check_members, _decompress_all

    limits = UploadLimits(max_bytes=max_bytes)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if "word/document.xml" not in names:
                raise NoticeFileError("corrupt", "文件是压缩包，但不是 Word 文档（缺少正文部分），请添加 Word 保存的 .docx 文件。")
            _check_members(infos, limits)
            _decompress_all(zf, infos, limits)
    except UploadError as exc:
        raise NoticeFileError("too_large", str(exc)) from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise NoticeFileError("corrupt", _CORRUPT) from exc


def _table_rows(table: Any) -> list[str]:
    """One line per row, cells separated by a tab; a merged cell is read once, nested tables after it."""
    out = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(p.text for p in cell.paragraphs).strip())
        out.append("\t".join(c for c in cells if c))
        for cell in row.cells:
            for inner in cell.tables:
                out.extend(_table_rows(inner))
    return out


_CN = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    """1 -> 一, 10 -> 十, 21 -> 二十一 (clause numbers stay below 100)."""
    if n < 10:
        return _CN[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[units] if units else "")


_FORMATS = {
    "decimal": str,
    "chineseCounting": _chinese,
    "chineseCountingThousand": _chinese,
    "chineseLegalSimplified": _chinese,
    "ideographTraditional": lambda n: "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10],
    "decimalFullWidth": lambda n: "".join(chr(ord(c) + 0xFEE0) for c in str(n)),
    "decimalEnclosedParen": lambda n: f"({n})",
    "decimalEnclosedCircle": lambda n: chr(0x2460 + n - 1) if 0 < n <= 20 else str(n),
    "upperLetter": lambda n: chr(64 + (n - 1) % 26 + 1),
    "lowerLetter": lambda n: chr(96 + (n - 1) % 26 + 1),
}


class _Numbering:
    """Counters of Word's automatic lists, so 'List Number' paragraphs get their 一、/（一）/1. back."""

    def __init__(self, document: Any) -> None:
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # numId -> ilvl -> (start, numFmt, lvlText)
        self.counters: dict[str, dict[int, int]] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        self.written = 0
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        abstract = {}
        for an in root.findall(f"{W}abstractNum"):
            lv = {}
            for lvl in an.findall(f"{W}lvl"):
                start = lvl.find(f"{W}start")
                fmt = lvl.find(f"{W}numFmt")
                text = lvl.find(f"{W}lvlText")
                lv[int(lvl.get(f"{W}ilvl", "0"))] = (
                    int(start.get(f"{W}val", "1")) if start is not None else 1,
                    fmt.get(f"{W}val", "decimal") if fmt is not None else "decimal",
                    text.get(f"{W}val", "") if text is not None else "",
                )
            abstract[an.get(f"{W}abstractNumId")] = lv
        for num in root.findall(f"{W}num"):
            ref = num.find(f"{W}abstractNumId")
            if ref is not None and ref.get(f"{W}val") in abstract:
                levels = dict(abstract[ref.get(f"{W}val")])
                for override in num.findall(f"{W}lvlOverride"):
                    so = override.find(f"{W}startOverride")
                    ilvl = int(override.get(f"{W}ilvl", "0"))
                    if so is not None and ilvl in levels:
                        levels[ilvl] = (int(so.get(f"{W}val", "1")), *levels[ilvl][1:])
                self.levels[num.get(f"{W}numId")] = levels
        for style in document.styles.element.findall(f"{W}style"):
            num_id, ilvl = _num_pr(style.find(f"{W}pPr"))
            if num_id:
                self.style_num[style.get(f"{W}styleId")] = (num_id, ilvl or 0)

    def label(self, paragraph: Any) -> str:
        num_id, ilvl = _num_pr(paragraph._p.pPr)
        if num_id is None:
            style_id = paragraph._p.pPr.pStyle.val if paragraph._p.pPr is not None and paragraph._p.pPr.pStyle is not None else None
            num_id, style_lvl = self.style_num.get(style_id, (None, 0)) if style_id else (None, 0)
            ilvl = style_lvl if ilvl is None else ilvl
        ilvl = ilvl or 0
        levels = self.levels.get(num_id or "")
        if not levels or ilvl not in levels or not paragraph.text.strip():
            return ""
        counters = self.counters.setdefault(num_id or "", {})
        counters[ilvl] = counters.get(ilvl, levels[ilvl][0] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        start, fmt, text = levels[ilvl]
        if fmt in ("none", "bullet") or not text:
            return ""

        def value(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            n = counters.get(k, levels.get(k, (1, "", ""))[0])
            return _FORMATS.get(levels.get(k, (1, "decimal", ""))[1], str)(n)

        self.written += 1
        label = re.sub(r"%(\d)", value, text)
        return label if label.endswith(("、", "）", ")", " ", "\t")) else label + " "


def _num_pr(ppr: Any) -> tuple[str | None, int | None]:
    if ppr is None:
        return None, None
    num_pr = ppr.find(f"{W}numPr")
    if num_pr is None:
        return None, None
    num_id = num_pr.find(f"{W}numId")
    ilvl = num_pr.find(f"{W}ilvl")
    nid = num_id.get(f"{W}val") if num_id is not None else None
    return (None if nid in (None, "0") else nid), (int(ilvl.get(f"{W}val", "0")) if ilvl is not None else None)
