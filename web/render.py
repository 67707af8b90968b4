"""HTML for the web UI: chat messages, citation cards and the notice view.

Every piece of user text, answer text and notice text goes through
``html.escape`` here; callers never build HTML themselves. The output is kept
on one line so that Gradio's Markdown renderer treats each message as a
single raw HTML block and never re-interprets its contents as Markdown.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from corpus.models import Clause
from retrieval.documents import NOT_PROVIDED
from retrieval.summary import SUMMARY_PREFIX, with_summary_line

PENDING_TEXT = "正在查阅通知原文……"


def esc(text: str) -> str:
    """Escape text for HTML element content and attribute values."""
    return html.escape(text or "", quote=True)


def esc_lines(text: str) -> str:
    """Escape text and turn newlines into <br> (no raw newlines survive)."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>".join(esc(line) for line in lines)


def clause_anchor(clause_id: str) -> str:
    """The HTML id of a clause in the notice view."""
    return f"clause-{clause_id}"


def quote_span(text: str, quote: str, start: int | None, end: int | None) -> tuple[int, int] | None:
    """Where the quote sits in the clause text: the given offsets when they match, else a search."""
    if start is not None and end is not None and 0 <= start < end <= len(text) and text[start:end] == quote:
        return start, end
    if quote:
        found = text.find(quote)
        if found >= 0:
            return found, found + len(quote)
    return None


def highlight(text: str, spans: Iterable[tuple[int, int]], keys: Iterable[tuple[int, int]] = ()) -> str:
    """Escaped text with each span wrapped in <mark>, and the 要点 line's spans (keys) in <mark class="qa-key">."""
    quoted, key = [False] * len(text), [False] * len(text)
    for marks, ranges in ((quoted, spans), (key, keys)):
        for s, e in ranges:
            for i in range(max(0, s), min(len(text), e)):
                marks[i] = True
    out: list[str] = []
    pos = 0
    while pos < len(text):
        state = (key[pos], quoted[pos])
        end = pos
        while end < len(text) and (key[end], quoted[end]) == state:
            end += 1
        chunk = esc_lines(text[pos:end])
        out.append(f'<mark class="qa-key">{chunk}</mark>' if state[0] else f"<mark>{chunk}</mark>" if state[1] else chunk)
        pos = end
    return "".join(out)


def render_question(question: str) -> str:
    """A user's chat message."""
    return f'<div class="qa-question">{esc_lines(question)}</div>'


def render_pending(partial: str = "") -> str:
    """The assistant message while the answer streams in (empty: still looking it up)."""
    if not partial:
        return f'<div class="qa-answer qa-pending"><div class="qa-text">{esc(PENDING_TEXT)}</div></div>'
    return f'<div class="qa-answer qa-streaming"><div class="qa-text">{esc_lines(partial)}</div></div>'


