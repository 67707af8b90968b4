"""ClauseParser: splits a Chinese official notice into addressable clauses.

The numbering of official documents is hierarchical (一、 > （一） > 1、/1. > （1）).
A marker only counts when it stands after whitespace (or a line start) and
continues the numbering already open, so digits inside sentences never open
clauses. Nothing here knows this particular notice's offsets or sentences.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from corpus.models import Clause, ParsedDocument

PARSER_VERSION = "2"

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_RANK = {"l1": 1, "l2": 2, "l3": 3, "l4": 4}

_MARKER = re.compile(
    r"(?<!\S)(?:"
    r"(?P<l1>[一二三四五六七八九十]{1,3})、"
    r"|[（(](?P<l2>[一二三四五六七八九十]{1,3})[）)]"
    r"|(?P<l3>\d{1,2})(?:、|[.．](?!\d))"
    r"|[（(](?P<l4>\d{1,2})[）)]"
    r"|(?P<attach>附件[：:])"
    r"|附件\s*(?P<annex>\d{1,2})(?=\s|$)"
    r")"
)
_DATE_SEGMENT = re.compile(r"(?<!\S)\d{4}年\d{1,2}月\d{1,2}日(?=\s|$)")
_ADDRESSEE_END = re.compile(r"[：:](?=\s|$)")
_LIST_ITEM = re.compile(r"(?<![^\s：:])(\d{1,2})[、.．]\s*")
_WS = re.compile(r"\s+")
_HEADING_CUT = re.compile(r"\s|[。；：:]")
_MAX_HEADING = 24

SPECIAL_LABELS = {"header": "标题", "preamble": "引言", "attachments": "附件目录", "signature": "落款"}


def normalise_ws(text: str) -> str:
    """Collapse every whitespace run (NBSP and full-width spaces included) to one space."""
    return _WS.sub(" ", text).strip()


def chinese_numeral(text: str) -> int:
    """Value of 一 … 九十九 as used in clause numbering; ValueError for anything else (二三, 十十)."""
    if text.isdigit():
        return int(text)
    tens, ten, units = text.partition("十")
    try:
        if not ten:
            return _CN_DIGITS[text]
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    except KeyError:
        raise ValueError(f"not a clause number: {text!r}") from None


@dataclass
class _Event:
    """An accepted boundary: a clause's own text starts here."""

    pos: int
    body_pos: int  # where the text after the numbering marker starts
    id: str
    kind: str
    path: list[tuple[str, str]] = field(default_factory=list)  # (level kind, numeral as written)
    root: str = "notice"


@dataclass
class _Walk:
    """Mutable state while walking the marker candidates in order."""

    root: str = "notice"
    stack: list[tuple[str, int, str]] = field(default_factory=list)
    in_attachment_list: bool = False
    annex: int = 0  # number of the last annex opened: annexes only count upwards
    events: list[_Event] = field(default_factory=list)

    def accept_number(self, kind: str, raw: str) -> bool:
        try:
            value = chinese_numeral(raw)
        except ValueError:  # 二三、 or 十十、 in running text: not numbering
            return False
        kinds = [k for k, _, _ in self.stack]
        if kind in kinds:
            i = kinds.index(kind)
            if value != self.stack[i][1] + 1:
                return False
            del self.stack[i:]
        elif value != 1 or (self.stack and _RANK[kind] <= _RANK[self.stack[-1][0]]):
            return False
        self.stack.append((kind, value, raw))
        return True


