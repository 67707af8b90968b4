"""Text PDF: lines by position, page furniture removed, wrapped lines joined back into paragraphs.

pdfminer.six gives every character's box, which the layout decisions need (pypdf gives text runs
without their widths; pdfplumber is pdfminer plus a renderer this does not use). A PDF has no
paragraphs, only positioned lines, so they are rebuilt the way a reader sees them:
- page numbers (- 3 -, — 3 —, 第3页, 3/12, a lone number) in the first or last lines of a page go;
- running headers/footers, a line repeated at the top or bottom of at least half the pages, go;
- a line break is a wrap, not a paragraph end, when the line runs to the right margin (the next
  line's first character or word would not have fitted), the next line starts at the left margin
  (no first-line indent), the line itself starts at the margin or a first-line indent (not a
  right-aligned signature or date) and the spacing is the normal line pitch; a wrap is joined without
  a space between CJK characters. Consecutive centred lines of one larger font are one (title) paragraph.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from corpus.formats.errors import NoticeFileError

log = logging.getLogger(__name__)

MAX_PAGES = 500
_PAGE_NUMBER = re.compile(
    r"[-—–－―~～·•]\s*\d{1,4}\s*[-—–－―~～·•]"  # - 3 -   — 3 —
    r"|第\s*\d{1,4}\s*页(?:\s*[，,/、]?\s*共\s*\d{1,4}\s*页)?"  # 第3页  第3页 共12页
    r"|\d{1,4}\s*/\s*\d{1,4}"  # 3/12
    r"|(?i:page)\s*\d{1,4}(?:\s*(?i:of)\s*\d{1,4})?"
    r"|\d{1,4}"  # a lone number
)
_NO_LINE_START = "，。、；：？！）》」』”’…%）］〕,.;:?!)]"
_SENTENCE_END = ("。", "；", "：", ":", "！", "？")
_ASCII_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_./%+]*")
_MARKER_START = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[、.．](?!\d)|第[一二三四五六七八九十百]+条|附件)")


@dataclass
class _Line:
    text: str
    chars: list[tuple[str, float, float]]  # (char, x0, x1) for each character, spaces included
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int
    base: float = 0.0  # baseline estimate: median bottom of the drawn characters (one odd glyph does not move it)
    left: float = 0.0  # the page's text margins, set once the page's body lines are known
    right: float = 0.0
    removed: str = field(default="")


def read_pdf(data: bytes, meta: dict[str, str], warnings: list[str]) -> list[str]:
    pages = _layout(data, meta, warnings)
    lines = [line for page in pages for line in page]
    if sum(len(re.sub(r"\s", "", line.text)) for line in lines) < 10:
        raise NoticeFileError(
            "scanned_pdf",
            "这个 PDF 没有文字层（可能是扫描件或图片），系统不支持 OCR 文字识别。请提供带文字的 PDF，或 DOCX/TXT 版本。",
        )
    cid = sum(line.text.count("(cid:") for line in lines)
    if cid > 20:
        raise NoticeFileError("corrupt", "PDF 的文字无法解码（字体缺少编码信息，复制出来是乱码）。请提供 DOCX/TXT 版本或其他来源的 PDF。")
    _remove_furniture(pages, warnings)
    body = [line for page in pages for line in page if not line.removed]
    _set_margins(pages)
    return _paragraphs(body)


def _layout(data: bytes, meta: dict[str, str], warnings: list[str]) -> list[list[_Line]]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfexceptions import PDFException
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.psexceptions import PSException

    encrypted = NoticeFileError("encrypted", "PDF 设有打开密码（已加密），无法读取。请提供未加密的 PDF，或 DOCX/TXT 版本。")
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)), password="")
        if document.encryption is not None:
            warnings.append("PDF 设有权限保护，已用空密码打开读取文字。")
        _info(document, meta)
        rsrc = PDFResourceManager(caching=True)
        device = PDFPageAggregator(rsrc, laparams=LAParams(word_margin=0.2, char_margin=2.0, line_margin=0.3))
        interpreter = PDFPageInterpreter(rsrc, device)
        pages: list[list[_Line]] = []
        image_pages = 0
        for number, page in enumerate(PDFPage.create_pages(document)):
            if number >= MAX_PAGES:
                raise NoticeFileError("too_large", f"PDF 超过 {MAX_PAGES} 页，过长，请只提供通知本身。")
            interpreter.process_page(page)
            layout = device.get_result()
            lines, images = _page_lines(layout, number)
            if images and not lines:
                image_pages += 1
            pages.append(lines)
    except PDFPasswordIncorrect as exc:
        raise encrypted from exc
    except PDFEncryptionError as exc:
        raise encrypted from exc
    except NoticeFileError:
        raise
    except (PDFException, PSException, ValueError, KeyError, TypeError, AttributeError, IndexError, OverflowError,
            ZeroDivisionError, RecursionError, AssertionError, OSError) as exc:
        log.info("pdfminer could not read the PDF: %r", exc)
        raise NoticeFileError("corrupt", "PDF 文件已损坏，无法读取，请重新导出 PDF 或提供 DOCX/TXT 版本。") from exc
    if image_pages and any(pages):
        warnings.append(f"有 {image_pages} 页没有文字层（可能是扫描页），其内容未能读取。")
    return pages


def _info(document: Any, meta: dict[str, str]) -> None:
    """The PDF's own Title, when it is a real Chinese title (not 'Microsoft Word - 1.doc')."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    for info in document.info or []:
        title = resolve1(info.get("Title")) if isinstance(info, dict) else None
        if isinstance(title, bytes):
            title = decode_text(title)
        if isinstance(title, str) and re.search(r"[\u4e00-\u9fff]{4}", title) and "Microsoft" not in title:
            meta.setdefault("title", title.strip())


