"""ClauseParser: splits a Chinese official notice into addressable clauses.

A marker only counts when it stands after whitespace (or a line start) and continues the numbering
already open, so digits and 第五条 references inside sentences never open clauses. Styles read:

* outline numbering 一、 > （一） > 1、/1. > （1）; whichever comes first is the top level;
* regulation numbering 第一部分/第一篇 > 第一章 > 第一节 > 第一条, items （一）/一、/1. inside an article.
  Chapter and article numbers run on across their parents and an ID keeps the number as written
  (第十二条 in 第二章 is notice.2.12; without chapters it is notice.12);
* 任务一： task headings (a level between 一、 and （一）) and 专栏1 sidebars: a child ``boxN`` of the
  clause they stand in, which leaves the numbering around it alone;
* the 附件： list (numbered, a single unnumbered title, or continued below the signature's date), annex
  headings 附件1 / 附件一 / a bare 附件 line after the signature, and a document printed right after the
  signature of an issuing notice (关于印发…的通知), which becomes an annex;
* the header (up to the addressees, page chrome above them included), the preamble, and the signature:
  the issuing office(s) and the date that close the body;
* a 目录 (table of contents) is left in the preamble instead of being read as the headings.

A text without readable numbering falls back to paragraphs notice.p1, notice.p2 …; that and other
doubts (skipped numbers, annexes missing from the 附件 list) go to ParsedDocument.warnings. The parser
never raises on any input string. Nothing here knows a particular notice's offsets or sentences.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from corpus.models import Clause, ParsedDocument

PARSER_VERSION = "3"

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# Nesting order of the numbering kinds. A kind may only open (at 1) below a kind of lower rank.
_RANK: dict[str, float] = {
    "part": -3, "chap": -2, "sect": -1, "art": 0, "l1": 1, "task": 1.5, "l2": 2, "l3": 3, "l4": 4, "box": 9,
}
_RUN_ON = ("chap", "art", "box")  # numbered through the whole document part, not per parent
_REGULATION = ("part", "chap", "sect", "art")
_WORDS = ("part", "chap", "sect", "art", "task", "box")  # written as words (第二章, 任务一): spaced in labels
_BRACKETED = ("l2", "l4")

_CN = "一二三四五六七八九十"
_BIG = rf"[{_CN}百零]{{1,7}}|\d{{1,3}}"
_NOT_REF = r"(?![之至第、，,和或及])"  # 第十二条之一, 第十二条第二款, 第五条、第六条: references, not headings
_MARKER = re.compile(
    r"(?<!\S)(?:"
    r"(?P<l1>[一二三四五六七八九十]{1,3})、"
    r"|[（(](?P<l2>[一二三四五六七八九十]{1,3})[）)]"
    r"|(?P<l3>\d{1,2})(?:、|[.．](?!\d))"
    r"|[（(](?P<l4>\d{1,2})[）)]"
    r"|(?P<attach>附件[：:])"
    rf"|附件\s*(?P<annex>\d{{1,2}}|[{_CN}]{{1,3}})(?=\s|$)"
    rf"|第(?P<part>{_BIG})(?P<part_word>部分|篇){_NOT_REF}"
    rf"|第(?P<chap>{_BIG})章{_NOT_REF}"
    rf"|第(?P<sect>{_BIG})节{_NOT_REF}"
    rf"|第(?P<art>{_BIG})条{_NOT_REF}"
    rf"|任务(?P<task>[{_CN}]{{1,3}}|\d{{1,2}})(?:[：:、．.]|(?=\s))"
    rf"|专栏[^\S\n]*(?P<box>[{_CN}]{{1,3}}|\d{{1,3}})(?:[：:]|(?=\s|$))"
    r")"
)
_BARE_ANNEX = re.compile(r"(?<![^\n])[^\S\n]*附件[^\S\n]*(?=\n|$)")  # 附件 alone on its line
_TOC = re.compile(r"(?<![^\n])[^\S\n]*目[^\S\n]*录[^\S\n]*(?=\n|$)")
_DATE_SEGMENT = re.compile(
    r"(?<!\S)(?:\d{4}年\d{1,2}月\d{1,2}日"
    r"|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日)(?=\s|$)"
)
_LINE_END = re.compile(r"[^\S\n]*(?:\n|$)")
_ADDRESSEE_END = re.compile(r"[：:](?=\s|$)")
# Addressees end in a body's name (各有关单位： 各省发展改革委： …办公厅（室）：), a page's chrome (时间: 发布者:) does not.
_ADDRESSEE = re.compile(
    r"(?:单位|部门|委|厅|局|部|办|室|府|院|会|司|处|行|校|所|中心|公司|集团|机构|同志)(?:[（(][^）)\s]{1,6}[）)])?[：:](?=\s|$)"
)
_LIST_ITEM = re.compile(r"(?<![^\s：:])(\d{1,2})[、.．]\s*")
_PARA_BREAK = re.compile(r"\n|[\u3000\xa0][^\S\n]*[\u3000\xa0]")  # a line break, or a run of indentation
_WS = re.compile(r"\s+")
_HEADING_CUT = re.compile(r"\s|[。；：:]")
_MAX_HEADING = 24
# Names of issuing bodies end in one of these; a further office line above the signature must, too.
_OFFICE_END = re.compile(r"(?:委|部|局|厅|办|室|院|署|会|行|府|处|司|中心|小组|公司|集团|社|所|站|馆|学|校|队)$")
_LEADING_NUMBER = re.compile(rf"^[（(]?(?:[{_CN}]{{1,3}}|\d{{1,3}})[、.．）)]")
_TITLE_END = re.compile(
    r"(?:通知|意见|办法|规定|方案|规划|决定|公告|通告|细则|规则|纲要|条例|计划|指南|批复|函|通报|决议|要点)[》」”]?$"
)
_MAX_LIST_TITLE = 80  # an unnumbered 附件 entry longer than this is prose, not a title
_MAX_GAP_WARNINGS = 20

SPECIAL_LABELS = {"header": "标题", "preamble": "引言", "attachments": "附件目录", "signature": "落款"}


def normalise_ws(text: str) -> str:
    """Collapse every whitespace run (NBSP and full-width spaces included) to one space."""
    return _WS.sub(" ", text).strip()


def _below_hundred(text: str) -> int:
    tens, ten, units = text.partition("十")
    if not ten:
        return _CN_DIGITS[text]
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def chinese_numeral(text: str) -> int:
    """Value of 一 … 九百九十九 (一百零一, 一百一十) or of Arabic digits as used in clause numbering;
    ValueError for anything else (二三, 十十, 零)."""
    if text.isdigit():
        return int(text)
    hundreds, hundred, rest = text.partition("百")
    try:
        if not hundred:
            return _below_hundred(text)
        value = _CN_DIGITS[hundreds] * 100
        if not rest:
            return value
        if rest[0] == "零":
            return value + _CN_DIGITS[rest[1:]]
        if "十" not in rest:  # 一百二 is colloquial and ambiguous
            raise KeyError(rest)
        return value + _below_hundred(rest)
    except KeyError:
        raise ValueError(f"not a clause number: {text!r}") from None


class _Level(NamedTuple):
    kind: str
    value: int
    shown: str  # as it reads in a label: 三, （四）, 第二章, 任务一, 专栏1
    written: str  # the marker as it stands in the text, for warnings: 三、 （四） 第二章


@dataclass
class _Event:
    """An accepted boundary: a clause's own text starts here."""

    pos: int
    body_pos: int  # where the text after the numbering marker starts
    id: str
    kind: str
    path: list[tuple[str, str]] = field(default_factory=list)  # (level kind, as shown in labels)
    root: str = "notice"
    end: int | None = None  # set where the clause does not simply run to the next event


