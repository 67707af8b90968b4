"""Checkable facts in free text: amounts (万/亿/千万/元), dates, key-project counts and the asker's unit type.

Numbers and dates are parsed in code; the words that tell what a number means (投资 vs 补助,
报送 next to a date) and the names of unit types are data in rules/facts.yaml.
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from checks.cn_numbers import DIGITS, NUMERAL_CHARS, NotANumber, parse_number

FACTS_FILE = Path(__file__).resolve().parent.parent / "rules/facts.yaml"

# A run of digits and numerals; ASCII commas only as thousands separators (3,000万).
_RUN = re.compile(rf"(?:\d{{1,3}}(?:,\d{{3}})+(?![\d])|[\d.{NUMERAL_CHARS}])+")
_SPACE_BEFORE_UNIT = re.compile(r"(?<=\d)\s+(?=[万亿千百元])")
# Sentence parts; after NFKC the Chinese comma is ASCII, so a comma before exactly three digits is 3,000.
_SEGMENT = re.compile(r"(?:[^。;?!\n,]|,(?=\d{3}(?!\d)))+")
_CN_DIGITS = "零〇一二三四五六七八九"
_DATE_PATTERNS = [
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?"),
    re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"),
    re.compile(rf"([{_CN_DIGITS}]{{4}})年([{_CN_DIGITS}十]{{1,3}})月([{_CN_DIGITS}十]{{1,3}})[日号]"),
]
_COUNT = re.compile(rf"(?<!\d)(\d{{1,4}}|[{_CN_DIGITS}两十百]{{1,6}})\s*个\s*(重点)?项目")


class AmountError(ValueError):
    """An amount that cannot be read; the message is for the user."""


class BadDate(ValueError):
    """A date that cannot be read or does not exist; the message is for the user."""


class AmountFact(BaseModel):
    text: str
    wan: float


class DateFact(BaseModel):
    text: str
    value: date | None = None
    error: str | None = None


class CountFact(BaseModel):
    text: str
    count: int


class UnitFact(BaseModel):
    text: str
    unit_type: str


class QuestionFacts(BaseModel):
    """What a question states about the asker's project or submission."""

    amounts: list[AmountFact] = []
    dates: list[DateFact] = []
    counts: list[CountFact] = []
    unit: UnitFact | None = None

    def any(self) -> bool:
        return bool(self.amounts or self.dates or self.counts or self.unit)


class FactVocabulary(BaseModel):
    unit_types: dict[str, list[str]]
    unit_type_ignore: list[str] = []
    first_person: list[str]
    first_person_copula: list[str] = []
    copulas: list[str]
    applies_verbs: list[str]
    amount_ignore: list[str] = []
    submission_date_cues: list[str] = []
    project_count_cues: list[str] = []


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = FACTS_FILE) -> FactVocabulary:
    with open(path, encoding="utf-8") as fh:
        return FactVocabulary.model_validate(yaml.safe_load(fh) or {})


