"""Format-independent steps: decoding, site-chrome removal, the metadata block, and the notice test.

Every reader (txt, docx, pdf, html) ends in plain lines; the same conservative clean-up then runs on
all of them, so a web page pasted into Word or saved as .txt is treated like the page itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from corpus.formats.errors import NoticeFileError

log = logging.getLogger(__name__)

CHROME_RULES = Path(__file__).with_name("chrome.yaml")

_CN_NUM = "一二三四五六七八九十"
# A line that starts with clause numbering is never chrome, whatever it contains.
CLAUSE_START = re.compile(
    rf"^\s*(?:[{_CN_NUM}]{{1,3}}、|[（(][{_CN_NUM}]{{1,3}}[）)]|\d{{1,2}}(?:、|[.．](?!\d))|[（(]\d{{1,2}}[）)]"
    rf"|第[{_CN_NUM}百零〇\d]+[条章节款]|附件)"
)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# -- decoding ----------------------------------------------------------------------------------------

_BOMS = ((b"\xef\xbb\xbf", "utf-8", "utf-8"), (b"\xff\xfe", "utf-16-le", "utf-16"), (b"\xfe\xff", "utf-16-be", "utf-16"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Bytes -> (text, encoding name), strictly: a wrong guess must fail, not produce mojibake.

    Order: BOM, then the declared charset (HTML), then UTF-8, then GBK and GB18030 (what Chinese
    Windows editors save). Statistical detection is not used: on short Chinese texts it confuses
    GBK with Big5 or Latin-1, while a strict cascade either decodes exactly or refuses.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data[len(bom) :].decode(codec)), name
            except UnicodeDecodeError:
                break
    candidates = ["utf-8", "gbk", "gb18030"]
    if declared:
        declared = declared.lower().replace("_", "-")
        if declared in {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}:
            candidates = ["gbk", "gb18030", "utf-8"]
        elif declared not in {"utf-8", "utf8"}:
            candidates.insert(0, declared)
    if b"\x00" in data:
        raise _encoding_error()
    for codec in candidates:
        try:
            return _checked(data.decode(codec)), codec
        except (UnicodeDecodeError, LookupError):
            continue
    raise _encoding_error()


def _checked(text: str) -> str:
    # Control characters other than tab/newline/form feed mean binary data that happened to decode.
    if len(_CONTROL.findall(text)) > max(3, len(text) // 1000):
        raise _encoding_error()
    return text


def _encoding_error() -> NoticeFileError:
    return NoticeFileError(
        "encoding",
        "无法识别文件的文字编码（不是 UTF-8 或 GBK/GB18030 文本，或并非文本文件），请另存为 UTF-8 编码的 .txt 后再添加。",
    )


# -- lines -------------------------------------------------------------------------------------------


def clause_start(line: str) -> bool:
    return CLAUSE_START.match(line) is not None


@dataclass(frozen=True)
class _LineRule:
    pattern: re.Pattern[str]
    max_len: int
    why: str


@dataclass(frozen=True)
class _BlockRule:
    start: re.Pattern[str]
    item_max_len: int
    why: str


@dataclass(frozen=True)
class _Chrome:
    lines: tuple[_LineRule, ...]
    blocks: tuple[_BlockRule, ...]
    default_max_len: int


@lru_cache(maxsize=1)
def _chrome() -> _Chrome:
    """chrome.yaml, read once per process."""
    import yaml

    with open(CHROME_RULES, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    default = int(data.get("default_max_len", 40))
    return _Chrome(
        tuple(_LineRule(re.compile(e["pattern"]), int(e.get("max_len", default)), e.get("why", "")) for e in data.get("lines", [])),
        tuple(_BlockRule(re.compile(e["start"]), int(e.get("item_max_len", 80)), e.get("why", "")) for e in data.get("blocks", [])),
        default,
    )


def is_chrome(line: str) -> bool:
    """True when a line is site chrome by one of the chrome.yaml patterns (and short, and not numbered)."""
    s = line.strip()
    rules = _chrome()
    if not s or clause_start(s) or s.endswith("。") or ("，" in s and len(s) > rules.default_max_len):
        return False  # numbered, or a sentence: the notice's own text
    return any(len(s) <= r.max_len and r.pattern.search(s) for r in rules.lines)


def strip_chrome(lines: list[str]) -> tuple[list[str], int]:
    """Drops chrome lines and related-link blocks; returns the kept lines and how many were dropped."""
    drop = {i for i, line in enumerate(lines) if is_chrome(line)}
    # body_after[k]: some line from k on is the notice's own text (numbered or long, and not chrome)
    body_after = [False] * (len(lines) + 1)
    for k in range(len(lines) - 1, -1, -1):
        s = lines[k].strip()
        body_after[k] = body_after[k + 1] or (k not in drop and (clause_start(s) or len(s) > 80))
    i = 0
    while i < len(lines):
        s = lines[i].strip()
        rule = next((b for b in _chrome().blocks if b.start.search(s)), None) if i not in drop else None
        if rule is None:
            i += 1
            continue
        j = i + 1
        while j < len(lines):
            t = lines[j].strip()
            if t and (len(t) > rule.item_max_len or clause_start(t) or t.endswith(("。", "；", "：", ":")) or "。" in t):
                break
            j += 1
        if not body_after[j]:
            drop.update(k for k in range(i, j) if lines[k].strip())
        i = j
    kept = [line for i, line in enumerate(lines) if i not in drop]
    return kept, sum(1 for i in drop if lines[i].strip())


# -- metadata ----------------------------------------------------------------------------------------

# Labels of the information table that gov.cn-style sites put above a notice, and the key each fills
# (None: recognised, so the line counts as metadata, but not kept).
LABELS: dict[str, str | None] = {
    "索引号": "index_no", "主题分类": "subject", "主题类别": "subject", "发文机关": "issuer", "发文单位": "issuer",
    "发布机构": "issuer", "成文日期": "date", "标题": "title", "文件名称": "title", "发文字号": "doc_number",
    "文号": "doc_number", "发布日期": "published", "发布时间": "published", "主题词": None, "公文种类": None,
    "体裁分类": None, "组配分类": None, "服务对象": None, "有效性": None, "时效性": None, "生成日期": None,
    "实施日期": None, "废止日期": None, "信息来源": "source", "来源": "source", "所属机构": None,
}
_LABEL_ALT = "|".join(r"\s*".join(map(re.escape, label)) for label in sorted(LABELS, key=len, reverse=True))
_LABEL = re.compile(rf"(?:^|(?<=\s))(?P<label>{_LABEL_ALT})\s*[：:]")
_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[年\-/.]\s*(?P<m>\d{1,2})\s*[月\-/.]\s*(?P<d>\d{1,2})\s*日?")
_CN_DATE = re.compile(r"(?P<y>[〇○零一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月(?P<d>[一二三四五六七八九十]{1,3})日")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,16}\s*[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*第?\s*\d{1,5}\s*号")
_VALUE_SHAPES = {
    "index_no": re.compile(r"^[0-9A-Za-z][0-9A-Za-z/\-_.]{3,40}$"),
    "doc_number": DOC_NUMBER,
    "date": _DATE,
    "published": _DATE,
}


def iso_date(text: str) -> str | None:
    """2013年10月31日 / 2013-10-31 / 二〇一三年十月三十一日 -> 2013-10-31 (None when not a real date)."""
    m = _DATE.search(text)
    if m:
        y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    else:
        m = _CN_DATE.search(text)
        if not m:
            return None
        digits = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}
        y = int("".join(str(digits[c]) for c in m["y"]))
        mo, d = _cn_small(m["m"]), _cn_small(m["d"])
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def _cn_small(text: str) -> int:
    values = dict(zip("一二三四五六七八九", range(1, 10), strict=True))
    tens, ten, units = text.partition("十")
    if not ten:
        return values.get(text, 0)
    return (values.get(tens, 1) if tens else 1) * 10 + (values.get(units, 0) if units else 0)


def put_metadata(meta: dict[str, str], key: str | None, value: str) -> None:
    """Stores one value under its key, normalised (dates as YYYY-MM-DD); the first value found wins."""
    value = re.sub(r"\s+", " ", value).strip(" ：:")
    if not key or not value.strip("-—－ ") or value in ("无", "暂无", "none", "null") or key in meta:
        return
    if key in ("date", "published"):
        iso = iso_date(value)
        if iso is None:
            return
        value = iso
    meta[key] = value


def label_key(text: str) -> str | None | bool:
    """The metadata key of a label cell such as '发文字号：' or '标　　题'; False when it is no label."""
    s = re.sub(r"\s+", "", text).rstrip("：:")
    return LABELS[s] if s in LABELS else False


def parse_metadata_line(line: str) -> list[tuple[str | None, str]] | None:
    """'索引号：x  主题分类：y' -> [(key, value), …]; None unless the line is made of label：value pairs only."""
    s = line.strip()
    matches = list(_LABEL.finditer(s))
    if not matches or matches[0].start() != 0:
        return None
    pairs = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(s)
        pairs.append((LABELS[re.sub(r"\s+", "", m["label"])], s[m.end() : end].strip()))
    return pairs


# A table of contents: entries with dot leaders (五、基线负荷……… - 4 -), which a page may break over several lines.
# Its headings stand again in the text below, where they open their sections; left in, the entry would.
_LEADERS_ONLY = re.compile(r"^[.．·…。\s]{4,}$")
_TOC_ENTRY = re.compile(r"[.．·…]{4,}[.．·…\s]*([-－—]?\s*\d{1,3}\s*[-－—]?)?$")
_PAGE_NUMBER = re.compile(r"^[-－—]?\s*\d{1,3}\s*[-－—]?$")


def strip_toc(lines: list[str]) -> tuple[list[str], int]:
    """Drops table-of-contents lines (dot leaders, and the page numbers after them); the lines and how many went."""
    out: list[str] = []
    dropped = 0
    after_leaders = False
    for line in lines:
        s = line.strip()
        if s and (_LEADERS_ONLY.match(s) or _TOC_ENTRY.search(s) or (after_leaders and _PAGE_NUMBER.match(s))):
            dropped += 1
            after_leaders = not _PAGE_NUMBER.match(s)
            continue
        if s:
            after_leaders = False
        out.append(line)
    return out, dropped


_FRONT_MATTER_FENCE = re.compile(r"^(---|\.\.\.)\s*$")
_FRONT_MATTER_LINE = re.compile(r"^[^\s:：#>][^:：]{0,30}[:：]")
FRONT_MATTER_MAX_LINES = 40


def take_front_matter(lines: list[str], meta: dict[str, str]) -> tuple[list[str], int]:
    """A front-matter block (a first line ---, key: value lines, a closing ---), as archives and static sites put
    above a Markdown or text copy, is metadata about the copy, not the notice: known labels go into meta, and
    the block is removed."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or lines[first].strip() != "---":
        return lines, 0
    end = next((i for i in range(first + 1, min(len(lines), first + FRONT_MATTER_MAX_LINES))
                if _FRONT_MATTER_FENCE.match(lines[i].strip())), None)
    body = [line for line in lines[first + 1 : end] if line.strip()] if end else []
    if not body or not all(_FRONT_MATTER_LINE.match(line.strip()) for line in body):
        return lines, 0
    for line in body:
        for key, value in parse_metadata_line(line) or []:
            put_metadata(meta, key, value)
    return lines[:first] + lines[end + 1 :], end + 1 - first