def _shown(kind: str, raw: str, m: re.Match[str]) -> str:
    if kind in _BRACKETED:
        return f"（{raw}）"
    return {
        "part": f"第{raw}{m.group('part_word')}", "chap": f"第{raw}章", "sect": f"第{raw}节", "art": f"第{raw}条",
        "task": f"任务{raw}", "box": f"专栏{raw}",
    }.get(kind, raw)


def _segment(level: _Level) -> str:
    return f"box{level.value}" if level.kind == "box" else str(level.value)


def _root_label(root: str) -> str:
    return "正文" if root == "notice" else f"附件{root.removeprefix('annex')}"


@dataclass
class _Walk:
    """Mutable state while walking the marker candidates in order."""

    source: str
    root: str = "notice"
    stack: list[_Level] = field(default_factory=list)
    last: dict[str, _Level] = field(default_factory=dict)  # last chapter / article / box of the root
    in_attachment_list: bool = False
    attachments_seen: bool = False
    dated: bool = False  # a signature's date (after an office name or a 附件 list) since the last clause
    annex: int = 0  # number of the last annex opened: annexes only count upwards
    events: list[_Event] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    accepted: set[tuple[str, str, str, int]] = field(default_factory=set)
    gaps: list[tuple[tuple[str, str, str, int], int, str]] = field(default_factory=list)  # (key, pos, what)

    @property
    def warnings(self) -> list[str]:
        """Skipped numbers (二、 then 四、) that the text never fills in later: a 第五条 at a line start
        before 第四条 is a wrapped reference, not a gap."""
        gaps = [(pos, what) for key, pos, what in self.gaps if key not in self.accepted]
        out = [f"编号不连续：{what}（第{self.source.count(chr(10), 0, pos) + 1}行），未作为新条款切分"
               for pos, what in gaps[:_MAX_GAP_WARNINGS]]
        if len(gaps) > _MAX_GAP_WARNINGS:
            out.append(f"另有 {len(gaps) - _MAX_GAP_WARNINGS} 处编号不连续未逐一列出")
        return out

    def _key(self, kind: str, value: int) -> tuple[str, str, str, int]:
        """Identifies a number within its numbering: per parent, or per root for run-on kinds."""
        if kind in _RUN_ON:
            return self.root, kind, "", value
        kinds = [lv.kind for lv in self.stack]
        parent = self.stack[: kinds.index(kind)] if kind in kinds else self.stack
        return self.root, kind, ".".join(_segment(lv) for lv in parent), value

    def open_annex(self, number: int, pos: int, body_pos: int) -> None:
        self.annex = number
        self.root, self.stack, self.last, self.in_attachment_list = f"annex{number}", [], {}, False
        self.ids.add(self.root)
        self.events.append(_Event(pos, body_pos, self.root, "annex", root=self.root))

    def _base(self, kind: str, value: int) -> tuple[list[_Level] | None, _Level | None]:
        """The stack the new level goes on, or None when it does not continue the numbering; the
        second item is the level a skipped number follows (二、 … 四、), for the warning."""
        stack = self.stack
        if kind == "box":
            prev = self.last.get("box")
            expected = prev.value + 1 if prev else 1
            if value != expected:
                return None, prev if value > expected else None
            return (stack[:-1] if stack and stack[-1].kind == "box" else stack), None
        kinds = [lv.kind for lv in stack]
        if kind in kinds:
            i = kinds.index(kind)
            if value != stack[i].value + 1:
                return None, stack[i] if value > stack[i].value + 1 else None
            return stack[:i], None
        prev = self.last.get(kind) if kind in _RUN_ON else None
        if prev is not None:  # 第十三条 after 第二章 opened: articles run on
            if value != prev.value + 1:
                return None, prev if value > prev.value + 1 else None
            base = list(stack)
            while base and _RANK[base[-1].kind] >= _RANK[kind]:
                base.pop()
            return base, None
        if value != 1 or (stack and _RANK[kind] <= _RANK[stack[-1].kind]):
            return None, None
        return stack, None

    def take(self, m: re.Match[str], kind: str) -> None:
        raw = m.group(kind)
        try:
            value = chinese_numeral(raw)
        except ValueError:  # 二三、 or 十十、 in running text: not numbering
            return
        written = normalise_ws(m.group(0))
        base, gap_after = self._base(kind, value)
        if base is None:
            in_box = bool(self.stack) and self.stack[-1].kind == "box"  # a sidebar's own lists are its text
            if gap_after is not None and not in_box:
                what = f"{_root_label(self.root)}「{gap_after.written}」之后出现「{written}」"
                self.gaps.append((self._key(kind, gap_after.value + 1), m.start(), what))
            return
        stack = [*base, _Level(kind, value, _shown(kind, raw, m), written)]
        cid = f"{self.root}." + ".".join(_segment(lv) for lv in stack)
        if cid in self.ids:
            return
        self.accepted.add(self._key(kind, value))
        self.stack = stack
        self.ids.add(cid)
        if kind in _RUN_ON:
            self.last[kind] = stack[-1]
        self.dated = False
        path = [(lv.kind, lv.shown) for lv in stack]
        self.events.append(_Event(m.start(), m.end(), cid, kind, path, self.root))