def normalise(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII), lower case, no space between a number and its unit."""
    return _SPACE_BEFORE_UNIT.sub("", unicodedata.normalize("NFKC", text).lower())


# -- amounts -----------------------------------------------------------------------------
def parse_amount_wan(value: str | float | int) -> float:
    """An amount in 万元: a bare number is already 万元; text may say 万, 千万, 亿 or 元 (0.5亿 → 5000)."""
    if isinstance(value, (int, float)):
        wan = float(value)
    else:
        raw = normalise(str(value)).strip().replace("人民币", "")
        negative = raw.startswith(("-", "负"))
        body = raw.lstrip("-负").strip()
        unit_yuan = body.endswith(("元", "块"))
        body = body.rstrip("元块").strip()
        try:
            number = parse_number(body)
        except NotANumber:
            raise AmountError(f"金额“{value}”无法识别，请填写数字（单位万元），如 5000 或 “0.5亿元”。") from None
        scaled = body[-1:] in ("万", "亿")
        # 5000 in a 万元 field is 5000万元; 50000000元 or 5000万 say their own unit.
        wan = number / 10_000 if (scaled or unit_yuan) else number
        wan = -wan if negative else wan
    if not math.isfinite(wan):
        raise AmountError(f"金额“{value}”不是有效数字。")
    if wan < 0:
        raise AmountError(f"金额“{value}”不能为负数。")
    return round(wan, 4)


def find_amounts(text: str, vocab: FactVocabulary | None = None) -> list[AmountFact]:
    """Investment amounts in text: runs that end in 万/亿 or are followed by 元, not next to 补助, 注册资本…"""
    vocab = vocab or load_vocabulary()
    out = []
    for seg in _SEGMENT.finditer(normalise(text)):
        s = seg.group()
        if any(w in s for w in vocab.amount_ignore):
            continue
        for m in _RUN.finditer(s):
            run = m.group().strip(".,")
            if not run or not (run[0].isdigit() or run[0] in DIGITS or run[0] in "十拾"):
                continue  # 千万别…, 万一…: a unit word, not an amount
            if s[max(m.start() - 1, 0):m.start()] in ("-", "负"):
                continue
            yuan = "元" if s[m.end():m.end() + 1] in ("元", "块") else ""
            if run[-1] not in "万亿" and not yuan:
                continue  # 2014, 10个: a number, not an amount of money
            try:
                out.append(AmountFact(text=run + yuan, wan=parse_amount_wan(run + yuan)))
            except AmountError:
                continue
    return out


# -- dates -------------------------------------------------------------------------------
def _date_from(y: str, m: str, d: str, text: str) -> date:
    try:
        year, month, day = (int(parse_number(p)) for p in (y, m, d))
    except NotANumber:
        raise BadDate(f"日期“{text}”无法识别，请写成 2014-03-31 或 2014年3月31日。") from None
    if not 1900 <= year <= 2100:  # a plan is submitted in this century; 0000 or 9999 is a typo
        raise BadDate(f"日期“{text}”的年份{year}不合理。")
    if not 1 <= month <= 12:
        raise BadDate(f"日期“{text}”不存在：月份应为1至12。")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise BadDate(f"日期“{text}”不存在：{year}年{month}月只有{last}天。")
    return date(year, month, day)


def parse_date(text: str) -> date:
    """A whole string as a date: 2014-03-31, 2014/3/31, 2014.3.31, 2014年3月31日, 二〇一四年三月三十一日."""
    s = normalise(text).strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(s)
        if m:
            return _date_from(*m.groups(), text=text.strip())
    raise BadDate(f"日期“{text}”无法识别，请写成 2014-03-31 或 2014年3月31日。")


def find_dates(text: str, cues: list[str] | None = None) -> list[DateFact]:
    """Dates in text (with year, month and day); impossible ones carry an error instead of a value.

    With cues, only dates in a sentence part that mentions one of them (报送, 截止…).
    """
    out = []
    for seg in _SEGMENT.finditer(normalise(text)):
        s = seg.group()
        if cues is not None and not any(c in s for c in cues):
            continue
        for pattern in _DATE_PATTERNS:
            for m in pattern.finditer(s):
                try:
                    out.append(DateFact(text=m.group(), value=_date_from(*m.groups(), text=m.group())))
                except BadDate as exc:
                    out.append(DateFact(text=m.group(), error=str(exc)))
    return out


# -- key-project counts ------------------------------------------------------------------
def find_project_counts(text: str, vocab: FactVocabulary | None = None) -> list[CountFact]:
    """N个重点项目 anywhere; N个项目 only next to a submission word (报, 附, 推荐…)."""
    vocab = vocab or load_vocabulary()
    out = []
    for seg in _SEGMENT.finditer(normalise(text)):
        s = seg.group()
        for m in _COUNT.finditer(s):
            if not m.group(2) and not any(c in s for c in vocab.project_count_cues):
                continue
            try:
                out.append(CountFact(text=m.group(), count=int(parse_number(m.group(1)))))
            except NotANumber:
                continue
    return out


# -- unit type ---------------------------------------------------------------------------
def _scan(s: str, words: dict[str, str]) -> list[tuple[int, int, str]]:
    """Longest-match occurrences of words in s as (start, end, value); ASCII words only at word boundaries."""
    ordered = sorted(words, key=len, reverse=True)
    hits, pos = [], 0
    while pos < len(s):
        for w in ordered:
            if s.startswith(w, pos) and (not w[0].isascii() or _bounded(s, pos, pos + len(w))):
                hits.append((pos, pos + len(w), words[w]))
                pos += len(w)
                break
        else:
            pos += 1
    return hits


def _bounded(s: str, start: int, end: int) -> bool:
    return (start == 0 or not s[start - 1].isalnum()) and (end == len(s) or not s[end].isalnum())


def find_unit_type(text: str, vocab: FactVocabulary | None = None) -> UnitFact | None:
    """The asker's unit type: after 我们/我们是/we are… (我们是高校), or as the subject of 能申报吗 / 呢 (那高校呢)."""
    vocab = vocab or load_vocabulary()
    terms = {w: t for t, words in vocab.unit_types.items() for w in words}
    terms.update({w: "" for w in vocab.unit_type_ignore})  # matched first (longest), then dropped
    cues = {w: "cue" for w in vocab.first_person} | {w: "copula" for w in vocab.first_person_copula}
    for seg in _SEGMENT.finditer(normalise(text)):
        s = seg.group()
        hits = [h for h in _scan(s, terms) if h[2]]
        if not hits:
            continue
        found = _after_first_person(s, hits, _scan(s, cues), vocab.copulas) or _as_subject(s, hits, vocab.applies_verbs)
        if found:
            return UnitFact(text=s[found[0]:found[1]], unit_type=found[2])
    return None


def _after_first_person(s: str, hits: list[tuple[int, int, str]], cues: list[tuple[int, int, str]],
                        copulas: list[str]) -> tuple[int, int, str] | None:
    for c_start, c_end, kind in cues:
        after = [h for h in hits if h[0] >= c_start]
        if not after:
            continue
        # 我们公司 / 我司 / our company: a unit word right at the cue (我司 starts with the cue 我).
        adjacent = after[0] if s[c_end:max(after[0][0], c_end)].strip() in ("", "a", "an", "the") else None
        tail = s[adjacent[1] if adjacent else c_end:].lstrip("也都就还 ")
        if kind == "copula" or any(tail.startswith(c) for c in copulas):
            # Chinese noun phrases end in their head: 我们是高校下属的公司 → 公司.
            return after[-1]
        if adjacent:
            return adjacent
    return None


def _as_subject(s: str, hits: list[tuple[int, int, str]], verbs: list[str]) -> tuple[int, int, str] | None:
    for h in hits:
        if any(v in s[h[1]:] for v in verbs):
            return h
    return None


def extract_facts(question: str, vocab: FactVocabulary | None = None) -> QuestionFacts:
    """Every checkable fact in a chat question."""
    vocab = vocab or load_vocabulary()
    return QuestionFacts(
        amounts=find_amounts(question, vocab),
        dates=find_dates(question, vocab.submission_date_cues),
        counts=find_project_counts(question, vocab),
        unit=find_unit_type(question, vocab),
    )
