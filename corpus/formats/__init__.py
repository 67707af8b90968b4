"""Turns a notice file as its publisher produced it (txt, docx, pdf, saved web page) into parser-ready text.

Staff add notices in whatever form they were published. Each reader yields the notice's own lines;
a shared clean-up (corpus/formats/text.py, patterns in chrome.yaml) removes site chrome and reads the
information table, and a notice test refuses files that are not official documents. Every refusal is a
NoticeFileError whose message is short Chinese for staff. The PDF, Word and HTML libraries are imported
only on their own path, so importing this package is cheap.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from corpus.formats.errors import SUPPORTED_HINT, ErrorCode, NoticeFileError

__all__ = ["ErrorCode", "ExtractedNotice", "NoticeFileError", "SUPPORTED_SUFFIXES", "extract_notice", "extract_notice_bytes"]

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
Format = Literal["txt", "docx", "pdf", "html"]
SUPPORTED_SUFFIXES: dict[str, Format] = {
    ".txt": "txt", ".text": "txt", ".md": "txt", ".markdown": "txt", ".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html", ".xhtml": "html",
    ".shtml": "html",
}
_UNSUPPORTED_HINTS = {
    ".doc": "这是旧版 Word（.doc）文件，请在 Word 或 WPS 中另存为 .docx 后再添加。",
    ".wps": "这是 WPS 文字（.wps）文件，请另存为 .docx 后再添加。",
    ".mht": "暂不支持 .mht/.mhtml 网页存档，请在浏览器中另存为“网页，仅 HTML”（.html）后再添加。",
    ".mhtml": "暂不支持 .mht/.mhtml 网页存档，请在浏览器中另存为“网页，仅 HTML”（.html）后再添加。",
    ".ofd": "暂不支持 OFD 版式文件，请提供同一通知的 PDF、DOCX 或 TXT 版本。",
}
_FORMAT_NAMES: dict[str, str] = {"txt": "纯文本", "docx": "Word 文档（.docx）", "pdf": "PDF", "html": "网页（HTML）"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ExtractedNotice(BaseModel):
    """A notice's own text, ready for ClauseParser, with what was found about it."""

    text: str
    format: Format
    encoding: str | None = None
    metadata: dict[str, str] = {}
    warnings: list[str] = []


def extract_notice(path: Path, max_bytes: int = MAX_BYTES) -> ExtractedNotice:
    """Reads a notice file from disk; the size is checked before anything is read."""
    path = Path(path)
    unreadable = NoticeFileError("corrupt", "找不到或无法读取该文件，请重新选择。")
    try:
        if not path.is_file():
            raise unreadable
        size = path.stat().st_size
        if size > max_bytes:
            raise _too_large(size, max_bytes)
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)  # the file may grow between stat and read
    except OSError as exc:
        raise unreadable from exc
    return extract_notice_bytes(data, path.name, max_bytes)


def extract_notice_bytes(data: bytes, filename: str, max_bytes: int = MAX_BYTES) -> ExtractedNotice:
    """Same as extract_notice, for an upload held in memory; filename gives the extension."""
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    if not data.strip():
        raise NoticeFileError("empty", "文件是空的（没有任何文字），请检查后重新添加。")
    kind = _format_of(data, Path(filename).suffix.lower())
    warnings: list[str] = []
    encoding: str | None = None
    meta: dict[str, str] = {}
    left_out = 0  # page lines outside the web page's body container
    if kind == "pdf":
        from corpus.formats.pdf import read_pdf

        lines = read_pdf(data, meta, warnings)
    elif kind == "docx":
        from corpus.formats.word import read_docx

        lines = read_docx(data, max_bytes, warnings)
    elif kind == "html":
        from corpus.formats.web import read_html

        lines, encoding, left_out = read_html(data, meta, warnings)
    else:
        from corpus.formats.text import decode_text

        text, encoding = decode_text(data)
        lines = text.split("\n")
        if Path(filename).suffix.lower() in (".md", ".markdown"):
            lines = _plain_markdown(lines, warnings)
    suffix = Path(filename).suffix.lower()
    if kind != SUPPORTED_SUFFIXES.get(suffix, kind) or (kind == "html" and not suffix):
        warnings.insert(0, f"文件内容是{_FORMAT_NAMES[kind]}，已按{_FORMAT_NAMES[kind]}读取。")
    notice = _finish(lines, kind, encoding, meta, warnings, left_out)
    log.info("extracted %s as %s: %s chars, metadata %s", filename, kind, len(notice.text), sorted(notice.metadata))
    return notice