def _walk(source: str, start: int = 0, end: int | None = None, *, implicit_annex: int | None = None,
          skip: tuple[int, int] | None = None) -> _Walk:
    """Pass 1: every marker candidate in reading order, accepted or not."""
    end = len(source) if end is None else end
    found: list[tuple[int, int, str, re.Match[str] | None]] = []
    found += [(m.start(), 0, "date", m) for m in _DATE_SEGMENT.finditer(source, start, end)]
    found += [(m.start(), 1, "marker", m) for m in _MARKER.finditer(source, start, end)]
    found += [(m.start(), 1, "bare", m) for m in _BARE_ANNEX.finditer(source, start, end)]
    if implicit_annex is not None:
        found.append((implicit_annex, -1, "implicit", None))
    found.sort(key=lambda f: (f[0], f[1]))
    walk = _Walk(source)
    for pos, _, what, m in found:
        if skip and skip[0] <= pos < skip[1]:
            continue
        if m is None:  # the start of a document printed below the issuing notice's signature
            walk.open_annex(walk.annex + 1, pos, pos)
        elif what == "date":
            if walk.root == "notice":  # the signature closes the 附件 list
                office = _token_before(source, start, m.start())
                signed = walk.in_attachment_list or (office is not None and _is_office(source[office[0] : office[1]]))
                walk.in_attachment_list, walk.dated = False, walk.dated or signed
        elif what == "bare":
            if walk.annex == 0 and (walk.dated or walk.in_attachment_list):
                walk.open_annex(1, m.start(), m.end())
        elif m.group("annex"):
            try:
                number = chinese_numeral(m.group("annex"))
            except ValueError:
                continue
            if number <= walk.annex:
                continue  # 附件1 again, or out of order: a mention, not a new annex
            walk.open_annex(number, m.start(), m.end())
        elif m.group("attach"):
            if walk.root == "notice" and not walk.in_attachment_list and not walk.attachments_seen:
                walk.in_attachment_list = walk.attachments_seen = True
                walk.events.append(_Event(m.start(), m.end(), "notice.attachments", "attachments"))
        else:
            kind = next(k for k in _RANK if m.group(k))
            if walk.in_attachment_list:
                if kind not in _REGULATION or m.group(kind) not in ("一", "1"):
                    continue
                walk.in_attachment_list = False  # 第一章 / 第一条 never stands in a 附件 list
            walk.take(m, kind)
    return walk


