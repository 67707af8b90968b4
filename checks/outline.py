"""Format check of a draft plan against Annex 1: missing, out-of-order and extra sections, and the six
aspects of every key project. Headings are matched fuzzily, since drafts reword and abbreviate them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

from pydantic import BaseModel

from checks.annex import Section, annex_title, outline_sections
from checks.drafts import Heading, read_headings
from checks.engine import RuleEngine, Verdict, VerdictKind, overall
from checks.profile import SubmissionProfile
from checks.uploads import UploadLimits
from corpus.models import Clause
from corpus.packs import OutlineSpec

THRESHOLD = 0.6
LEVEL_PENALTY = 0.15  # a heading one level off can still match, but loses to one at the right level
IN_PARENT_BONUS = 0.1
_MARKERS = re.compile(r"^\s*(?:#+\s*)?(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]"
                      r"|\d+(?:\.\d+)*[、.．]?)\s*")
_NOISE = re.compile(r"[\W_]+")
_CN_ORDINAL = "一二三四五六七八九十"


class SectionMatch(BaseModel):
    clause_id: str
    title: str
    heading: str | None = None
    score: float = 0.0
    position: int | None = None


class ProjectCoverage(BaseModel):
    title: str
    aspects_found: list[str]
    aspects_missing: list[str]


class OutlineReport(BaseModel):
    file: str
    overall: VerdictKind
    findings: list[Verdict]
    sections: list[SectionMatch]
    projects: list[ProjectCoverage]


def normalise(text: str) -> str:
    """Numbering, punctuation and spaces removed: 五、开展…措施 and （五）开展…措施。 compare equal."""
    text = unicodedata.normalize("NFKC", text)
    return _NOISE.sub("", _MARKERS.sub("", text)).lower()


def similarity(heading: str, target: str) -> float:
    a, b = normalise(heading), normalise(target)
    if not a or not b:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    best = matcher.ratio()
    short, long = sorted((a, b), key=len)
    if len(short) >= 4 and short in long:  # 建设方案 within 建设方案（含进度安排）
        best = max(best, 0.75 + 0.25 * len(short) / len(long))
    if len(a) >= 4:  # a draft heading built from the outline's own words, abbreviated (主要工作安排)
        in_order = sum(m.size for m in matcher.get_matching_blocks()) / len(a)
        pool = Counter(b)
        shared = sum(min(n, pool[ch]) for ch, n in Counter(a).items()) / len(a)
        best = max(best, 0.8 * in_order, 0.7 * shared)
    return round(best, 4)


def section_score(heading: str, section: Section) -> float:
    return max(similarity(heading, section.title), similarity(heading, section.short_title))


Matches = dict[str, tuple[Heading, float]]  # clause ID -> (draft heading, similarity)


def _assign(candidates: list[Heading], sections: list[Section],
            adjust: dict[tuple[int, str], float] | None = None) -> Matches:
    """Greedy one-to-one matching, best score first; ties go to the earlier heading."""
    adjust = adjust or {}
    pairs = []
    for h in candidates:
        for s in sections:
            raw = section_score(h.text, s)
            score = raw + adjust.get((h.position, s.id), 0.0)
            if raw >= THRESHOLD and score >= THRESHOLD:
                pairs.append((-score, h.position, s.id, h, raw))
    pairs.sort(key=lambda p: (p[0], p[1]))
    used: set[int] = set()
    out: Matches = {}
    for _, pos, sid, h, raw in pairs:
        if sid not in out and pos not in used:
            out[sid] = (h, raw)
            used.add(pos)
    return out


def _in_order(ids: list[str], matched: Matches) -> set[str]:
    """The matched sections that keep the outline's order (a longest increasing run of positions)."""
    found = [sid for sid in ids if sid in matched]
    positions = [matched[sid][0].position for sid in found]
    best: list[list[str]] = []
    for i, pos in enumerate(positions):
        chain = max((best[j] for j in range(i) if positions[j] < pos), key=len, default=[])
        best.append(chain + [found[i]])
    return set(max(best, key=len, default=[]))


