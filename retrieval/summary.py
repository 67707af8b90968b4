"""The 要点 line: one short line first in an answer, made only of spans of the cited clauses.

Which span is chosen depends on the kind of fact the question asks for (a date, copies, a count, an
amount, a recipient, a contact, who may apply: rules/summary.yaml). Each span is bound to its clause by
offsets, so the line states nothing the cited text does not. When no span of the asked kind stands in the
cited quotes, there is no line.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from retrieval.text import fold

SUMMARY_FILE = Path(__file__).resolve().parent.parent / "rules/summary.yaml"
SUMMARY_PREFIX = "要点："


class SummarySpan(BaseModel):
    """A span of a cited clause that the 要点 line quotes."""

    id: str = Field(description="The clause's ID")
    start: int = Field(description="Offset in the clause's normalised text")
    end: int
    text: str


class SummaryKind(BaseModel):
    name: str
    asked: list[str]
    span: str

    def is_asked(self, folded_question: str) -> bool:
        return any(fold(w) in folded_question for w in self.asked)


class SummaryRules(BaseModel):
    max_chars: int = 40
    connectives: list[str] = []
    verdict_labels: dict[str, str] = {}
    question_words: list[str] = []
    kinds: list[SummaryKind]

    def anchors(self, question: str) -> set[str]:
        """Bigrams within three characters of a question word (具备什么能力 -> 具备, 能力), and the character right
        after one (多少吨 -> 吨): what the answer says."""
        chars = "".join(_CJK.findall(question))
        out: set[str] = set()
        for word in self.question_words:
            for m in re.finditer(re.escape(word), chars):
                before, after = chars[max(0, m.start() - 3):m.start()], chars[m.end():m.end() + 3]
                out |= bigrams(before) | bigrams(after) | ({after[0]} if after else set())
        return out

    def asked(self, question: str) -> list[SummaryKind]:
        folded = fold(question)
        return [k for k in self.kinds if k.is_asked(folded)]

    def span_in(self, kind: SummaryKind, clause_id: str, text: str, offset: int = 0) -> SummarySpan | None:
        """The first span of this kind in text (a quote starting at offset in its clause), short enough."""
        return next(iter(self.spans_in(kind, clause_id, text, offset)), None)

    def spans_in(self, kind: SummaryKind, clause_id: str, text: str, offset: int = 0) -> list[SummarySpan]:
        """Every span of this kind in text, each cut to a whole phrase and at most max_chars long."""
        out = []
        for m in re.finditer(kind.span, text):
            start, end = _whole_phrase(text, m.start(), m.end())
            if end - start > self.max_chars:
                end = _word_end(text, start, start + self.max_chars)
            found = text[start:end]
            if len(found) >= 2:
                out.append(SummarySpan(id=clause_id, start=offset + start, end=offset + end, text=found))
        return out


_HEADING_MARK = re.compile(r"(?:^|\s)(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、])\s*\S*\s+")
_TRIM = " ，,；;、：:"


def _whole_phrase(text: str, start: int, end: int) -> tuple[int, int]:
    """The match without a heading it ran across (八、财政金融 全年… starts after the heading) and without a
    number or word cut in half at its end, trimmed of separators."""
    heading = next(reversed(list(_HEADING_MARK.finditer(text, start, end))), None)
    if heading is not None and heading.end() < end:
        start = heading.end()
    end = _word_end(text, start, end)
    start = _word_start(text, start, end)
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    # A bracket the span opens but does not close (or closes but did not open) is left out.
    if start < end and text[start] in "(（" and not any(ch in text[start:end] for ch in ")）"):
        start += 1
    if start < end and text[end - 1] in ")）" and not any(ch in text[start:end] for ch in "(（"):
        end -= 1
    return start, end


_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
WORD_WINDOW = 6  # characters each side of a span's start that the segmenter reads


def _word_start(text: str, start: int, end: int) -> int:
    """start, moved back to the beginning of the word it falls inside (每|家企业 -> 每家企业)."""
    if start == 0 or start >= end or not (_CJK_CHAR.match(text[start - 1]) and _CJK_CHAR.match(text[start])):
        return start
    import jieba  # already loaded by the tokenizer that read the question

    jieba.setLogLevel(logging.WARNING)
    left = max(0, start - WORD_WINDOW)
    at = left
    for word in jieba.cut(text[left : min(len(text), start + WORD_WINDOW)]):
        if at < start < at + len(word):
            return at
        at += len(word)
    return start


def _word_end(text: str, start: int, end: int) -> int:
    """end, moved back to a space or 、 when it falls inside a number or a Latin word (8275|8020)."""
    if end < len(text) and text[end - 1].isascii() and text[end - 1].isalnum() and text[end].isascii() \
            and text[end].isalnum():
        cut = max(text.rfind(" ", start, end), text.rfind("、", start, end))
        return cut if cut > start else end
    return end


@lru_cache(maxsize=2)
def load_summary_rules(path: Path = SUMMARY_FILE) -> SummaryRules:
    with open(path, encoding="utf-8") as fh:
        return SummaryRules.model_validate(yaml.safe_load(fh) or {})


_SEGMENT = re.compile(r"[^，。；：:,;！？!?]+")
_SENTENCE = re.compile(r"[^。；;！？!?]+")
_NUMBERED = re.compile(r"^\s*([（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十\d]+[、.．])")  # a heading, not an answer
_CJK = re.compile(r"[\u4e00-\u9fff]")
NOVELTY_WEIGHT = 0.25  # per new bigram, up to NOVELTY_CAP: a line that only repeats the question answers nothing
NOVELTY_CAP = 12


def bigrams(text: str) -> set[str]:
    """The CJK character bigrams of a text (its words, roughly, without a segmenter)."""
    chars = "".join(_CJK.findall(text))
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def _score(asked: set[str], text: str) -> tuple[int, int]:
    """(bigrams shared with the question, bigrams the question does not have)."""
    own = bigrams(text)
    return len(own & asked), len(own - asked)


def _context(quote: str, start: int, end: int) -> str:
    """The sentence of the quote around [start, end): what the span is said about."""
    for m in _SENTENCE.finditer(quote):
        if m.start() <= start < m.end() or m.start() < end <= m.end():
            return m.group(0)
    return quote[start:end]


def _segments(citation: object, max_chars: int) -> list[tuple[int, int]]:
    """Offsets in the quote of each phrase (between commas and stops) and of each pair of neighbouring phrases
    in one sentence, short enough for the line, without a leading heading number."""
    quote = citation.quote
    phrases = []
    for m in _SEGMENT.finditer(quote):
        text = m.group(0)
        lead = len(text) - len(text.lstrip())
        numbered = _NUMBERED.match(text)
        if numbered:
            lead = numbered.end()
        start, end = m.start() + lead, m.end() - (len(text) - len(text.rstrip()))
        if end - start >= 4:
            phrases.append((start, end))
    out = [p for p in phrases if p[1] - p[0] <= max_chars]
    for (a, b), (c, d) in zip(phrases, phrases[1:], strict=False):
        if d - a <= max_chars and not any(ch in quote[b:c] for ch in "。；;！？!?"):
            out.append((a, d))
    return out


ANCHOR_WEIGHT = 2.0  # per bigram next to a question word
KIND_ORDER_BONUS = 0.5  # the kinds are listed most specific first: an earlier kind wins a tie


def _own(text: str) -> set[str]:
    """A phrase's bigrams and characters: a question's unit (吨) is one character."""
    return bigrams(text) | set(_CJK.findall(text))


def _phrase_score(asked: set[str], anchors: set[str], text: str, topic: str = "") -> tuple[float, int, int]:
    """(score, shared, novel) of a phrase: words shared with the question (in the phrase or in the condition
    it answers), words next to its question word, and, up to a cap, what it adds."""
    own = bigrams(text)
    shared, novel = len((own | bigrams(topic)) & asked), len(own - asked)
    score = shared + ANCHOR_WEIGHT * len(_own(text) & anchors) + NOVELTY_WEIGHT * min(novel, NOVELTY_CAP)
    return score, shared, novel


def _condition_before(quote: str, start: int) -> str:
    """The phrase just before start when it is a condition (…的，) that the phrase at start answers."""
    before = quote[:start].rstrip(" ，,")
    if not before.endswith("的"):
        return ""
    cut = max(before.rfind(ch) for ch in "，,。；;：:")
    return before[cut + 1:]


def best_segment(question: str, citation: object, max_chars: int, expansions: list[str] | None = None,
                 anchors: set[str] | None = None) -> tuple[float, SummarySpan] | None:
    """The phrase of a quote (or two neighbouring ones) that shares the most words with the question and adds
    something to it, with its score; for a question that asks for no particular kind of fact. A condition
    (对…存在异议的，) is not an answer: the phrase after it is, and shares the condition's words."""
    asked = bigrams(question) | bigrams(" ".join(expansions or []))
    best: tuple[float, SummarySpan] | None = None
    quote = citation.quote
    for start, end in _segments(citation, max_chars):
        text = quote[start:end]
        if text.endswith("的"):
            continue
        score, shared, novel = _phrase_score(asked, anchors or set(), text, _condition_before(quote, start))
        if shared < 2 or novel < 2:
            continue
        if best is None or score > best[0]:
            best = (score, SummarySpan(id=citation.id, start=citation.start + start, end=citation.start + end, text=text))
    return best