def take_metadata_block(lines: list[str], meta: dict[str, str]) -> tuple[list[str], int]:
    """Reads the information table at the top (label：value lines) into meta and removes it.

    The block must start within the first five non-empty lines (a page title may stand above it) and
    is one run of metadata lines; a label alone on its line takes the next line as its value only when
    that line has the value's shape (a date for 成文日期, 〔2019〕860号 for 发文字号 …).
    """
    # Chrome lines (menus, breadcrumb) neither count nor end the block; strip_chrome drops them later.
    skip = [not line.strip() or (is_chrome(line) and parse_metadata_line(line) is None) for line in lines]
    candidates = [i for i in range(len(lines)) if not skip[i]]
    start = next((i for i in candidates[:5] if parse_metadata_line(lines[i]) is not None), None)
    if start is None:
        return lines, 0
    drop: list[int] = []
    i = start
    while i < len(lines):
        if skip[i]:
            i += 1
            continue
        pairs = parse_metadata_line(lines[i])
        if pairs is None:
            break
        drop.append(i)
        if len(pairs) == 1 and not pairs[0][1]:
            key = pairs[0][0]
            nxt = next((k for k in range(i + 1, len(lines)) if lines[k].strip()), None)
            shape = _VALUE_SHAPES.get(key or "")
            if nxt is not None and shape and parse_metadata_line(lines[nxt]) is None and shape.search(lines[nxt].strip()):
                pairs = [(key, lines[nxt].strip())]
                drop.append(nxt)
                i = nxt
        for key, value in pairs:
            put_metadata(meta, key, value)
        i += 1
    kept = [line for k, line in enumerate(lines) if k not in set(drop)]
    return kept, len(drop)


