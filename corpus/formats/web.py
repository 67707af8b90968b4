"""Saved web page: the notice body without the site around it, plus the information table as metadata.

Ministry sites (gov.cn, ndrc.gov.cn, miit.gov.cn …) are built on a few content-management systems
whose body container has a known id or class (UCAP-CONTENT, pages_content, TRS_Editor, zoom …);
that is tried first. Otherwise the body is the deepest element that still holds most of the page's
text outside links (a text-density rule: menus, related links and footers are mostly links). The
page heading (h1) is put above the body, as the notice's title. Lines of chrome left inside the body
(【打印】【关闭窗口】…) are removed afterwards by the shared chrome patterns.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from corpus.formats.errors import NoticeFileError
from corpus.formats.text import CJK, decode_text, label_key, parse_metadata_line, put_metadata

log = logging.getLogger(__name__)

CONTENT_SELECTORS = (
    "#UCAP-CONTENT", ".pages_content", ".TRS_Editor", "#zoom", ".zoom", "#Zoom", ".article-content", ".article_content",
    "#article-content", ".art_con", ".news_content", "#content", ".content", "article", "main",
)
BLOCK = {
    "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "section", "article", "header",
    "footer", "blockquote", "pre", "dd", "dt", "dl", "center", "form", "hr", "nav", "aside", "main", "figure",
    "figcaption", "address", "caption", "tbody", "thead", "tfoot", "title",
}
DROP = ("script", "style", "noscript", "template", "iframe", "svg", "canvas", "object", "embed", "select", "button",
        "input", "textarea", "head")
CHROME_TAGS = ("nav", "header", "footer", "aside")
CHROME_ATTR = re.compile(
    r"(?i)(?:^|[\s_-])(?:nav|navbar|menu|header|footer|foot|breadcrumbs?|crumbs?|position|location|share|bdshare|print"
    r"|related|relevant|xgxw|xglj|sidebar|side|toolbar|tools|copyright|search|login|qrcode|ewm|fenxiang|gotop|backtop"
    r"|dayin|guanbi)(?:$|[\s_-])"
)
_MENU_ATTR = re.compile(r"(?i)(?:^|[\s_-])(?:nav|navbar|menu|footer|foot|breadcrumbs?|crumbs?|logo|copyright)(?:$|[\s_-])")
META_NAMES = {"articletitle": "title", "pubdate": "published", "contentsource": "source", "firstpublishedtime": "published"}
_ASCII_WS = re.compile(r"[ \t\r\n\f]+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_-]+)""", re.I)


def read_html(data: bytes, meta: dict[str, str], warnings: list[str]) -> tuple[list[str], str, int]:
    """-> (lines of the body, encoding, number of page lines left out)."""
    from bs4 import BeautifulSoup

    declared = _CHARSET.search(data[:4096])
    text, encoding = decode_text(data, (declared.group(1) or declared.group(2)).decode("ascii") if declared else None)
    try:
        soup = BeautifulSoup(text, "lxml")
    except (ValueError, TypeError, RecursionError) as exc:
        raise NoticeFileError("corrupt", "网页文件无法解析，请在浏览器中重新另存为 .html 后再添加。") from exc
    for table in soup.find_all("table"):
        if table.find("table") is None and _table_metadata(table, meta):
            table.decompose()
    for tag in soup.find_all("meta"):
        key = META_NAMES.get(str(tag.get("name") or tag.get("property") or "").lower())
        if key and tag.get("content"):
            put_metadata(meta, key, str(tag["content"]))
    for tag in soup.find_all(DROP):
        tag.decompose()
    root = soup.body or soup
    page_lines = _lines(root)
    if not page_lines:
        raise NoticeFileError("empty", "网页中没有文字内容，请确认保存的是通知页面（“网页，全部”或“网页，仅 HTML”）。")
    container, known = _container(root)
    if not known:
        warnings.append("网页中没有常见的正文区域，已按文字密度选取正文，请核对开头和结尾。")
    heading = _heading(root, container)
    _drop_chrome_subtrees(container)
    lines = _lines(container)
    if heading is not None and not _inside(heading, container):
        lines.insert(0, _ASCII_WS.sub(" ", heading.get_text()).strip())
    body = set(lines)
    for line in page_lines:  # a date bar or information list outside the body: 发布时间：… 来源：…
        pairs = parse_metadata_line(line) if line not in body else None
        for key, value in pairs or []:
            put_metadata(meta, key, value)
    log.debug("html: container <%s %s>, %s of %s lines", container.name, container.attrs.get("class"), len(lines), len(page_lines))
    return lines, encoding, max(0, len(page_lines) - len(lines))


def _table_metadata(table: Any, meta: dict[str, str]) -> bool:
    """Reads a gov.cn information table (label cell, value cell …); True when it was one.

    One means: 2+ labels, and next to nothing else in it (a layout table holding the whole page with
    a 发布时间：… 来源：… cell is not one).
    """
    cells = table.find_all(["td", "th"])
    found: list[tuple[str | None, str]] = []
    used: set[int] = set()
    for i, cell in enumerate(cells):
        text = _ASCII_WS.sub(" ", cell.get_text(" ")).strip()
        key = label_key(text)
        if key is not False:
            nxt = cells[i + 1].get_text(" ").strip() if i + 1 < len(cells) else ""
            found.append((key if isinstance(key, str) else None, "" if label_key(nxt) is not False else nxt))
            used.update((i, i + 1))
            continue
        pairs = parse_metadata_line(text) if len(text) < 300 else None
        if pairs:
            found.extend(pairs)
            used.add(i)
    other = sum(len(CJK.findall(cells[i].get_text())) for i in range(len(cells)) if i not in used)
    if len(found) < 2 or other > 40:
        return False
    for key, value in found:
        put_metadata(meta, key, value)
    return True