def _page_lines(layout: Any, page: int) -> tuple[list[_Line], int]:
    from pdfminer.layout import LTAnno, LTChar, LTContainer, LTImage, LTTextLineHorizontal

    raw: list[_Line] = []
    images = 0

    def walk(obj: Any) -> None:
        nonlocal images
        if isinstance(obj, LTImage):
            images += 1
        elif isinstance(obj, LTTextLineHorizontal):
            items = [it for it in obj if isinstance(it, LTChar | LTAnno)]
            text, chars, sizes, bottoms = [], [], [], []
            for k, item in enumerate(items):
                if isinstance(item, LTChar):
                    text.append(item.get_text())
                    chars.append((item.get_text(), item.x0, item.x1))
                    sizes.append(item.size)
                    if not item.get_text().isspace():
                        bottoms.append(item.y0)
                elif item.get_text() == " " and _real_gap(items, k):
                    text.append(" ")
            s = _soft_hyphens("".join(text))
            if s.strip() and chars:
                drawn = [c for c in chars if not c[0].isspace()] or chars
                base = statistics.median(bottoms) if bottoms else obj.y0
                raw.append(_Line(s, chars, drawn[0][1], drawn[-1][2], obj.y1, obj.y0, statistics.median(sizes), page, base))
        elif isinstance(obj, LTContainer):
            for child in obj:
                walk(child)

    walk(layout)
    return _merge_baselines(raw), images


def _wide(ch: str) -> bool:
    return ord(ch[:1] or " ") >= 0x2E80  # CJK ideographs, kana, full-width punctuation and forms


def _real_gap(items: list[Any], k: int) -> bool:
    """Whether pdfminer's inferred space (no space glyph was drawn) at items[k] is a real word gap.

    Between Latin letters it is. Next to a CJK character it is usually the automatic CJK-Latin
    spacing of Word, WPS or xeCJK (2019 年 8 月, 860 号), not a space in the text, unless the gap
    is as wide as a character (a deliberate blank).
    """
    from pdfminer.layout import LTChar

    prev = next((it for it in reversed(items[:k]) if isinstance(it, LTChar)), None)
    nxt = next((it for it in items[k + 1 :] if isinstance(it, LTChar)), None)
    if prev is None or nxt is None:
        return False
    if not (_wide(prev.get_text()) or _wide(nxt.get_text())):
        return True
    return nxt.x0 - prev.x1 >= 0.8 * max(prev.size, nxt.size)


def _soft_hyphens(text: str) -> str:
    """U+00AD: some PDFs map the hyphen glyph to it (2014\u00ad2020); between digits it is a hyphen."""
    return re.sub(r"(?<=\d)\xad(?=\d)", "-", text).replace("\xad", "")


