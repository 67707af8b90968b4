"""Uploaded drafts are untrusted: size, type, emptiness, corruption and zip bombs are refused with a message.

A .docx is a zip archive; it is inspected and fully decompressed under a byte budget before
python-docx sees it, so a crafted archive cannot exhaust memory or disk.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from pydantic import BaseModel

DOCX, TEXT_SUFFIXES = ".docx", (".md", ".markdown", ".txt")
ALLOWED = (DOCX, *TEXT_SUFFIXES)
MB = 1024 * 1024


class UploadLimits(BaseModel):
    max_bytes: int = 5 * MB            # the file as uploaded
    max_unzipped_bytes: int = 50 * MB  # everything inside a .docx, decompressed
    max_ratio: float = 100.0           # per member; Word documents compress about 5–10×
    max_members: int = 2000
    chunk: int = 64 * 1024


class UploadError(ValueError):
    """An upload that will not be read; the message is for the user."""


def _mb(n: int) -> str:
    return f"{n / MB:.1f} MB"


def check_upload(path: Path, limits: UploadLimits | None = None) -> str:
    """Validates an uploaded draft; returns its kind ('docx' or 'text') or raises UploadError."""
    limits = limits or UploadLimits()
    path = Path(path)
    if not path.is_file():
        raise UploadError("找不到上传的文件，请重新上传。")
    suffix = path.suffix.lower()
    if suffix not in ALLOWED:
        raise UploadError(f"不支持的文件类型“{suffix or '无扩展名'}”，请上传 .docx、.md 或 .txt 文件。")
    size = path.stat().st_size
    if size == 0:
        raise UploadError("上传的文件是空的（0 字节），请检查后重新上传。")
    if size > limits.max_bytes:
        raise UploadError(f"文件过大（{_mb(size)}），上限为 {_mb(limits.max_bytes)}。")
    if suffix == DOCX:
        _check_docx(path, limits)
        return "docx"
    read_text(path)
    return "text"


def _check_docx(path: Path, limits: UploadLimits) -> None:
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadError("这是旧版 Word（.doc）文件，请在 Word 中另存为 .docx 后再上传。")
    if not magic.startswith(b"PK\x03\x04"):
        raise UploadError("文件不是有效的 .docx 文档（可能是改了扩展名的其他文件），请上传 Word 保存的 .docx 文件。")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_members(infos, limits)
            names = {i.filename for i in infos}
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise UploadError("文件是压缩包，但不是 Word 文档（缺少正文部分），请上传 .docx 文件。")
            _decompress_all(zf, infos, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise UploadError("文件已损坏，无法读取，请重新保存为 .docx 后再上传。") from exc


def _check_members(infos: list[zipfile.ZipInfo], limits: UploadLimits) -> None:
    if len(infos) > limits.max_members:
        raise UploadError(f"文件内部包含 {len(infos)} 个部件，疑似压缩炸弹，已拒绝。")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_unzipped_bytes:
        raise UploadError(f"文件解压后达 {_mb(declared)}，超过 {_mb(limits.max_unzipped_bytes)}，疑似压缩炸弹，已拒绝。")
    for i in infos:
        if i.file_size > MB and i.file_size > limits.max_ratio * max(i.compress_size, 1):
            raise UploadError("文件压缩比异常，疑似压缩炸弹，已拒绝。")


def _decompress_all(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: UploadLimits) -> None:
    """Reads every member in chunks: sizes in the archive can lie, bytes read cannot. Also checks each CRC."""
    budget = limits.max_unzipped_bytes
    for info in infos:
        with zf.open(info) as member:
            while chunk := member.read(limits.chunk):
                budget -= len(chunk)
                if budget < 0:
                    raise UploadError("文件解压后的实际大小超出上限，疑似压缩炸弹，已拒绝。")


def read_text(path: Path) -> str:
    """A .md/.txt draft as text: UTF-8 (with or without BOM), else GB18030, which Chinese Windows editors save."""
    data = Path(path).read_bytes()
    if b"\x00" in data:
        raise UploadError("文件不是纯文本（含二进制内容），请上传 .docx、.md 或 .txt 文件。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not text.strip():
            raise UploadError("上传的文件没有文字内容。")
        return text
    raise UploadError("无法识别文件编码，请另存为 UTF-8 编码的文本文件。")