def _toc_range(source: str) -> tuple[int, int] | None:
    """A 目录 (table of contents) runs from its heading to where its first entry appears again."""
    toc = _TOC.search(source)
    if toc is None:
        return None
    first = next((m for m in _MARKER.finditer(source, toc.end()) if any(m.group(k) for k in _RANK)), None)
    if first is None:
        return None
    again = next((m for m in _MARKER.finditer(source, first.end()) if m.group(0) == first.group(0)), None)
    return (toc.start(), again.start()) if again else None


def _token_before(source: str, lo: int, pos: int) -> tuple[int, int] | None:
    """The whitespace-delimited token that ends in whitespace just before pos (not before lo)."""
    end = pos
    while end > lo and source[end - 1].isspace():
        end -= 1
    start = end
    while start > lo and not source[start - 1].isspace():
        start -= 1
    return (start, end) if start < end < pos else None


def _is_office(token: str) -> bool:
    return (len(token) <= 30 and bool(_OFFICE_END.search(token)) and not _LEADING_NUMBER.match(token)
            and not any(ch in token for ch in "。；，：:,;！？!?"))


def _signature(source: str, events: list[_Event], notice_end: int) -> _Event | None:
    """The signature (issuing office(s) + date) that closes the notice body."""
    body_events = [e for e in events if e.pos < notice_end]
    after = body_events[-1].body_pos if body_events else 0
    dates = list(_DATE_SEGMENT.finditer(source, after, notice_end))
    if not dates and body_events and body_events[-1].kind == "attachments":
        # 附件 list printed below the signature: the date stands between the last clause and the list
        numbered = [e for e in body_events if e.kind in _RANK]
        after = numbered[-1].body_pos if numbered else 0
        dates = list(_DATE_SEGMENT.finditer(source, after, body_events[-1].pos))
    if not dates:
        return None
    start = dates[-1].start()
    office = _token_before(source, after, start)
    if office and office[1] - office[0] <= 30 and not source[office[0] : office[1]].endswith(("。", "；")):
        start = office[0]
        for _ in range(4):  # more issuing bodies above it (a joint notice)
            more = _token_before(source, after, start)
            if more is None or not _is_office(source[more[0] : more[1]]):
                break
            start = more[0]
    return _Event(start, dates[-1].end(), "notice.signature", "signature")  # body_pos: the date's end


