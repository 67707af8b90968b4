"""report.md with a metrics table (and the naive baseline beside it) and two PNG plots."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from eval.metrics import ItemResult


def _plots(out: Path, results: list[ItemResult]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_cat: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        by_cat[r.category or "none"].append(r.correct)
    cats = sorted(by_cat)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(cats, [sum(by_cat[c]) / len(by_cat[c]) for c in cats])
    ax.set_ylim(0, 1)
    ax.set_ylabel("answer accuracy")
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(out / "accuracy_by_category.png")
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.hist([r.latency_ms for r in results], bins=30)
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("questions")
    fig.tight_layout()
    fig.savefig(out / "latency_hist.png")
    plt.close(fig)
    return ["accuracy_by_category.png", "latency_hist.png"]


def metrics_table(metrics: dict, naive: dict | None = None) -> str:
    head = "| metric | hybrid+extractive |" + (" naive RAG |" if naive else "")
    rule = "|---|---|" + ("---|" if naive else "")
    rows = [head, rule]
    for name, value in metrics.items():
        row = f"| {name} | {value} |"
        if naive:
            row += f" {naive.get(name)} |"
        rows.append(row)
    if naive and naive.get("latency_p50_ms"):
        rows.append(f"| latency ratio (naive p50 / ours p50) | 1 | {round(naive['latency_p50_ms'] / max(metrics['latency_p50_ms'], 1e-9), 2)} |")
    return "\n".join(rows)


def write_report(out: Path, results: list[ItemResult], metrics: dict, naive: dict | None, extra: dict) -> Path:
    images = _plots(out, results)
    failures = [r for r in results if not r.correct]
    lines = ["# Eval report", "", metrics_table(metrics, naive), ""]
    lines += [f"- {k}: {v}" for k, v in extra.items()]
    lines += ["", *[f"![{i}]({i})" for i in images], "", f"## Items not answered correctly ({len(failures)})", ""]
    lines += [f"- {r.id} [{r.category}] {r.question} → {r.status}, cited {[c['id'] for c in r.citations]}, top {r.retrieved[:3]}"
              for r in failures]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path
