"""Structural references: "大纲第五部分", "基本原则第一条", "第三个" -> a clause ID.

Applicants refer to parts of the notice by position. The scope is the clause
whose heading the question names (or the clause a previous turn was about);
the ordinal picks that clause's N-th child. Nothing here names a clause ID.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from corpus.models import Clause
from corpus.parser import chinese_numeral
from retrieval.text import fold

LAST = -1  # "最后一个" / "the last one": counted from the end
_ORDINAL = re.compile(r"第\s*([一二三四五六七八九十]{1,3}|\d{1,2})\s*(部分|条|项|个|点|小节|节|方面|类|章|段|款)?")
_ANNEX = re.compile(r"(?:附件|annex|attachment)\s*([一二三四五六七八九]|\d{1,2})")
_ENGLISH_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
_ENGLISH_ORDINAL = re.compile(r"\b(first|second|third|fourth|fifth|sixth)\b")
# "last" alone is too common ("last year"): only with the noun it counts.
_ENGLISH_LAST = re.compile(r"\blast\s+(one|aspect|part|section|item|point|principle|category)\b")
_ENGLISH_NUMBERED = re.compile(r"\b(section|part|chapter|item|point|aspect|principle|category)\s+(\d{1,2})\b")
# An article, chapter or section cited by its own number (第十二条, 第三章): regulations number them as written.
_CITED = re.compile(r"第\s*([一二三四五六七八九十百零]{1,6}|\d{1,3})\s*(条|章|节)")
_SUB_UNITS = ("项", "款", "点", "个")  # 第十二条第一项: counted within the article
_LAST = re.compile(r"最后(?:一)?\s*(部分|条|项|个|点|小节|节|方面|类|章|段|款)")


class Ordinal(NamedTuple):
    n: int
    unit: str  # 部分 / 节 / 个 …; "" when the question gives none


def ordinals_of(question: str) -> list[Ordinal]:
    """Every positional reference, in reading order: "第二部分的第二节" -> [(2, 部分), (2, 节)]."""
    q = fold(question)
    found = [(m.start(), Ordinal(chinese_numeral(m.group(1)), m.group(2) or "")) for m in _ORDINAL.finditer(q)]
    found += [(m.start(), Ordinal(LAST, m.group(1))) for m in _LAST.finditer(q)]
    found += [(m.start(), Ordinal(int(m.group(2)), m.group(1))) for m in _ENGLISH_NUMBERED.finditer(q)]
    found += [(m.start(), Ordinal(_ENGLISH_ORDINALS[m.group(1)], "")) for m in _ENGLISH_ORDINAL.finditer(q)]
    found += [(m.start(), Ordinal(LAST, "")) for m in _ENGLISH_LAST.finditer(q)]
    return [o for _, o in sorted(found)]


def ordinal_of(question: str) -> int | None:
    found = ordinals_of(question)
    return found[0].n if found else None


def _cited_key(m: re.Match[str]) -> tuple[str, int] | None:
    try:
        return m.group(2), chinese_numeral(m.group(1))
    except ValueError:
        return None


HEAD_CHARS = 4  # a Chinese noun phrase ends in its head: 实施方案 names 重点项目实施方案


def _names(question: str, heading: str) -> bool:
    return heading in question or (len(heading) > HEAD_CHARS and heading[-HEAD_CHARS:] in question)


class StructureResolver:
    """Finds the clause a positional reference points to."""

    def __init__(self, clauses: dict[str, Clause], part_aliases: dict[str, list[str]] | None = None) -> None:
        self.clauses = clauses
        # Words that name a whole part rather than a clause heading (the term lists' ``parts``).
        self.part_aliases = {root: [fold(w) for w in words] for root, words in (part_aliases or {}).items()
                             if root == "notice" or root in clauses}
        self._roots = {"notice": [c.id for c in clauses.values() if c.id.startswith("notice.") and c.id.count(".") == 1
                                  and c.id.split(".")[1].isdigit()]}
        for cid, c in clauses.items():
            if c.level == 0:
                self._roots[cid] = c.children
        # (unit, number) -> clauses whose citation marker ends with it (正文 第十二条 -> ("条", 12)).
        self._cited: dict[tuple[str, int], list[str]] = {}
        for cid, c in clauses.items():
            found = list(_CITED.finditer(c.marker))
            if found and found[-1].end() == len(c.marker.rstrip()):
                key = _cited_key(found[-1])
                if key is not None:
                    self._cited.setdefault(key, []).append(cid)

    def scope_of(self, question: str) -> str | None:
        """The deepest clause with children whose heading (or a root alias) the question names."""
        q = fold(question)
        named = [c for c in self.clauses.values() if c.children and len(c.heading) >= 2 and _names(q, fold(c.heading))]
        if named:
            return max(named, key=lambda c: (c.level, len(c.heading))).id
        for root, aliases in self.part_aliases.items():
            if any(a in q for a in aliases):
                return root
        annex = self.annex_named(q)  # "section 6 of annex 1"
        return annex if annex and self.clauses[annex].children else None

    def resolve(self, question: str, context_scope: str | None = None) -> str | None:
        refs = ordinals_of(question)
        if not refs:
            return self.annex_named(question)
        cited = self.cited(question)
        if cited is not None:
            inner = next((r for r in refs if r.unit in _SUB_UNITS), None)
            return (self._nth(cited, inner.n) if inner else None) or cited
        scope = self.scope_of(question) or context_scope
        if scope is None:
            return None
        return self._walk(scope, refs)

    def _walk(self, scope: str, refs: list[Ordinal]) -> str | None:
        """Follow ordinals down the tree. A later ordinal with the same unit replaces the earlier one
        (第四部分 … 那第五部分呢); one with another unit counts within it (第二部分的第二节)."""
        owner, node, unit = scope, None, None
        for ref in refs:
            if node is not None and ref.unit != unit and self._children(node):
                owner = node
            node, unit = self._nth(owner, ref.n), ref.unit
            if node is None:
                return None
        return node

    def cited(self, question: str) -> str | None:
        """The clause a question cites by its own number (第十二条 -> the article numbered so), if the notice has one;
        within a named annex when the question names one."""
        q = fold(question)
        for m in _CITED.finditer(q):
            if q[max(0, m.start() - 1):m.start()] in ("》", ">"):  # 《条例》第三十三条: another document's article
                continue
            hits = self._cited.get(_cited_key(m) or ("", 0), [])
            if hits:
                annex = self.annex_named(question)
                within = [h for h in hits if annex and (h == annex or h.startswith(annex + "."))]
                return (within or hits)[0]
        return None

    def _children(self, cid: str) -> list[str]:
        return self._roots.get(cid) or (self.clauses[cid].children if cid in self.clauses else [])

    def _nth(self, cid: str, n: int) -> str | None:
        children = self._children(cid)
        if n == LAST:
            return children[-1] if children else None
        return children[n - 1] if 0 < n <= len(children) else None

    def spell_out(self, question: str, context_scope: str) -> str:
        """The question with its ordinal replaced by what it points to: 第一类 -> that clause's heading.

        Retrieval then matches the question's other words against the right topic
        (第一类对承担企业有啥要求 -> the requirements clause that names the first category).
        """
        target = self.resolve(question, context_scope)
        if target is None:
            return question
        return _ORDINAL.sub(self.clauses[target].heading, fold(question), count=1)

    def names(self, question: str, cid: str) -> bool:
        """The question names this clause: by its heading (or the heading's head noun) or as 附件N."""
        return _names(fold(question), fold(self.clauses[cid].heading)) or self.annex_named(question) == cid

    def dangling(self, question: str) -> bool:
        """An ordinal with nothing to count within ("第二类呢"): it points into the previous turn."""
        return bool(ordinals_of(question)) and self.scope_of(question) is None

    def annex_named(self, question: str) -> str | None:
        """附件2 / 附件二 / annex 2 names that annex's own clause."""
        found = list(_ANNEX.finditer(fold(question)))
        if not found:
            return None
        # The last mention: in a follow-up ("附件1是什么？ 附件2呢？") the current question comes last.
        cid = f"annex{chinese_numeral(found[-1].group(1))}"
        return cid if cid in self.clauses else None

    def list_scope(self, clause_id: str) -> str | None:
        """The clause whose children a follow-up ordinal would count: the clause itself or its parent."""
        clause = self.clauses.get(clause_id)
        if clause is None:
            return None
        if clause.children:
            return clause.id
        return clause.parent