def _merge_baselines(raw: list[_Line]) -> list[_Line]:
    """Pieces of one visual line (same baseline) become one line, left to right; lines go top to bottom."""
    raw.sort(key=lambda ln: (-ln.top, ln.x0))
    out: list[_Line] = []
    for ln in raw:
        prev = out[-1] if out else None
        if prev and min(prev.top, ln.top) - max(prev.bottom, ln.bottom) > 0.5 * min(prev.top - prev.bottom, ln.top - ln.bottom):
            left, right = (prev, ln) if prev.x0 <= ln.x0 else (ln, prev)
            gap = right.x0 - left.x1
            sep = " " if gap > 0.5 * max(left.size, right.size) and not left.text.endswith(" ") else ""
            out[-1] = _Line(left.text + sep + right.text, left.chars + right.chars, left.x0, max(left.x1, right.x1),
                            max(prev.top, ln.top), min(prev.bottom, ln.bottom), max(prev.size, ln.size), ln.page,
                            left.base)
        else:
            out.append(ln)
    return out


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _remove_furniture(pages: list[list[_Line]], warnings: list[str]) -> None:
    """Page numbers and running headers/footers: only ever among the first or last two lines of a page."""
    numbers = 0
    for page in pages:
        for i, ln in enumerate(page):
            edge = i < 2 or i >= len(page) - 2
            s = re.sub(r"\s+", " ", ln.text).strip()
            if edge and _PAGE_NUMBER.fullmatch(s) and (not s.isdigit() or i in (0, len(page) - 1)):
                ln.removed = "page_number"
                numbers += 1
    counts: Counter[tuple[str, str]] = Counter()
    for page in pages:
        live = [ln for ln in page if not ln.removed]
        seen = {("top", _furniture_key(ln.text)) for ln in live[:2]} | {("bottom", _furniture_key(ln.text)) for ln in live[-2:]}
        counts.update(seen)
    need = max(2, (len(pages) + 1) // 2)
    running = 0
    if len(pages) >= 2:
        for page in pages:
            live = [ln for ln in page if not ln.removed]
            for band, group in (("top", live[:2]), ("bottom", live[-2:])):
                for ln in group:
                    if counts[(band, _furniture_key(ln.text))] >= need and not ln.removed:
                        ln.removed = "running"
                        running += 1
    if numbers:
        warnings.append(f"已去除页码 {numbers} 处")
    if running:
        warnings.append(f"已去除页眉、页脚 {running} 行")
    log.debug("pdf furniture: %s page numbers, %s running lines", numbers, running)


def _body_size(lines: list[_Line]) -> float:
    return Counter(round(ln.size, 1) for ln in lines for _ in ln.chars).most_common(1)[0][0]


def _set_margins(pages: list[list[_Line]]) -> None:
    """Text margins from body-size lines, per page when the page has enough of them (mirrored margins)."""
    body = [ln for page in pages for ln in page if not ln.removed]
    if not body:
        return
    size = _body_size(body)
    glob = _margins([ln for ln in body if abs(ln.size - size) < 0.1 * size] or body)
    for page in pages:
        live = [ln for ln in page if not ln.removed]
        normal = [ln for ln in live if abs(ln.size - size) < 0.1 * size]
        left, right = _margins(normal) if len(normal) >= 8 else glob
        for ln in live:
            ln.left, ln.right = left, right


def _margins(lines: list[_Line]) -> tuple[float, float]:
    """Left: the leftmost start shared by several lines. Right: the median end of the long lines, so a
    line with hanging punctuation (or one that overflows) does not move it."""
    starts = Counter(round(ln.x0) for ln in lines)
    common = max(starts.values())
    left = min(x for x, c in starts.items() if c >= max(2, common // 3)) if common >= 2 else min(starts)
    longest = max(ln.x1 for ln in lines)
    long_ends = [ln.x1 for ln in lines if ln.x1 >= left + 0.8 * (longest - left)]
    return float(left), statistics.median(long_ends)


def _pitch(lines: list[_Line]) -> float:
    gaps = [a.base - b.base for a, b in zip(lines, lines[1:], strict=False) if a.page == b.page and 0 < a.base - b.base < 4 * a.size]
    return statistics.median(gaps) if gaps else 0.0


def _first_unit_width(line: _Line) -> float:
    """Width of what a line-breaker moves as one piece: an ASCII word, or a character with the
    punctuation that may not start a line."""
    chars = [c for c in line.chars if not c[0].isspace()]
    if not chars:
        return 0.0
    m = _ASCII_WORD.match("".join(c[0] for c in chars))
    n = min(len(m.group()), len(chars)) if m else 1
    while n < len(chars) and chars[n][0] in _NO_LINE_START:
        n += 1
    return chars[n - 1][2] - chars[0][1]


def _centred(ln: _Line) -> bool:
    return abs((ln.x0 - ln.left) - (ln.right - ln.x1)) < 2 * ln.size


def _paragraphs(lines: list[_Line]) -> list[str]:
    if not lines:
        return []
    body_size = _body_size(lines)
    pitch = _pitch(lines)
    out: list[str] = []
    current = lines[0].text
    for a, b in zip(lines, lines[1:], strict=False):
        if _continues(a, b, body_size, pitch):
            if current.endswith((" ", "\u3000", "\xa0")) or b.text.startswith((" ", "\u3000")):
                current += b.text
            elif re.search(r"[A-Za-z0-9,;]$", current) and re.match(r"[A-Za-z0-9]", b.text) and not current.endswith("-"):
                current += " " + b.text
            else:
                current += b.text
        else:
            out.append(current.rstrip())
            current = b.text
    out.append(current.rstrip())
    return out


def _continues(a: _Line, b: _Line, body_size: float, pitch: float) -> bool:
    """True when the break between a and b is a wrap inside one paragraph."""
    same_page = a.page == b.page
    if same_page and pitch and (a.base - b.base) > 1.3 * pitch * max(1.0, a.size / body_size):
        return False  # extra space between the lines: a paragraph gap
    if abs(a.size - b.size) > 0.08 * max(a.size, b.size):
        return False
    if a.size >= 1.1 * body_size:  # a heading in a larger font: centred lines of it form one title
        return same_page and _centred(a) and _centred(b)
    if b.x0 > b.left + 0.6 * b.size:
        return False  # first-line indent (or centred/right-aligned line): a new paragraph
    if a.x0 > a.left + 4 * a.size:
        return False  # a right-aligned or centred line (signature, date): a wrapped line starts at the margin
    if _MARKER_START.match(b.text.strip()) and a.text.rstrip().endswith(_SENTENCE_END):
        return False
    return a.x1 + _first_unit_width(b) > a.right - 0.5 * a.size