def _plain_markdown(lines: list[str], warnings: list[str]) -> list[str]:
    """A Markdown transcription: heading marks (## 第一章) and comment lines out, the rest as written."""
    kept = [line for line in lines if not re.fullmatch(r"\s*<!--.*-->\s*", line)]
    out = [re.sub(r"^(\s*)#{1,6}\s+", r"\1", line) for line in kept]
    changed = len(lines) - len(kept) + sum(1 for a, b in zip(kept, out, strict=True) if a != b)
    if changed:
        warnings.append(f"已去除 Markdown 标记 {changed} 处")
    return out


def _too_large(size: int, limit: int) -> NoticeFileError:
    return NoticeFileError("too_large", f"文件过大（{_size(size)}），上限为 {_size(limit)}。")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def _format_of(data: bytes, suffix: str) -> Format:
    """The reader for these bytes: by extension, corrected by what the content really is."""
    head = data[:1024]
    is_pdf = b"%PDF-" in head
    is_zip = data.startswith(b"PK\x03\x04")
    if data.startswith(OLE_MAGIC):
        _refuse_ole(data, suffix)
    expected = SUPPORTED_SUFFIXES.get(suffix)
    if expected is None and suffix:
        hint = _UNSUPPORTED_HINTS.get(suffix, f"不支持的文件类型“{suffix}”。")
        raise NoticeFileError("unsupported", f"{hint}{SUPPORTED_HINT}")
    if expected == "pdf":
        if not is_pdf:
            raise NoticeFileError("corrupt", "文件不是有效的 PDF（内容不是 PDF 格式，可能已损坏或改了扩展名）。")
        return "pdf"
    if expected == "docx":
        if not is_zip:
            raise NoticeFileError("corrupt", "文件不是有效的 .docx 文档（内容不是 Word 保存的 .docx，可能已损坏或改了扩展名）。")
        return "docx"
    # .txt, .html or no extension: the content decides.
    if is_pdf:
        return "pdf"
    if is_zip:
        return "docx"
    if expected == "html" or _looks_like_html(data):
        return "html"
    return "txt"


def _looks_like_html(data: bytes) -> bool:
    head = data[:8192].lower()
    if re.search(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", head):
        return True
    return len(re.findall(rb"<(?:p|div|br|table|tr|td|span|li)[\s/>]", head)) >= 5


def _refuse_ole(data: bytes, suffix: str) -> None:
    """An OLE compound file is either an encrypted Office file or an old binary .doc/.xls."""
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data or suffix == ".docx":
        raise NoticeFileError("encrypted", "文件设有打开密码（已加密），无法读取。请在 Word 中取消密码后另存为 .docx 再添加。")
    if "WordDocument".encode("utf-16-le") in data:
        raise NoticeFileError("unsupported", f"{_UNSUPPORTED_HINTS['.doc']}{SUPPORTED_HINT}")
    raise NoticeFileError("unsupported", f"这是旧版 Office 二进制文件，无法按通知读取。{SUPPORTED_HINT}")


def _finish(
    lines: list[str], kind: Format, encoding: str | None, meta: dict[str, str], warnings: list[str], left_out: int = 0
) -> ExtractedNotice:
    """Shared clean-up: chrome lines out, the information table into metadata, then the notice test."""
    from corpus.formats.text import (
        check_notice,
        metadata_from_text,
        strip_chrome,
        strip_toc,
        take_front_matter,
        take_metadata_block,
    )

    if not any(line.strip() for line in lines):
        raise NoticeFileError("empty", "文件没有文字内容，请检查后重新添加。")
    lines, fenced = take_front_matter(lines, meta)
    if fenced:
        warnings.append(f"已读取并去除文首的元数据块（--- 之间）{fenced} 行")
    lines, table = take_metadata_block(lines, meta)  # first: a date bar is both metadata and chrome
    if table:
        warnings.append(f"已读取并去除文首的公文信息（索引号、发文字号等）{table} 行")
    lines, chrome = strip_chrome(lines)
    if chrome + left_out:
        warnings.append(f"已去除网页导航、页脚等非正文内容 {chrome + left_out} 行")
    lines, toc = strip_toc(lines)
    if toc:
        warnings.append(f"已去除目录（带引导点和页码的行）{toc} 行")
    text = "\n".join(lines)
    if kind != "txt":
        text = text.strip("\n")
    check_notice(text)
    source = meta.pop("source", None)
    metadata_from_text(text, meta)
    if source and "issuer" not in meta:
        meta["issuer"] = source
    return ExtractedNotice(text=text, format=kind, encoding=encoding, metadata=meta, warnings=warnings)