class ClauseParser:
    """Parses a notice (body, 附件 list, signature, annexes) into clauses."""

    version = PARSER_VERSION

    def parse(self, source: str) -> ParsedDocument:
        walk = self._walk_markers(source)
        notice_end = next((e.pos for e in walk.events if e.kind == "annex"), len(source))
        events = self._with_signature(source, walk.events, notice_end)
        clauses = self._front_matter(source, events)
        clauses += self._numbered(source, events)
        clauses += self._annexes_without_content(source, events, clauses)
        clauses.sort(key=_reading_order)
        _link(clauses)
        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
        return ParsedDocument(source_sha256=digest, clauses=clauses)

    # -- pass 1: markers -------------------------------------------------
    def _walk_markers(self, source: str) -> _Walk:
        walk = _Walk()
        for m in _MARKER.finditer(source):
            if m.group("annex"):
                if int(m.group("annex")) <= walk.annex:
                    continue  # 附件1 again, or out of order: a mention, not a new annex
                walk.annex = int(m.group("annex"))
                walk.root, walk.stack, walk.in_attachment_list = f"annex{walk.annex}", [], False
                walk.events.append(_Event(m.start(), m.end(), walk.root, "annex", root=walk.root))
            elif m.group("attach"):
                if walk.root == "notice" and not walk.in_attachment_list:
                    walk.in_attachment_list = True
                    walk.events.append(_Event(m.start(), m.end(), "notice.attachments", "attachments"))
            elif not walk.in_attachment_list:
                kind = next(k for k in _RANK if m.group(k))
                if walk.accept_number(kind, m.group(kind)):
                    numbers = ".".join(str(v) for _, v, _ in walk.stack)
                    path = [(k, raw) for k, _, raw in walk.stack]
                    walk.events.append(_Event(m.start(), m.end(), f"{walk.root}.{numbers}", kind, path, walk.root))
        return walk

    def _with_signature(self, source: str, events: list[_Event], notice_end: int) -> list[_Event]:
        """Insert the signature (issuing office + date) that closes the notice body."""
        body_events = [e for e in events if e.pos < notice_end]
        after = body_events[-1].body_pos if body_events else 0
        dates = [m for m in _DATE_SEGMENT.finditer(source, after, notice_end)]
        if not dates:
            return events
        date = dates[-1]
        start = date.start()
        office = re.search(r"(\S+)\s+$", source[after : date.start()])
        if office and len(office.group(1)) <= 30 and not office.group(1).endswith(("。", "；")):
            start = after + office.start(1)
        signature = _Event(start, start, "notice.signature", "signature")
        return sorted([*events, signature], key=lambda e: e.pos)

    # -- pass 2: clauses -------------------------------------------------
    def _front_matter(self, source: str, events: list[_Event]) -> list[Clause]:
        """Header (title + addressees) and preamble: the text before the first clause."""
        end = events[0].pos if events else len(source)
        region = source[:end]
        split = _ADDRESSEE_END.search(region)
        if split is None:
            line_end = region.find("\n")
            split_at = line_end if 0 < line_end < len(region.strip()) else len(region)
        else:
            split_at = split.end()
        out = [_special(source, "notice.header", "header", 0, split_at)]
        if region[split_at:].strip():
            out.append(_special(source, "notice.preamble", "preamble", split_at, end))
        return [c for c in out if c.text]

    def _numbered(self, source: str, events: list[_Event]) -> list[Clause]:
        out = []
        for i, ev in enumerate(events):
            end = events[i + 1].pos if i + 1 < len(events) else len(source)
            if ev.kind in SPECIAL_LABELS:
                out.append(_special(source, ev.id, ev.kind, ev.pos, end))
            elif ev.kind == "annex":
                out.append(_annex_root(source, ev, end, _attachment_titles(source, events)))
            else:
                out.append(_numbered_clause(source, ev, end))
        return out

    def _annexes_without_content(self, source: str, events: list[_Event], clauses: list[Clause]) -> list[Clause]:
        """An annex named in the 附件 list but absent from the text still gets a clause, marked empty."""
        present = {c.id for c in clauses}
        out = []
        for number, (title, start, end) in _attachment_titles(source, events).items():
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


def _trimmed(source: str, start: int, end: int) -> tuple[int, int]:
    while start < end and source[start].isspace():
        start += 1
    while end > start and source[end - 1].isspace():
        end -= 1
    return start, end


def _special(source: str, cid: str, kind: str, start: int, end: int) -> Clause:
    start, end = _trimmed(source, start, end)
    text = normalise_ws(source[start:end])
    heading = SPECIAL_LABELS[kind]
    if kind == "header":
        heading = normalise_ws(source[start:end].split("\n")[0]) or heading
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
    parts = []
    for kind, raw in path:
        parts.append(f"（{raw}）" if kind in ("l2", "l4") else raw)
    return "".join(parts)


def _root_label(root: str) -> str:
    return "正文" if root == "notice" else f"附件{root.removeprefix('annex')}"


def _numbered_clause(source: str, ev: _Event, end: int) -> Clause:
    start, end = _trimmed(source, ev.pos, end)
    path = _path_text(ev.path)
    marker = f"{_root_label(ev.root)} {path}"
    heading = _heading_of(source[ev.body_pos : end])
    last_kind = ev.path[-1][0]
    separator = "、" if last_kind == "l1" else (" " if last_kind == "l3" else "")
    return Clause(
        id=ev.id, parent=ev.id.rsplit(".", 1)[0] if ev.id.count(".") > 1 or ev.root != "notice" else None,
        level=ev.id.count("."), label=f"{marker}{separator}{heading}", marker=marker, heading=heading,
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
    titles = {}
    for i, item in enumerate(items):
        stop = items[i + 1].start() if i + 1 < len(items) else end
        t_start, t_end = _trimmed(source, item.end(), stop)
        titles[int(item.group(1))] = (normalise_ws(source[t_start:t_end]), t_start, t_end)
    return titles


def _reading_order(clause: Clause) -> tuple[int, int, int]:
    # Annexes whose content is missing sort after everything that the text contains.
    return (0 if clause.id.startswith("notice") else int(clause.id.split(".")[0].removeprefix("annex")),
            0 if clause.content_provided else 1, clause.start)


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
