"""Checks a generated answer against the clauses it was given.

The model cites a claim as 〔notice.3.4〕 (the house form 〔正文 三（四）〕 is accepted too). A marker that names a
clause that does not exist, or was not among the clauses given, is dropped. A claim sentence left without a valid
marker is dropped, and so is one whose numbers are not in the clauses it cites. Valid markers are rewritten to the
house form, so that follow-ups and the UI read them like extractive answers, and every valid citation becomes a
Citation whose quote is the sentence of the cited clause that best matches the claim, verbatim.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

from pydantic import BaseModel

from corpus.models import Clause
from retrieval.answer import Citation
from retrieval.documents import split_sentences
from retrieval.text import Tokenizer

log = logging.getLogger(__name__)

_BRACKETS = {"〔": "〕", "【": "】", "[": "]", "［": "］"}
MARKER = re.compile(r"〔[^〔〕\n]{1,80}〕|【[^【】\n]{1,80}】|\[[^\[\]\n]{1,80}\]|［[^［］\n]{1,80}］")
_ID_LIKE = re.compile(r"(?<![A-Za-z0-9])(?:notice|annex\d+)(?:\.[A-Za-z0-9]+)*", re.IGNORECASE)
_HOUSE_LIKE = re.compile(r"^\s*(?:正文|附件\s*\d)")
_SEPARATORS = re.compile(r"[、,，;；/]+")
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)
_TERMINATORS = "。！？!?"
_CLOSERS = "。！？!?」』”’）)"
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(万|亿|千|thousand|million|billion)?", re.IGNORECASE)
_SCALE = {"万": 1e4, "亿": 1e8, "千": 1e3, "thousand": 1e3, "million": 1e6, "billion": 1e9}
_LIST_PREFIX = re.compile(r"^\s*(?:\d{1,2}[.、)）]|[（(]\d{1,2}[)）]|[-*•·])\s*")
COMMON_EVIDENCE = ("notice.header",)  # the notice's title and addressees: every answer may repeat them
REFUSAL_PHRASES = ("原文未作规定", "未作规定", "没有作出规定", "未作出规定", "does not specify", "not specified")
SHORT_CLAIM = 6  # a sentence with fewer content characters than this is a connective (是的。), not a claim
DROPPED_NOTE = "（已略去{n}句未能核对出处的内容。）"


class MarkerResolver:
    """Maps the text inside a citation marker to clause IDs, and tells which of them may be cited."""

    def __init__(self, clauses: Mapping[str, Clause], allowed: Iterable[str]) -> None:
        self.clauses = clauses
        self.allowed = set(allowed)
        self.by_marker = {c.marker: c.id for c in clauses.values()}
        self.by_id = {cid.lower(): cid for cid in clauses}

    def is_marker(self, inner: str) -> bool:
        """A bracket is a citation marker when it names a clause, rightly or wrongly (not 国发〔2013〕)."""
        return bool(_ID_LIKE.search(inner) or _HOUSE_LIKE.match(inner) or inner.strip() in self.by_marker)

    def names(self, inner: str) -> list[str]:
        """Every clause name in the marker, resolved to an ID when it exists (else kept as written)."""
        inner = inner.strip()
        if inner in self.by_marker:
            return [self.by_marker[inner]]
        out: list[str] = []
        for part in _SEPARATORS.split(inner):
            part = part.strip()
            if not part:
                continue
            if part in self.by_marker:
                out.append(self.by_marker[part])
                continue
            ids = _ID_LIKE.findall(part)
            if ids:
                out.extend(self.by_id.get(i.lower().rstrip("."), i) for i in ids)
            elif _HOUSE_LIKE.match(part):
                out.append(part)
        return out

    def valid(self, inner: str) -> tuple[list[str], list[str]]:
        """(valid clause IDs, rejected names) of one marker's content."""
        good: list[str] = []
        bad: list[str] = []
        for name in self.names(inner):
            if name in self.allowed and name in self.clauses:
                if name not in good:
                    good.append(name)
            else:
                bad.append(name)
        return good, bad

    def house(self, ids: Iterable[str]) -> str:
        return "".join(f"〔{self.clauses[i].marker}〕" for i in ids)


class ClaimCheck(BaseModel):
    text: str  # the sentence as it will be shown: valid markers in the house form, invalid ones removed
    cited: list[str] = []
    kept: bool = True
    claim: bool = True
    reason: str = ""