def summarise(question: str, citations: list, rules: SummaryRules | None = None,
              kinds: list[str] | None = None,
              expansions: list[str] | None = None) -> tuple[str | None, list[SummarySpan]]:
    """(the 要点 text, its spans) for an answer's citations, or (None, []) when no span fits the question.

    The kinds of fact asked (kinds: the names the question's analysis found; else read from the question) give
    the spans that may make the line; among them, the one said about the question's words wins (医卫类项目一般不超过
    5万元 for a question about 医卫类; 粮食产量25.9万吨 for 多少吨). A question that asks for no kind gets the phrase
    that shares most words with it (and its expansions: an English question's Chinese words) and adds something."""
    rules = rules or load_summary_rules()
    kinds_found = rules.asked(question) if kinds is None else [k for k in rules.kinds if k.name in kinds]
    asked = bigrams(question) | bigrams(" ".join(expansions or []))
    anchors = rules.anchors(question)
    scored = []
    for rank, kind in enumerate(kinds_found):
        for n, c in enumerate(citations):
            for span in rules.spans_in(kind, c.id, c.quote, c.start):
                local = span.start - c.start
                own = len(bigrams(span.text) & asked) + ANCHOR_WEIGHT * len(_own(span.text) & anchors)
                context = _score(asked, _context(c.quote, local, local + len(span.text)))[0]
                scored.append((own + context - KIND_ORDER_BONUS * rank, -n, -local, span))
    if scored:
        span = max(scored, key=lambda t: t[:3])[3]
        return span.text, [span]
    if not kinds_found and citations:
        found = [b for c in citations[:2] if (b := best_segment(question, c, rules.max_chars, expansions, anchors))]
        if found:
            span = max(found, key=lambda t: t[0])[1]
            return span.text, [span]
    return None, []


