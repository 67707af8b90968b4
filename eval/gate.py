"""The regression gate: compare metrics with eval/baseline.json."""

from __future__ import annotations

import json
from pathlib import Path

# Accuracy-type metrics may fall by at most one item's worth; latency is reported, never gated.
GATED = ("hit@1", "hit@3", "hit@5", "mrr", "citation_precision", "citation_recall", "facts",
         "answer_accuracy", "refusal_precision", "refusal_recall", "quote_fidelity")


def regressions(metrics: dict, baseline: dict, items: int) -> list[str]:
    """Names and values of every gated metric that fell below baseline by more than one item."""
    tolerance = 1.0 / max(items, 1) + 1e-9
    failed = []
    for name in GATED:
        old, new = baseline.get(name), metrics.get(name)
        if old is None or new is None:
            continue
        allowed = 0.0 if name == "quote_fidelity" else tolerance
        if new < old - allowed:
            failed.append(f"{name}: {new} < baseline {old}")
    return failed


def load_baseline(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))


def save_baseline(path: Path, metrics: dict) -> None:
    from retrieval.index import write_atomic

    gated = {k: metrics[k] for k in GATED if k in metrics}
    gated["items"] = metrics.get("items")
    write_atomic(path, json.dumps(gated, ensure_ascii=False, indent=2) + "\n")