class Validated(BaseModel):
    """The outcome of validating one generated answer."""

    answer: str
    citations: list[Citation]
    claims: list[ClaimCheck]
    dropped_markers: list[str]
    refusal: bool

    @property
    def valid_claims(self) -> int:
        return sum(1 for c in self.claims if c.kept and c.claim and c.cited)

    @property
    def dropped_claims(self) -> int:
        return sum(1 for c in self.claims if not c.kept)


def strip_thinking(text: str) -> str:
    """Reasoning models (Qwen3, DeepSeek-R1) may put <think>…</think> before the answer."""
    return _THINK.sub("", text)


def split_claims(text: str) -> list[str]:
    """Sentences, each with the markers that follow its terminator (…5000万元。〔notice.3.4〕 stays one piece).

    Line breaks end a sentence too, and are kept as their own pieces so the layout survives.
    """
    pieces: list[str] = []
    buf: list[str] = []
    i, n = 0, len(text)

    def flush() -> None:
        if buf:
            pieces.append("".join(buf))
            buf.clear()

    while i < n:
        m = MARKER.match(text, i)
        if m:
            buf.append(m.group())
            i = m.end()
            continue
        ch = text[i]
        if ch == "\n":
            flush()
            pieces.append("\n")
            i += 1
            continue
        buf.append(ch)
        i += 1
        ends = ch in _TERMINATORS or (ch == "." and (i == n or text[i].isspace()))
        if not ends:
            continue
        while i < n and text[i] in _CLOSERS:
            buf.append(text[i])
            i += 1
        while True:  # markers after the full stop belong to this sentence
            j = i
            while j < n and text[j] in " \t":
                j += 1
            m = MARKER.match(text, j)
            if not m:
                break
            buf.append(text[i:m.end()])
            i = m.end()
        flush()
    flush()
    return pieces


def numbers_in(text: str) -> list[tuple[str, set[float]]]:
    """Each number with the values it may stand for: as written, and scaled by its unit (5000万 = 50 million)."""
    out = []
    for m in _NUMBER.finditer(text):
        value = float(m.group(1))
        values = {value}
        if m.group(2):
            values.add(round(value * _SCALE[m.group(2).lower()], 6))
        out.append((m.group(0).strip(), values))
    return out


def _content_chars(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fffA-Za-z0-9]", text))


def is_refusal(text: str) -> bool:
    low = text.lower()
    return any(p in low for p in REFUSAL_PHRASES)