# -- is it a notice? ---------------------------------------------------------------------------------

TITLE_WORDS = "通知|通告|公告|办法|意见|规定|决定|方案|指南|细则|批复|纪要|规划|条例|实施|函|通报|规则|准则|纲要|计划|要点|公报|命令|令"
_TITLE_LINE = re.compile(rf"^\S.{{2,78}}?(?:{TITLE_WORDS})(?:（[^）]{{1,30}}）|\([^)]{{1,30}}\))?$")
_NUMBERING_PAIRS = (
    re.compile(r"(?:^|\s)一、"), re.compile(r"(?:^|\s)二、"),
    re.compile(r"(?:^|\s)[（(]一[）)]"), re.compile(r"(?:^|\s)[（(]二[）)]"),
    re.compile(r"(?:^|\s)第一条"), re.compile(r"(?:^|\s)第二条"),
)
_ADDRESSEE = re.compile(
    r"(?:^|(?<=\s))[^\s。；：:]{0,150}?(?:委|厅|局|部|办|室|处|科|署|院|政府|单位|机关|机构|公司|企业|学校|高校|中心|所|会|组|队|站|行)"
    r"(?:（[^）]{1,6}）)?[：:](?=\s|$)",
    re.MULTILINE,
)
_DOC_NUMBER_TRAIT = re.compile(r"[〔\[［]\s*(?:19|20)\d{2}\s*[〕\]］]\s*第?\s*\d{1,5}\s*号")
_SIGN_DATE = re.compile(
    r"(?:^|(?<=\s))(?:(?:19|20)\d{2}年\d{1,2}月\d{1,2}日|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日)"
    r"\s*(?:$|(?=\s))",
    re.MULTILINE,
)
MIN_CJK = 40