def _implicit_annex_start(source: str, walk: _Walk, skip: tuple[int, int] | None) -> int | None:
    """Where a document printed after the issuing notice's signature starts (关于印发《…办法》的通知 …
    现印发给你们 … office, date, then the 办法 itself with no 附件 heading), or None."""
    notice_end = next((e.pos for e in walk.events if e.kind == "annex"), len(source))
    listed = next((e.pos for e in walk.events if e.kind == "attachments"), None)
    numbered = [e.pos for e in walk.events if e.root == "notice" and e.kind in _RANK]
    tries, first_sentence_end = 3, source.find("。")
    for date in _DATE_SEGMENT.finditer(source, 0, notice_end):
        eol = _LINE_END.match(source, date.end(), notice_end)
        if eol is None:
            continue
        start = eol.end()
        while start < notice_end and source[start].isspace():
            start += 1
        if start >= notice_end:
            continue
        if listed is None or listed > date.start():
            # no 附件 list above: only an unnumbered covering text (with sentences) can be an issuing notice
            if any(p < date.start() for p in numbered) or not 0 <= first_sentence_end < date.start():
                continue
        office = _token_before(source, 0, date.start())
        if office is None or not _is_office(source[office[0] : office[1]]):
            continue
        tries -= 1
        if tries < 0:  # a notice is signed once or twice; more dated office lines are a table, not signatures
            return None
        fresh = _walk(source, start, notice_end, skip=skip)
        if sum(e.kind in _RANK for e in fresh.events) >= 2:
            return start
    return None


