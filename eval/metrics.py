"""Gold-set schema and per-item / aggregate metrics. Pure functions, no I/O."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from statistics import median

from pydantic import BaseModel

from corpus.models import is_within

_BRACKETS = str.maketrans({"〔": "[", "〕": "]", "【": "[", "】": "]"})


class GoldItem(BaseModel):
    id: str
    question: str
    history: list[dict[str, str]] = []
    expected_citations: list[str] = []
    # For a notice whose clause IDs the writer did not know: groups of '|'-separated verbatim strings,
    # each of which a cited quote must contain. An empty expected_citations means "not judged by ID".
    expected_evidence: list[str] = []
    must_include: list[str] = []
    must_not_include: list[str] = []
    # A question with several asks: each part's question, whether the notice answers it, and its evidence.
    parts: list[dict] = []
    answerable: bool = True
    category: str = ""
    kind: str = ""  # the kind of question (two_part, near_miss, typo_terse …): accuracy is reported by kind
    notes: str = ""


def normalise(text: str) -> str:
    """Whitespace removed, full/half-width unified, 〔〕[]【】 unified."""
    text = unicodedata.normalize("NFKC", text).translate(_BRACKETS)
    return re.sub(r"\s+", "", text).lower()


def group_cited(group: str, cited: list[str]) -> bool:
    """A group 'a|b' is satisfied by citing a, b, or a descendant of either."""
    return any(is_within(c, alt) for alt in group.split("|") for c in cited)


def group_included(group: str, answer: str) -> bool:
    text = normalise(answer)
    return any(normalise(alt) in text for alt in group.split("|"))


def first_hit_rank(item: GoldItem, ranked: list[str]) -> int | None:
    """1-based rank at which every expected group is covered by the top-r retrieved clauses."""
    for r in range(1, len(ranked) + 1):
        if all(group_cited(g, ranked[:r]) for g in item.expected_citations):
            return r
    return None


def evidence_found(group: str, text: str) -> bool:
    """A group 'a|b' is found when the text contains a or b (whitespace and width ignored)."""
    norm = normalise(text)
    return any(normalise(alt) in norm for alt in group.split("|") if alt.strip())


def subtree_text(cid: str, clause_text: dict[str, str]) -> str:
    """A clause's text with its descendants' (a heading's answer lists its parts)."""
    return " ".join(text for other, text in clause_text.items() if is_within(other, cid))


def first_evidence_rank(groups: list[str], ranked: list[str], clause_text: dict[str, str]) -> int | None:
    """1-based rank at which every evidence group is in the text of the top-r retrieved clauses."""
    seen = ""
    for r, cid in enumerate(ranked, 1):
        seen += " " + subtree_text(cid, clause_text)
        if all(evidence_found(g, seen) for g in groups):
            return r
    return None


class ItemResult(BaseModel):
    id: str
    question: str
    category: str
    kind: str = ""
    answerable: bool
    status: str
    answer: str
    citations: list[dict]
    retrieved: list[str]
    latency_ms: float
    hit_rank: int | None = None
    evidence_rank: int | None = None
    evidence_recall: float | None = None
    citation_precision: float | None = None
    citation_recall: float | None = None
    facts: float | None = None
    status_ok: bool = False
    quotes_verbatim: int = 0
    summary: str | None = None  # the 要点 line
    summary_spans: list[dict] = []
    summary_complete: bool | None = None  # the 要点 line alone holds every must_include group
    summary_grounded: bool | None = None  # every span of the 要点 line is in the clause it names, at its offsets
    parts: list[dict] = []  # the answer's parts, for a question with several
    parts_ok: bool | None = None  # every answerable part's evidence cited, every unanswerable part marked so
    forbidden_absent: bool = True
    correct: bool = False


@lru_cache(maxsize=1)
def _summary_glue() -> re.Pattern[str]:
    """The words a 要点 line may add to its spans: the fixed connectives and verdict labels (rules/summary.yaml),
    the part numbers and the words for a part the notice does not answer (retrieval/answer.py)."""
    from retrieval.answer import NOT_STATED
    from retrieval.summary import load_summary_rules

    rules = load_summary_rules()
    words = sorted([*rules.connectives, *rules.verdict_labels.values(), NOT_STATED], key=len, reverse=True)
    return re.compile(r"第\d+问|" + "|".join(re.escape(w) for w in words))


def summary_grounded(summary: str, spans: list[dict], clause_text: dict[str, str]) -> bool:
    """The 要点 line states nothing the notice does not: each span is its clause's text at its offsets, and what is
    left of the line once the spans are taken out is only the fixed connective words (rules/summary.yaml)."""
    rest = summary
    for span in spans:
        text = str(span.get("text", ""))
        if clause_text.get(str(span.get("id")), "")[int(span.get("start", 0)):int(span.get("end", 0))] != text:
            return False
        rest = rest.replace(text, "", 1)
    return not _summary_glue().sub("", rest).strip()


def score_item(item: GoldItem, status: str, answer: str, citations: list[dict], retrieved: list[str],
               latency_ms: float, clause_text: dict[str, str], extra: dict | None = None) -> ItemResult:
    cited = [c["id"] for c in citations]
    expected = item.expected_citations
    res = ItemResult(
        id=item.id, question=item.question, category=item.category, kind=item.kind, answerable=item.answerable, status=status,
        answer=answer, citations=citations, retrieved=retrieved, latency_ms=latency_ms,
    )
    res.status_ok = (status == "answered") == item.answerable
    if extra:
        res.summary, res.summary_spans = extra.get("summary"), list(extra.get("summary_spans") or [])
        res.parts = list(extra.get("parts") or [])
    if len(item.parts) >= 2:
        quotes = " ".join(c.get("quote", "") for c in citations)
        parts_cited = all(evidence_found(g, quotes) for p in item.parts if p.get("answerable", True)
                          for g in p.get("expected_evidence", []))
        refused = all(i < len(res.parts) and res.parts[i].get("status") == "not_found"
                      for i, p in enumerate(item.parts) if not p.get("answerable", True))
        res.parts_ok = parts_cited and refused
    if item.must_include and item.answerable:
        res.summary_complete = bool(res.summary) and all(group_included(g, res.summary or "") for g in item.must_include)
    if res.summary:
        res.summary_grounded = summary_grounded(res.summary, res.summary_spans, clause_text)
    res.quotes_verbatim = sum(c.get("quote", "") in clause_text.get(c["id"], "") for c in citations)
    res.forbidden_absent = not any(group_included(g, answer) for g in item.must_not_include)
    if expected:
        res.hit_rank = first_hit_rank(item, retrieved) if item.answerable else None
        res.citation_recall = sum(group_cited(g, cited) for g in expected) / len(expected)
    if item.expected_evidence:
        quotes = " ".join(c.get("quote", "") for c in citations)
        res.evidence_rank = first_evidence_rank(item.expected_evidence, retrieved, clause_text) if item.answerable else None
        res.evidence_recall = sum(evidence_found(g, quotes) for g in item.expected_evidence) / len(item.expected_evidence)
    if cited and (expected or item.answerable):
        relevant = [c for c in cited if any(is_within(c, a) or is_within(a, c) for g in expected for a in g.split("|"))]
        res.citation_precision = len(relevant) / len(cited)
    if item.must_include:
        res.facts = sum(group_included(g, answer) for g in item.must_include) / len(item.must_include)
    res.correct = res.status_ok and res.forbidden_absent and (
        not item.answerable or ((res.facts in (None, 1.0)) and (res.citation_recall in (None, 1.0))
                                and (res.evidence_recall in (None, 1.0)))
    )
    return res


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return round(ordered[idx], 2)


def accuracy_by_kind(results: list[ItemResult]) -> dict[str, str]:
    """'correct/total' per kind of question (or category when items give no kind), so a gain in one kind
    cannot hide a loss in another."""
    groups: dict[str, list[bool]] = {}
    for r in results:
        groups.setdefault(r.kind or r.category or "-", []).append(r.correct)
    return {k: f"{sum(v)}/{len(v)}" for k, v in sorted(groups.items())}


def _hit(ranks: list[int | None], k: int, n: int) -> float:
    return round(sum(1 for r in ranks if r is not None and r <= k) / (n or 1), 4)


def aggregate(results: list[ItemResult]) -> dict[str, float | int | None]:
    # Judged by clause ID where the item gives IDs, else by evidence strings.
    answerable = [r for r in results if r.answerable and (r.citation_recall is not None or r.evidence_recall is not None)]
    ranks = [r.hit_rank if r.citation_recall is not None else r.evidence_rank for r in answerable]
    by_evidence = [r.evidence_rank for r in results if r.answerable and r.evidence_recall is not None]
    refused = [r for r in results if r.status == "not_found"]
    unanswerable = [r for r in results if not r.answerable]
    all_citations = [c for r in results for c in r.citations]
    latencies = [r.latency_ms for r in results]
    n = len(answerable) or 1
    return {
        "items": len(results),
        "hit@1": round(sum(1 for k in ranks if k is not None and k <= 1) / n, 4),
        "hit@3": round(sum(1 for k in ranks if k is not None and k <= 3) / n, 4),
        "hit@5": round(sum(1 for k in ranks if k is not None and k <= 5) / n, 4),
        "mrr": round(sum(1 / k for k in ranks if k) / n, 4),
        "citation_precision": _mean([r.citation_precision for r in results if r.citation_precision is not None]),
        "citation_recall": _mean([r.citation_recall for r in results if r.answerable and r.citation_recall is not None]),
        "facts": _mean([r.facts for r in results if r.facts is not None]),
        "answer_accuracy": _mean([1.0 if r.correct else 0.0 for r in results]),
        **({f"evidence_hit@{k}": _hit(by_evidence, k, len(by_evidence)) for k in (1, 3, 5)} if by_evidence else {}),
        "evidence_recall": _mean([r.evidence_recall for r in results if r.answerable and r.evidence_recall is not None]),
        "parts_all_right": _mean([1.0 if r.parts_ok else 0.0 for r in results if r.parts_ok is not None]),
        "summary_rate": _mean([1.0 if r.summary else 0.0 for r in results if r.status == "answered"]),
        "summary_accuracy": _mean([1.0 if r.summary_complete else 0.0 for r in results if r.summary_complete is not None]),
        "summary_unsupported": sum(r.summary_grounded is False for r in results),
        "refusal_precision": round(sum(not r.answerable for r in refused) / len(refused), 4) if refused else 1.0,
        "refusal_recall": round(sum(r.status == "not_found" for r in unanswerable) / len(unanswerable), 4) if unanswerable else 1.0,
        "quote_fidelity": round(sum(r.quotes_verbatim for r in results) / len(all_citations), 4) if all_citations else 1.0,
        "latency_p50_ms": round(median(latencies), 2) if latencies else 0.0,
        "latency_p95_ms": percentile(latencies, 95),
        "latency_max_ms": round(max(latencies), 2) if latencies else 0.0,
    }