class OutlineChecker:
    """Checks drafts against Annex 1 as parsed from the notice."""

    def __init__(self, clauses: dict[str, Clause], spec: OutlineSpec, engine: RuleEngine | None = None,
                 limits: UploadLimits | None = None) -> None:
        self.clauses = clauses
        self.spec = spec
        self.key_projects = spec.key_projects
        self.engine = engine  # the notice's rules, when it has any: a count of key projects is checked by them
        self.limits = limits
        self.sections = {s.id: s for s in outline_sections(clauses, spec)}
        self.tops = [s for s in self.sections.values() if s.parent == self.spec.annex]
        self.aspects = [self.sections[c] for c in self.sections[self.key_projects].children]
        # 第六部分's children are per-project aspects, checked project by project, not as sub-items.
        self.subs_of = {s.id: [self.sections[c] for c in s.children] for s in self.tops if s.id != self.key_projects}
        self.title = annex_title(clauses, spec)

    def check_file(self, path: Path) -> OutlineReport:
        return self.check(read_headings(path, self.limits), Path(path).name)

    def check(self, headings: list[Heading], name: str = "") -> OutlineReport:
        body = [h for h in headings if not self._is_title(h, headings)]
        tops, subs, spans = self._match(body)
        project_span = spans.get(self.key_projects, [])
        findings = self._missing(tops, subs)
        findings += self._order([s.id for s in self.tops], tops)
        for group in self.subs_of.values():
            findings += self._order([s.id for s in group], subs)
        matched = {m[0].position for m in [*tops.values(), *subs.values()]} | {h.position for h in project_span}
        findings += [self._extra(h, spans) for h in body if h.position not in matched]
        projects, project_findings = self._projects(tops.get(self.key_projects), project_span)
        findings += project_findings
        matches = [SectionMatch(clause_id=s.id, title=s.title, heading=m[0].text if m else None,
                                score=m[1] if m else 0.0, position=m[0].position if m else None)
                   for s in self.sections.values() if s.parent != self.key_projects
                   for m in [tops.get(s.id) or subs.get(s.id)]]
        return OutlineReport(file=name, overall=overall(findings) if findings else "pass", findings=findings,
                             sections=matches, projects=projects)

    def _match(self, body: list[Heading]) -> tuple[Matches, Matches, dict[str, list[Heading]]]:
        """Top sections first (at the draft's top heading level), then sub-items outside 第六部分,
        preferring headings that sit under their own parent; 第六部分's headings are the key projects."""
        top_level = min((h.level for h in body), default=1)
        adjust = {(h.position, s.id): -LEVEL_PENALTY for h in body for s in self.tops if h.level > top_level}
        tops = _assign(body, self.tops, adjust)
        spans = self._spans(tops, body)
        taken = {h.position for h in spans.get(self.key_projects, [])} | {m[0].position for m in tops.values()}
        rest = [h for h in body if h.position not in taken]
        adjust = {}
        for parent, group in self.subs_of.items():
            inside = {h.position for h in spans.get(parent, [])}
            for h in rest:
                bonus = (IN_PARENT_BONUS if h.position in inside else 0.0) - (LEVEL_PENALTY if h.level == top_level else 0.0)
                adjust.update({(h.position, s.id): bonus for s in group})
        subs = _assign(rest, [s for group in self.subs_of.values() for s in group], adjust)
        return tops, subs, spans

    # -- structure ------------------------------------------------------------------------------
    def _is_title(self, h: Heading, headings: list[Heading]) -> bool:
        return h.level == 0 or (h is headings[0] and similarity(h.text, self.title) >= THRESHOLD)

    def _spans(self, tops: Matches, body: list[Heading]) -> dict[str, list[Heading]]:
        """For each matched top section, the headings under it: up to the next heading of its level or above."""
        spans = {}
        for sid, (start, _) in tops.items():
            after = [h for h in body if h.position > start.position]
            end = next((h.position for h in after if h.level <= start.level), float("inf"))
            spans[sid] = [h for h in after if h.position < end]
        return spans

    def _finding(self, rule: str, section_id: str, kind: VerdictKind, message: str) -> Verdict:
        clause = self.clauses[section_id]
        quote = self.sections[section_id].heading_line if section_id in self.sections else clause.text
        return Verdict(rule_id=f"outline.{rule}", clause_ids=[section_id], verdict=kind, message=message, quote=quote)

    def _label(self, section_id: str) -> str:
        return f"“{self.sections[section_id].heading_line}”"

    def _missing(self, tops: Matches, subs: Matches) -> list[Verdict]:
        out = []
        for top in self.tops:
            children = self.subs_of.get(top.id, [])
            found_children = [c for c in children if c.id in subs]
            if top.id not in tops:
                whole = f"（含其下{len(children)}项）" if children and not found_children else ""
                out.append(self._finding("missing_section", top.id, "fail", f"缺少附件1大纲的{self._label(top.id)}{whole}。"))
                if not found_children:
                    continue
            for c in children:
                if c.id not in subs:
                    out.append(self._finding("missing_section", c.id, "fail",
                                             f"{self._label(top.id)}下缺少{self._label(c.id)}。"))
        return out

    def _order(self, ids: list[str], matched: Matches) -> list[Verdict]:
        keep = _in_order(ids, matched)
        out = []
        for i, sid in enumerate(ids):
            if sid in matched and sid not in keep:
                before = self._label(ids[i - 1]) if i > 0 else "开头"
                out.append(self._finding("section_order", sid, "fail",
                                         f"{self._label(sid)}的位置与大纲顺序不一致：大纲中它紧接在{before}之后"
                                         f"（草稿中的标题为“{matched[sid][0].text}”）。"))
        return out

    def _extra(self, h: Heading, spans: dict[str, list[Heading]]) -> Verdict:
        within = next((sid for sid, hs in spans.items() if any(x.position == h.position for x in hs)), self.spec.annex)
        where = f"（位于{self._label(within)}之下）" if within != self.spec.annex else ""
        return self._finding("extra_section", within, "needs_review",
                             f"“{h.text}”{where}不在附件1大纲中：可能是多出的章节，或标题与大纲差异较大，请人工确认。")

    # -- key projects -----------------------------------------------------------------------------
    def _projects(self, key: tuple[Heading, float] | None, span: list[Heading]) -> tuple[list[ProjectCoverage], list[Verdict]]:
        if key is None:
            return [], []  # the missing 第六部分 is already reported
        aspect_level = min((h.level for h in span if self._aspect(h)), default=99)
        projects: list[tuple[str, list[str]]] = []
        extras: list[Verdict] = []
        for h in span:
            aspect = self._aspect(h)
            if aspect:
                if not projects:
                    projects.append(("（未命名的重点项目）", []))
                projects[-1][1].append(aspect)
            elif "项目" in h.text or h.level < aspect_level:
                projects.append((h.text, []))
            else:
                extras.append(self._finding("extra_section", self.key_projects, "needs_review",
                                            f"“{h.text}”不属于重点项目实施方案的6个方面，请人工确认。"))
        if not projects:
            return [], [self._finding("no_key_projects", self.key_projects, "fail",
                                      f"{self._label(self.key_projects)}下没有找到任何重点项目实施方案。")]
        coverage, findings = [], []
        for title, found in projects:
            missing = [a for a in self.aspects if a.id not in found]
            coverage.append(ProjectCoverage(title=title, aspects_found=[a.heading_line for a in self.aspects if a.id in found],
                                            aspects_missing=[a.heading_line for a in missing]))
            findings += [self._finding("project_aspect", a.id, "fail", f"重点项目“{title}”缺少{self._label(a.id)}。")
                         for a in missing]
        # Too many key projects: the notice's submission rule, when it has rules.
        count = [] if self.engine is None else [
            v for v in self.engine.verdicts(SubmissionProfile(key_project_count=len(projects)), only_present=True)
            if v.verdict != "pass"]
        return coverage, findings + extras + count

    def _aspect(self, h: Heading) -> str | None:
        scored = max(((section_score(h.text, a), a.id) for a in self.aspects), default=(0.0, ""))
        return scored[1] if scored[0] >= THRESHOLD else None