class ClauseParser:
    """Parses a notice (body, 附件 list, signature, annexes) into clauses."""

    version = PARSER_VERSION

    def parse(self, source: str) -> ParsedDocument:
        skip = _toc_range(source)
        walk = _walk(source, skip=skip)
        implicit = _implicit_annex_start(source, walk, skip)
        if implicit is not None:
            walk = _walk(source, implicit_annex=implicit, skip=skip)
        warnings = list(walk.warnings)
        notice_end = next((e.pos for e in walk.events if e.kind == "annex"), len(source))
        events = list(walk.events)
        signature = _signature(source, events, notice_end)
        if signature is not None:
            events = sorted([*events, signature], key=lambda e: e.pos)
        listed = _attachment_titles(source, events)
        if signature is not None and any(start > signature.pos for _, start, _ in listed.values()):
            signature.end = signature.body_pos  # the 附件 list goes on below the date: those titles are not the signature
        numbered = [e for e in events if e.kind in _RANK]
        structure = "regulation" if any(e.kind in _REGULATION for e in numbered) else "numbered"
        if len(numbered) <= 1:
            structure = "paragraphs"
            events = [e for e in events if e.kind not in _RANK]
            body_end = events[0].pos if events else len(source)
            header_end = _header_split(source, body_end)
            paragraphs = _paragraph_events(source, header_end, body_end)
            found = f"只识别到一处条款编号「{normalise_ws(source[numbered[0].pos : numbered[0].body_pos])}」" \
                if numbered else "未识别到条款编号"
            warnings.append(f"{found}，已按段落切分（共 {len(paragraphs)} 段）")
            clauses = self._front_matter(source, body_end, preamble=False)
            events = sorted([*paragraphs, *events], key=lambda e: e.pos)
        else:
            clauses = self._front_matter(source, events[0].pos)
        clauses += self._numbered(source, events, listed)
        clauses += self._annexes_without_content(listed, clauses)
        clauses.sort(key=_reading_order)
        clauses = _unique(clauses)
        _link(clauses)
        warnings += _annex_warnings(clauses, listed, implicit is not None)
        if signature is None and _ADDRESSEE_END.search(source[: events[0].pos if events else len(source)]):
            warnings.append("未识别到落款（发文机关和成文日期）")  # addressed like a notice, but not signed
        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
        return ParsedDocument(source_sha256=digest, clauses=clauses, structure=structure,
                              warnings=list(dict.fromkeys(warnings)))

    # -- pass 2: clauses -------------------------------------------------
    def _front_matter(self, source: str, end: int, preamble: bool = True) -> list[Clause]:
        """Header (title + addressees) and preamble: the text before the first clause."""
        split_at = _header_split(source, end)
        out = [_special(source, "notice.header", "header", 0, split_at)]
        if preamble and source[split_at:end].strip():
            out.append(_special(source, "notice.preamble", "preamble", split_at, end))
        return [c for c in out if c.text]

    def _numbered(self, source: str, events: list[_Event], listed: dict[int, tuple[str, int, int]]) -> list[Clause]:
        out = []
        for i, ev in enumerate(events):
            end = ev.end if ev.end is not None else (events[i + 1].pos if i + 1 < len(events) else len(source))
            if ev.kind in SPECIAL_LABELS:
                out.append(_special(source, ev.id, ev.kind, ev.pos, end))
            elif ev.kind == "annex":
                out.append(_annex_root(source, ev, end, listed))
            elif ev.kind == "para":
                out.append(_paragraph(source, ev, end))
            else:
                out.append(_numbered_clause(source, ev, end))
        return out

    def _annexes_without_content(self, listed: dict[int, tuple[str, int, int]], clauses: list[Clause]) -> list[Clause]:
        """An annex named in the 附件 list but absent from the text still gets a clause, marked empty."""
        present = {c.id for c in clauses}
        out = []
        for number, (title, start, end) in listed.items():
            cid = f"annex{number}"
            if cid in present:
                continue
            out.append(
                Clause(
                    id=cid, parent=None, level=0, label=f"附件{number} {title}", marker=f"附件{number}",
                    heading=title, text=title, start=start, end=end, content_provided=False,
                )
            )
        return out


def _header_split(source: str, end: int) -> int:
    """Where the header (title, document number, addressees ending in ：) stops."""
    region = source[:end]
    split = _ADDRESSEE.search(region) or _ADDRESSEE_END.search(region)
    if split is not None:
        return split.end()
    line_end = region.find("\n")
    return line_end if 0 < line_end < len(region.strip()) else len(region)


def _paragraph_events(source: str, start: int, end: int) -> list[_Event]:
    out: list[_Event] = []
    cuts = [(m.start(), m.end()) for m in _PARA_BREAK.finditer(source, start, end)]
    bounds = zip([start, *(e for _, e in cuts)], [*(s for s, _ in cuts), end], strict=True)
    for lo, hi in bounds:
        lo, hi = _trimmed(source, lo, hi)
        if lo < hi:
            out.append(_Event(lo, lo, f"notice.p{len(out) + 1}", "para", end=hi))
    return out


