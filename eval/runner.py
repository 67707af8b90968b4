"""Runs a gold set through the answer chain (or the naive baseline) and scores every item."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from tqdm import tqdm

from eval.metrics import GoldItem, ItemResult, score_item

# (status, answer text, citations, retrieved IDs), optionally a fifth: {"summary": …, "summary_spans": […]}
AnswerFn = Callable[[GoldItem], tuple]


def load_gold(path: Path) -> list[GoldItem]:
    items = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    items.append(GoldItem.model_validate_json(line))
                except ValueError as exc:
                    raise ValueError(f"{path}:{n}: not a gold item: {exc}") from exc
    return items


def run(items: Iterable[GoldItem], answer: AnswerFn, clause_text: dict[str, str], label: str = "eval") -> list[ItemResult]:
    results = []
    for item in tqdm(list(items), desc=label, unit="q", leave=False):
        started = time.perf_counter()
        status, text, citations, retrieved, *extra = answer(item)
        latency = (time.perf_counter() - started) * 1000
        results.append(score_item(item, status, text, citations, retrieved, round(latency, 2), clause_text,
                                  extra[0] if extra else None))
    return results


def service_answer_fn(service) -> AnswerFn:  # noqa: ANN001 - AssistantService, imported lazily by the caller
    def answer(item: GoldItem) -> tuple[str, str, list[dict], list[str]]:
        ans = service.ask(item.question, item.history)
        summary = {"summary": ans.summary, "summary_spans": [s.model_dump() for s in ans.summary_spans],
                   "parts": [p.model_dump() for p in ans.parts]}
        return ans.status, ans.answer, [c.model_dump() for c in ans.citations], [r.id for r in ans.retrieved], summary

    return answer


def write_results(out: Path, results: list[ItemResult], metrics: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "results.jsonl", "w", encoding="utf-8") as fh:
        for r in results:
            fh.write(json.dumps(r.model_dump(), ensure_ascii=False) + "\n")
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2), "utf-8")