def _group_citations(citations: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """Citations grouped by clause, in first-cited order."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for c in citations:
        groups.setdefault(str(c.get("id", "")), []).append(c)
    return list(groups.items())


def render_card(clause_id: str, citations: Sequence[Mapping[str, Any]], clause: Clause | None,
                keys: Sequence[tuple[int, int]] = ()) -> str:
    """One collapsible citation card: label, ID, quote; opened, the clause with the quote marked."""
    label = str(citations[0].get("label") or (clause.label if clause else clause_id))
    quotes = [str(c.get("quote", "")) for c in citations]
    summary = (
        f'<summary><span class="qa-card-label">{esc(label)}</span>'
        f'<code class="qa-card-id">{esc(clause_id)}</code>'
        f'<span class="qa-card-quote">{"".join(f"「{esc(q)}」" for q in quotes)}</span></summary>'
    )
    found: list[tuple[int, int]] = []
    if clause is None:
        body = f'<div class="qa-card-body">{"".join(f"<mark>{esc(q)}</mark>" for q in quotes)}</div>'
    else:
        spans = [quote_span(clause.text, str(c.get("quote", "")), c.get("start"), c.get("end")) for c in citations]
        found = [s for s in spans if s]
        body = f'<div class="qa-card-body">{highlight(clause.text, found, keys)}</div>'
        if not clause.content_provided:
            body += f'<div class="qa-not-provided">{esc(NOT_PROVIDED)}</div>'
    # The quotes and the 要点 spans travel in the link's fragment (the chat's HTML sanitiser drops data-
    # attributes), so the notice tab marks them in the clause too: #clause-<id>&q=s-e;s-e&k=s-e.
    link = (
        f'<a class="qa-clause-link" href="#{esc(clause_anchor(clause_id))}&amp;q={_ranges(found)}&amp;k={_ranges(keys)}"'
        f' data-clause="{esc(clause_id)}">在通知原文中查看 {esc(clause_id)} ›</a>'
    )
    return f'<details class="qa-card" data-clause="{esc(clause_id)}">{summary}{body}{link}</details>'


def _ranges(spans: Iterable[tuple[int, int]]) -> str:
    """Offsets as an attribute value: start-end;start-end."""
    return ";".join(f"{int(a)}-{int(b)}" for a, b in spans)


def render_cards(citations: Sequence[Mapping[str, Any]], clauses: Mapping[str, Clause],
                 summary_spans: Sequence[Mapping[str, Any]] = ()) -> str:
    """All citation cards of one answer ('' when it cites nothing); the 要点 line's spans are marked in them."""
    if not citations:
        return ""
    keys: dict[str, list[tuple[int, int]]] = {}
    for s in summary_spans:
        keys.setdefault(str(s.get("id")), []).append((int(s.get("start", 0)), int(s.get("end", 0))))
    cards = "".join(render_card(cid, group, clauses.get(cid), keys.get(cid, ()))
                    for cid, group in _group_citations(citations))
    return f'<div class="qa-cards"><div class="qa-cards-title">引用条款（点击展开原文）</div>{cards}</div>'


def render_answer(answer: Mapping[str, Any], clauses: Mapping[str, Clause]) -> str:
    """A finished assistant message: the answer text, then its citation cards."""
    status = "qa-not-found" if answer.get("status") == "not_found" else "qa-answered"
    body = str(answer.get("answer", ""))
    summary = answer.get("summary")
    lead = ""
    if summary:  # the 要点 line in bold above the quotes (the text's own first line is that line)
        lead = f'<div class="qa-summary"><strong>{esc(SUMMARY_PREFIX + str(summary))}</strong></div>'
        body = with_summary_line(body, None)
    text = f'<div class="qa-text">{lead}{esc_lines(body)}</div>'
    cards = render_cards(answer.get("citations") or [], clauses, answer.get("summary_spans") or [])
    return f'<div class="qa-answer {status}">{text}{cards}</div>'


def stream_prefixes(text: str, chunk: int = 4) -> Iterator[str]:
    """Growing prefixes of the text, chunk characters at a time, ending with the whole text."""
    if chunk < 1:
        raise ValueError("chunk must be positive")
    for end in range(chunk, len(text), chunk):
        yield text[:end]
    yield text


def _part(clause_id: str) -> str:
    return clause_id.split(".", 1)[0]


def part_title(part: str) -> str:
    """通知正文 for the body, 附件N for annexN."""
    return "通知正文" if part == "notice" else f"附件{part.removeprefix('annex')}" if part.startswith("annex") else part


def _short_label(clause: Clause) -> str:
    """The label without its part prefix (正文 / 附件1), which the section title already shows."""
    head, _, rest = clause.label.partition(" ")
    return rest if rest and (head == "正文" or head.startswith("附件")) else clause.label


def _heading_only(clause: Clause) -> bool:
    return "。" not in clause.text and len(clause.text) <= len(clause.heading) + 8


def render_clause(clause: Clause) -> str:
    """One clause in the notice view: an anchored heading (by level) with its ID, then its text."""
    level = min(max(clause.level, 0) + 2, 6)
    heading = (
        f'<h{level} class="clause-heading">{esc(_short_label(clause))}'
        f'<code class="clause-id">{esc(clause.id)}</code></h{level}>'
    )
    body = ""
    if not clause.content_provided:
        body = f'<p class="clause-text">{esc_lines(clause.text)}</p><p class="clause-missing">{esc(NOT_PROVIDED)}</p>'
    elif not _heading_only(clause):
        body = f'<p class="clause-text">{esc_lines(clause.text)}</p>'
    missing = " clause-not-provided" if not clause.content_provided else ""
    return (
        f'<section class="clause level-{clause.level}{missing}" id="{esc(clause_anchor(clause.id))}" '
        f'data-clause="{esc(clause.id)}">{heading}{body}</section>'
    )


def render_notice(clauses: Sequence[Clause]) -> str:
    """The whole notice and its annexes, in reading order, one anchored block per clause."""
    parts: list[str] = []
    current: str | None = None
    for clause in clauses:
        part = _part(clause.id)
        if part != current:
            if current is not None:
                parts.append("</div>")
            title = part_title(part)
            parts.append(f'<div class="notice-part" id="part-{esc(part)}"><div class="notice-part-title">{esc(title)}</div>')
            current = part
        parts.append(render_clause(clause))
    if current is not None:
        parts.append("</div>")
    return f'<div class="notice-view">{"".join(parts)}</div>'


def clause_choices(clauses: Sequence[Clause]) -> list[tuple[str, str]]:
    """(label, id) pairs for the jump-to-clause selector."""
    return [(f"{c.id}  {c.label}", c.id) for c in clauses]