def _trimmed(source: str, start: int, end: int) -> tuple[int, int]:
    while start < end and source[start].isspace():
        start += 1
    while end > start and source[end - 1].isspace():
        end -= 1
    return start, end


def _title_of(header: str) -> str:
    """The header's title line: the first that ends like a document title (…的通知), else the first."""
    lines = [normalise_ws(line) for line in header.split("\n")]
    lines = [line for line in lines if line]
    return next((line for line in lines if len(line) <= 80 and _TITLE_END.search(line)), lines[0] if lines else "")


def _special(source: str, cid: str, kind: str, start: int, end: int) -> Clause:
    start, end = _trimmed(source, start, end)
    text = normalise_ws(source[start:end])
    heading = SPECIAL_LABELS[kind]
    if kind == "header":
        heading = _title_of(source[start:end]) or heading
    return Clause(
        id=cid, level=1, label=f"正文 {SPECIAL_LABELS[kind]}", marker=f"正文 {SPECIAL_LABELS[kind]}",
        heading=heading, text=text, start=start, end=end,
    )


def _heading_of(body: str) -> str:
    body = body.strip()
    cut = _HEADING_CUT.search(body)
    heading = body[: cut.start()] if cut else body
    if len(heading) > _MAX_HEADING and "，" in heading[: _MAX_HEADING + 1]:
        heading = heading[: heading.index("，")]
    if len(heading) > _MAX_HEADING:
        heading = heading[: _MAX_HEADING - 1] + "…"
    return heading


def _path_text(path: list[tuple[str, str]]) -> str:
    """三（四）1 for outline numbering (but 二 1); words are spaced: 第二章 第十二条（一）, 三 任务一, 二（一） 专栏1."""
    text, prev = "", None
    for kind, shown in path:
        spaced = kind in _WORDS or prev in _WORDS or (prev, kind) == ("l1", "l3")  # 二 1, not 二1
        if prev is not None and spaced and kind not in _BRACKETED:
            text += " "
        text, prev = text + shown, kind
    return text


def _numbered_clause(source: str, ev: _Event, end: int) -> Clause:
    start, end = _trimmed(source, ev.pos, end)
    heading = _heading_of(source[ev.body_pos : end])
    kinds = [k for k, _ in ev.path]
    last_kind = kinds[-1]
    root = _root_label(ev.root)
    if not any(k in _WORDS for k in kinds):
        marker = f"{root} {_path_text(ev.path)}"
        separator = "、" if last_kind == "l1" else (" " if last_kind == "l3" else "")
        label = f"{marker}{separator}{heading}"
    else:
        # Sidebars, articles and chapters are cited by their own number, which runs through the document:
        # 第十二条（一）, not 第二章 第十二条（一）.
        own = [i for i, k in enumerate(kinds) if k in _RUN_ON]
        cited = ev.path[own[-1] :] if own else ev.path
        marker = f"{root} {_path_text(cited)}"
        full = f"{root} {_path_text(ev.path)}"
        separator = "、" if last_kind == "l1" else ("" if last_kind in _BRACKETED else " ")
        label = f"{full}{separator}{heading}" if heading else full
    return Clause(
        id=ev.id, parent=ev.id.rsplit(".", 1)[0] if ev.id.count(".") > 1 or ev.root != "notice" else None,
        level=ev.id.count("."), label=label, marker=marker, heading=heading,
        text=normalise_ws(source[start:end]), start=start, end=end,
    )


def _paragraph(source: str, ev: _Event, end: int) -> Clause:
    start, end = _trimmed(source, ev.pos, end)
    n = ev.id.removeprefix("notice.p")
    heading = _heading_of(source[start:end])
    return Clause(
        id=ev.id, level=1, label=f"正文 第{n}段 {heading}".rstrip(), marker=f"正文 第{n}段", heading=heading,
        text=normalise_ws(source[start:end]), start=start, end=end,
    )