class AnswerValidator:
    """Validates generated answers against the clauses that were given to the model."""

    def __init__(self, clauses: Mapping[str, Clause], tokenizer: Tokenizer) -> None:
        self.clauses = clauses
        self.tokenizer = tokenizer

    def validate(self, text: str, given: Iterable[str], question: str = "") -> Validated:
        resolver = MarkerResolver(self.clauses, given)
        text = strip_thinking(text).strip()
        claims: list[ClaimCheck] = []
        dropped_markers: list[str] = []
        for piece in split_claims(text):
            if not piece.strip():
                claims.append(ClaimCheck(text=piece, claim=False))
                continue
            claims.append(self._check(piece, resolver, dropped_markers, question))
        citations = self._citations(claims)
        shown = "".join(c.text for c in claims if c.kept)
        shown = re.sub(r"\n{3,}", "\n\n", shown).strip()
        return Validated(answer=shown, citations=citations, claims=claims, dropped_markers=dropped_markers,
                         refusal=is_refusal(text))

    def _check(self, piece: str, resolver: MarkerResolver, dropped: list[str], question: str) -> ClaimCheck:
        cited: list[str] = []

        def rewrite(m: re.Match[str]) -> str:
            inner = m.group()[1:-1]
            if not resolver.is_marker(inner):
                return m.group()  # ordinary brackets, e.g. 国发〔2013〕7号
            good, bad = resolver.valid(inner)
            dropped.extend(bad)
            cited.extend(g for g in good if g not in cited)
            return resolver.house(good)

        shown = MARKER.sub(rewrite, piece)
        bare = MARKER.sub("", shown)
        claim = not (
            _content_chars(bare) < SHORT_CLAIM or bare.rstrip().endswith(("：", ":")) or is_refusal(bare)
        )
        if not claim:
            return ClaimCheck(text=shown, cited=cited, claim=False)
        if not cited:
            return ClaimCheck(text=shown, kept=False, reason="no valid marker")
        sources = [*cited, *(c for c in COMMON_EVIDENCE if c in self.clauses)]
        # A claim may name the clause itself (附件2, 第三部分第4条), so labels count as evidence too.
        evidence = (" ".join(f"{self.clauses[c].label} {self.clauses[c].text}" for c in sources) + question).replace(",", "")
        known = {v for _, values in numbers_in(evidence) for v in values}
        missing = [raw for raw, values in numbers_in(_LIST_PREFIX.sub("", bare).replace(",", "")) if not values & known]
        if missing:
            return ClaimCheck(text=shown, cited=cited, kept=False, reason=f"numbers not in the cited clauses: {missing}")
        return ClaimCheck(text=shown, cited=cited)

    def _citations(self, claims: list[ClaimCheck]) -> list[Citation]:
        out: list[Citation] = []
        seen: set[tuple[str, int]] = set()
        for claim in claims:
            if not claim.kept:
                continue
            bare = MARKER.sub("", claim.text)
            for cid in claim.cited:
                citation = self.best_quote(cid, bare)
                if (citation.id, citation.start) not in seen:
                    seen.add((citation.id, citation.start))
                    out.append(citation)
        return out

    def best_quote(self, clause_id: str, claim: str) -> Citation:
        """The sentence of the clause that best matches the claim (word overlap), verbatim with its offsets."""
        clause = self.clauses[clause_id]
        sentences = split_sentences(clause.text) or [clause.text]
        if not clause.content_provided or not sentences:
            return Citation(id=clause.id, label=clause.label, quote=clause.text, start=0, end=len(clause.text))
        if len(sentences) > 1 and len(sentences[0]) <= len(clause.heading) + 6:
            sentences = sentences[1:]  # （四）投资规模。 is the heading, not evidence
        words = set(self.tokenizer.tokens(claim))
        scored = [(len(words & set(self.tokenizer.tokens(s))), -i, s) for i, s in enumerate(sentences)]
        quote = max(scored)[2]
        start = clause.text.find(quote)
        if start < 0:  # split_sentences returns substrings; guard the contract anyway
            quote, start = clause.text, 0
        return Citation(id=clause.id, label=clause.label, quote=quote, start=start, end=start + len(quote))


class MarkerStreamer:
    """Rewrites markers in streamed text as it arrives: valid ones to the house form, invalid ones removed.

    Text from an opening bracket is held back until its bracket closes (or cannot be a marker), and
    <think>…</think> blocks are not shown.
    """

    HOLD_LIMIT = 80

    def __init__(self, resolver: MarkerResolver) -> None:
        self.resolver = resolver
        self.pending = ""
        self.thinking = False

    def feed(self, text: str) -> str:
        self.pending += text
        out: list[str] = []
        while self.pending:
            if self.thinking:
                end = self.pending.find("</think>")
                if end < 0:
                    self.pending = self.pending[-len("</think>"):]
                    break
                self.pending = self.pending[end + len("</think>"):]
                self.thinking = False
                continue
            if self.pending.startswith("<think>"):
                self.thinking = True
                self.pending = self.pending[len("<think>"):]
                continue
            if "<think>".startswith(self.pending):  # maybe the start of <think>
                break
            ch = self.pending[0]
            if ch in _BRACKETS:
                close = self.pending.find(_BRACKETS[ch], 1)
                if close < 0:
                    if len(self.pending) < self.HOLD_LIMIT and "\n" not in self.pending:
                        break  # wait for the closing bracket
                    out.append(ch)
                    self.pending = self.pending[1:]
                    continue
                inner = self.pending[1:close]
                if self.resolver.is_marker(inner):
                    good, _ = self.resolver.valid(inner)
                    out.append(self.resolver.house(good))
                else:
                    out.append(self.pending[: close + 1])
                self.pending = self.pending[close + 1:]
                continue
            cut = min((k for k in (self.pending.find(b) for b in (*_BRACKETS, "<")) if k >= 0), default=len(self.pending))
            cut = max(cut, 1)
            out.append(self.pending[:cut])
            self.pending = self.pending[cut:]
        return "".join(out)

    def flush(self) -> str:
        rest, self.pending = ("" if self.thinking else self.pending), ""
        return rest