def notice_traits(text: str) -> list[str]:
    """Which official-document traits the text shows (see looks_like_notice)."""
    lines = [s for s in (line.strip() for line in text.split("\n")) if s][:12]
    traits = []
    if any(len(s) <= 80 and _TITLE_LINE.match(s) for s in lines):
        traits.append("title")
    if (_NUMBERING_PAIRS[0].search(text) and _NUMBERING_PAIRS[1].search(text)) or (
        _NUMBERING_PAIRS[2].search(text) and _NUMBERING_PAIRS[3].search(text)
    ) or (_NUMBERING_PAIRS[4].search(text) and _NUMBERING_PAIRS[5].search(text)):
        traits.append("numbering")
    if _ADDRESSEE.search(text[:4000]):
        traits.append("addressee")
    if _DOC_NUMBER_TRAIT.search(text):
        traits.append("doc_number")
    if _SIGN_DATE.search(text):
        traits.append("signature_date")
    return traits


def check_notice(text: str) -> None:
    """Refuses text that is not an official notice.

    Heuristic, documented for staff: at least MIN_CJK Chinese characters making up at least a third
    of the non-space text, and at least two of five traits of a 公文: a title line ending in a document
    word (通知, 办法, 意见 …), sequential numbering (一、二、 or （一）（二） or 第一条 第二条), an
    addressee ending in ：(各省…发展改革委：), a document number (〔2019〕860号), a standalone date
    (2019年8月20日, the signature). A novel chapter, a CSV or source code shows at most one.
    """
    if not text.strip():
        raise NoticeFileError("empty", "文件没有文字内容，请检查后重新添加。")
    cjk = len(CJK.findall(text))
    visible = len(re.sub(r"\s+", "", text))
    traits = notice_traits(text) if cjk >= MIN_CJK and cjk * 3 >= visible else []
    log.debug("notice check: %s CJK of %s visible chars, traits %s", cjk, visible, traits)
    if len(traits) < 2:
        raise NoticeFileError(
            "not_a_notice",
            "文件内容不像一份公文通知：没有发现标题、条款序号（一、（一））、主送机关、发文字号、成文日期等特征中的至少两项。"
            "请确认添加的是通知正文。",
        )


# -- metadata the text itself gives ------------------------------------------------------------------

_ISSUER_END = re.compile(r"(?:委|厅|局|部|办|室|署|院|政府|委员会|办公室|总局|中心|公司)(?:（[^）]{1,6}）)?$")
_ANNEX_START = re.compile(r"(?m)^\s*附件\s*\d{1,2}(?=\s|$)")


def metadata_from_text(text: str, meta: dict[str, str]) -> None:
    """Fills title, doc_number, date (signature) and issuer from the text where no table gave them."""
    lines = [s for s in (line.strip() for line in text.split("\n")) if s]
    head = lines[:12]
    title = next((s for s in head if len(s) <= 80 and _TITLE_LINE.match(s) and not DOC_NUMBER.search(s)), None)
    if title:
        put_metadata(meta, "title", title)
    number = next((m.group() for s in head[:15] if len(s) <= 40 for m in [DOC_NUMBER.search(s)] if m), None)
    if number:
        put_metadata(meta, "doc_number", re.sub(r"\s+", "", number))
    annex = _ANNEX_START.search(text)
    body = text[: annex.start()] if annex else text
    dates = list(_SIGN_DATE.finditer(body))
    if not dates:
        return
    date = dates[-1]
    put_metadata(meta, "date", date.group())
    # The issuing offices are the short segments right above the date (one per line, or one segment).
    segments = re.split(r"\s{2,}|\n", body[: date.start()].rstrip())
    issuers: list[str] = []
    for seg in reversed(segments):
        seg = seg.strip()
        if not seg:
            continue
        if len(seg) <= 30 and _ISSUER_END.search(seg) and not seg.endswith(("。", "；", "：")):
            issuers.insert(0, seg)
            if len(issuers) < 4:
                continue
        break
    if issuers:
        put_metadata(meta, "issuer", "、".join(issuers))