def _annex_root(source: str, ev: _Event, end: int, listed: dict[int, tuple[str, int, int]]) -> Clause:
    start, end = _trimmed(source, ev.pos, end)
    number = int(ev.root.removeprefix("annex"))
    body = source[ev.body_pos : end].strip()
    title = listed[number][0] if number in listed else normalise_ws(body.split("\n")[0])
    return Clause(
        id=ev.root, level=0, label=f"附件{number} {title}", marker=f"附件{number}", heading=title,
        text=normalise_ws(source[start:end]), start=start, end=end,
    )


def _attachment_titles(source: str, events: list[_Event]) -> dict[int, tuple[str, int, int]]:
    """Annex number -> (title, start, end) from the 附件： list in the body."""
    ev = next((e for e in events if e.kind == "attachments"), None)
    if ev is None:
        return {}
    nxt = [e.pos for e in events if e.pos > ev.pos]
    end = nxt[0] if nxt else len(source)
    items = list(_LIST_ITEM.finditer(source, ev.body_pos, end))
    titles: dict[int, tuple[str, int, int]] = {}
    if not items:  # 附件：《…办法》 — one title, or one per line, without numbers
        pos = ev.body_pos
        for line in source[ev.body_pos : end].split("\n"):
            t_start, t_end = _trimmed(source, pos, pos + len(line))
            pos += len(line) + 1
            if t_start == t_end:
                continue
            if t_end - t_start > _MAX_LIST_TITLE or len(titles) == 9:
                break
            titles[len(titles) + 1] = (normalise_ws(source[t_start:t_end]), t_start, t_end)
        return titles
    for i, item in enumerate(items):
        stop = items[i + 1].start() if i + 1 < len(items) else end
        t_start, t_end = _trimmed(source, item.end(), stop)
        titles[int(item.group(1))] = (normalise_ws(source[t_start:t_end]), t_start, t_end)
    signature = next((e for e in events if e.pos == end and e.kind == "signature"), None)
    if signature is not None:  # the list goes on below the signature (2、… 3、… after the date)
        after = [e.pos for e in events if e.pos > signature.pos]
        stop = after[0] if after else len(source)
        for item in _LIST_ITEM.finditer(source, signature.body_pos, stop):
            line_start = source.rfind("\n", signature.body_pos, item.start()) + 1 or signature.body_pos
            if int(item.group(1)) != max(titles) + 1 or source[line_start : item.start()].strip():
                break
            line_end = source.find("\n", item.end(), stop)
            t_start, t_end = _trimmed(source, item.end(), stop if line_end < 0 else line_end)
            titles[int(item.group(1))] = (normalise_ws(source[t_start:t_end]), t_start, t_end)
    return titles


def _annex_warnings(clauses: list[Clause], listed: dict[int, tuple[str, int, int]], implicit: bool) -> list[str]:
    out = []
    for c in clauses:
        if c.level != 0:
            continue
        number = int(c.id.removeprefix("annex"))
        if not c.content_provided:
            out.append(f"附件{number}（{c.heading}）只在附件目录中列出，原文未附正文")
        elif implicit and number == 1:
            out.append(f"落款之后的文本按附件1（{c.heading}）处理")
        elif number not in listed:
            out.append(f"附件{number}（{c.heading}）未见于正文的“附件：”目录")
    return out


def _reading_order(clause: Clause) -> tuple[int, int, int]:
    # Annexes whose content is missing sort after everything that the text contains.
    return (0 if clause.id.startswith("notice") else int(clause.id.split(".")[0].removeprefix("annex")),
            0 if clause.content_provided else 1, clause.start)


def _unique(clauses: list[Clause]) -> list[Clause]:
    seen: set[str] = set()
    out = []
    for c in clauses:
        if c.id not in seen:
            seen.add(c.id)
            out.append(c)
    return out


def _link(clauses: list[Clause]) -> None:
    """Fill parent, children and the ancestor heading chain."""
    by_id = {c.id: c for c in clauses}
    for c in clauses:
        if c.parent is not None and c.parent not in by_id:
            c.parent = None
        if c.parent:
            by_id[c.parent].children.append(c.id)
    for c in clauses:
        chain, p = [], c.parent
        while p:
            chain.insert(0, by_id[p].heading)
            p = by_id[p].parent
        c.headings = chain
