"""The headings of a draft plan (.docx, .md, .txt), with their levels, in document order.

Styled headings (Word's 标题 N / Heading N, Markdown #) are used when the draft has them; a
draft typed as plain paragraphs falls back to lines that start with a numbering marker.
"""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path

from pydantic import BaseModel

from checks.uploads import UploadError, UploadLimits, check_upload, read_text

log = logging.getLogger(__name__)

MAX_HEADING_CHARS = 80  # a longer numbered line is body text, not a heading
_LEVEL_MARKERS = [  # numbering style -> heading level, as the notice numbers its own parts
    (re.compile(r"^第[一二三四五六七八九十]+部分"), 1),
    (re.compile(r"^[一二三四五六七八九十]+[、.．]"), 1),
    (re.compile(r"^[（(][一二三四五六七八九十]+[）)]"), 2),
    (re.compile(r"^(重点)?项目[一二三四五六七八九十\d]+[：:、.． ]"), 2),
    (re.compile(r"^\d+[、.．](?!\d)"), 3),
    (re.compile(r"^[（(]\d+[）)]"), 4),
]
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_STYLE_LEVEL = re.compile(r"(?:heading|标题)\s*(\d)", re.IGNORECASE)


class Heading(BaseModel):
    text: str
    level: int  # 0 = document title
    position: int


def marker_level(text: str) -> int | None:
    for pattern, level in _LEVEL_MARKERS:
        if pattern.match(text):
            return level
    return None


def _numbered(lines: list[str]) -> list[tuple[str, int]]:
    out = []
    for line in lines:
        level = marker_level(line)
        if level is not None and len(line) <= MAX_HEADING_CHARS:
            out.append((line, level))
    return out


def _docx_lines(path: Path) -> tuple[list[tuple[str, int]], list[str]]:
    """(styled headings, all paragraph texts) of a .docx."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, SyntaxError, AttributeError, TypeError, IndexError,
            zipfile.BadZipFile) as exc:
        # lxml's XMLSyntaxError is a SyntaxError; python-docx raises AttributeError on XML that is not OOXML.
        raise UploadError("无法读取该 Word 文档（内容已损坏或格式不受支持），请重新保存为 .docx 后再上传。") from exc
    styled, texts = [], []
    for p in document.paragraphs:
        text = " ".join(p.text.split())
        if not text:
            continue
        texts.append(text)
        name = p.style.name if p.style is not None else ""
        if name.lower() == "title" or name == "标题":
            styled.append((text, 0))
        elif m := _STYLE_LEVEL.search(name):
            styled.append((text, int(m.group(1))))
    return styled, texts


def _markdown_lines(text: str) -> tuple[list[tuple[str, int]], list[str]]:
    styled, texts = [], []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if m := _MD_HEADING.match(line):
            styled.append((m.group(2), len(m.group(1))))
            texts.append(m.group(2))
        else:
            texts.append(line.lstrip("> "))
    return styled, texts


def read_headings(path: Path, limits: UploadLimits | None = None) -> list[Heading]:
    """The draft's headings; raises UploadError for anything that is not a readable draft."""
    kind = check_upload(path, limits)
    if kind == "docx":
        styled, texts = _docx_lines(Path(path))
    else:
        styled, texts = _markdown_lines(read_text(Path(path)))
    found = styled or _numbered(texts)
    if not found:
        raise UploadError("文件中没有找到任何标题。请使用 Word 的“标题”样式、Markdown 的 # 标题，或以“一、”“（一）”等编号开头的标题行。")
    return [Heading(text=t, level=lv, position=n) for n, (t, lv) in enumerate(found)]