def verdict_summary(label: str, clause_id: str, clause_text: str, quote: str,
                    rules: SummaryRules | None = None) -> tuple[str, list[SummarySpan]]:
    """A verdict's 要点: its label, then the span of its quote that states the rule (or the whole quote if short)."""
    rules = rules or load_summary_rules()
    offset = clause_text.find(quote)
    for kind in rules.kinds:
        span = rules.span_in(kind, clause_id, quote, max(offset, 0))
        if span is not None:
            return f"{label}：{span.text}", [span]
    if len(quote) <= rules.max_chars and offset >= 0:
        text = quote.rstrip("。；")
        return f"{label}：{text}", [SummarySpan(id=clause_id, start=offset, end=offset + len(text), text=text)]
    return label, []


def parts_summary(citations: list, headings: dict[str, str], max_chars: int) -> tuple[str | None, list[SummarySpan]]:
    """For a question that asks for a list: the headings of the cited parts, when they fit on the line."""
    spans = []
    for c in citations[1:]:  # the first citation is the heading clause that lists them
        heading = headings.get(c.id, "")
        at = c.quote.find(heading) if heading else -1
        if at < 0 or heading.endswith("…"):
            return None, []
        spans.append(SummarySpan(id=c.id, start=c.start + at, end=c.start + at + len(heading), text=heading))
    text = "；".join(s.text for s in spans)
    return (text, spans) if len(spans) >= 2 and len(text) <= max_chars else (None, [])


def with_summary_line(text: str, summary: str | None) -> str:
    """The answer text with the 要点 line first (replacing an earlier one)."""
    body = text.split("\n", 1)[1] if text.startswith(SUMMARY_PREFIX) and "\n" in text else text
    return f"{SUMMARY_PREFIX}{summary}\n{body}" if summary else body