def _heading(root: Any, container: Any) -> Any:
    """The article's visible title: of the h1s and title-classed elements before the body, the closest
    one (a site name or column title in the page header comes earlier)."""
    from bs4 import Tag

    order = {id(el): i for i, el in enumerate(root.descendants) if isinstance(el, Tag)}
    body_at = order.get(id(container), len(order))
    candidates = root.find_all("h1") + root.find_all(attrs={"class": re.compile(r"(?i)title")})
    candidates += root.find_all(id=re.compile(r"(?i)^(title|ti|articletitle)$"))
    best = None
    for tag in candidates:
        at = order.get(id(tag), len(order))
        text = _ASCII_WS.sub(" ", tag.get_text()).strip()
        if at >= body_at or _inside(container, tag) or not (5 <= len(text) <= 120) or not CJK.search(text):
            continue
        if tag.find(["p", "div", "table", "ul", "li"]) is not None or _in_menu(tag):
            continue
        if best is None or at > order[id(best)]:
            best = tag
    return best


def _in_menu(tag: Any) -> bool:
    """Inside a menu, breadcrumb or footer (where a site name or column title stands), not an article header."""
    for el in [tag, *tag.parents]:
        attrs = getattr(el, "attrs", None) or {}
        value = " ".join(attrs.get("class") or []) + " " + str(attrs.get("id") or "")
        if getattr(el, "name", None) in ("nav", "footer") or _MENU_ATTR.search(value):
            return True
    return False


def _chrome_attr(el: Any) -> bool:
    attrs = getattr(el, "attrs", None) or {}
    classes = attrs.get("class") or []
    value = " ".join([*classes] if isinstance(classes, list) else [str(classes)]) + " " + str(attrs.get("id") or "")
    return bool(CHROME_ATTR.search(value.strip()))


def _inside(tag: Any, container: Any) -> bool:
    return tag is container or any(p is container for p in tag.parents)


def _cjk_counts(root: Any) -> dict[int, tuple[int, int]]:
    """id(element) -> (CJK characters, CJK characters inside links), computed bottom-up in one pass."""
    from bs4 import NavigableString, Tag

    counts: dict[int, tuple[int, int]] = {}
    order: list[Any] = []
    stack = [root]
    while stack:
        el = stack.pop()
        order.append(el)
        stack.extend(c for c in el.children if isinstance(c, Tag))
    for el in reversed(order):
        total = link = 0
        for child in el.children:
            if isinstance(child, Tag):
                t, lk = counts[id(child)]
                total += t
                link += t if child.name == "a" else lk
            elif isinstance(child, NavigableString):
                total += len(CJK.findall(str(child)))
        counts[id(el)] = (total, link)
    return counts


def _container(root: Any) -> tuple[Any, bool]:
    """The body element, and whether a known content selector found it (else: text density)."""
    from bs4 import Tag

    counts = _cjk_counts(root)
    page = max(1, counts[id(root)][0] - counts[id(root)][1])
    for selector in CONTENT_SELECTORS:
        try:
            found = root.select(selector)
        except (ValueError, NotImplementedError):  # soupsieve refuses an odd selector on an odd page
            continue
        scored = [(counts.get(id(el), (0, 0))[0] - counts.get(id(el), (0, 0))[1], el) for el in found]
        scored = [(s, el) for s, el in scored if s >= 50 and s >= 0.3 * page]
        if scored:
            return max(scored, key=lambda x: x[0])[1], True
    node = root
    while True:
        best = None
        for child in node.children:
            if isinstance(child, Tag):  # chrome is mostly links, so it never holds 70% of the other text
                total, link = counts[id(child)]
                if total - link >= 0.7 * page:
                    best = child
        if best is None:
            return node, False
        node = best


def _drop_chrome_subtrees(container: Any) -> None:
    """Removes nav/footer/share/print… elements inside the body, unless one holds much of its text
    (a wrapper whose class happens to say 'side' is not chrome)."""
    counts = _cjk_counts(container)
    whole = max(1, counts[id(container)][0] - counts[id(container)][1])
    for el in list(container.find_all(True)):
        if el.decomposed or not (el.name in CHROME_TAGS or _chrome_attr(el)):
            continue
        total, link = counts.get(id(el), (0, 0))
        if total - link < 0.3 * whole:
            el.decompose()


def _lines(root: Any) -> list[str]:
    """Text with block elements (p, div, br, li, tr, h1-h6 …) as line breaks and cells separated by tabs."""
    from bs4 import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

    skip = (Comment, Declaration, Doctype, ProcessingInstruction)
    parts: list[str] = []
    stack: list[Any] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and not isinstance(item, NavigableString):
            parts.append(item)  # a marker pushed below
        elif isinstance(item, NavigableString):
            if not isinstance(item, skip):
                parts.append(_ASCII_WS.sub(" ", str(item)))
        elif isinstance(item, Tag):
            if item.name == "br":
                parts.append("\n")
                continue
            if item.name == "pre":
                parts.extend(["\n", item.get_text(), "\n"])
                continue
            block = item.name in BLOCK
            after = "\n" if block else ("\t" if item.name in ("td", "th") else "")
            if after:
                stack.append(after)
            stack.extend(reversed(list(item.children)))
            if block:
                parts.append("\n")
    return [s for s in (line.strip() for line in "".join(parts).split("\n")) if s]
