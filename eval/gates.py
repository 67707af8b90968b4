"""python -m eval.gates: every notice's gold set against its own baseline (eval/gates.yaml); exit 1 on a regression.

The flagship's gate is `python -m eval --check`; these are the other notices', answered with no hand-written
data, so that generic quality cannot fall silently. A notice given as a file is added as a temporary pack.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import yaml
from pydantic import BaseModel

from assistant.settings import ROOT, Settings

GATES_FILE = ROOT / "eval/gates.yaml"


class Gate(BaseModel):
    notice: str  # a slug, or a notice file relative to the repo
    gold: str
    baseline: str


def load_gates(path: Path = GATES_FILE) -> list[Gate]:
    with open(path, encoding="utf-8") as fh:
        return [Gate.model_validate(g) for g in yaml.safe_load(fh) or []]


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    p = argparse.ArgumentParser(prog="python -m eval.gates", description=__doc__)
    p.add_argument("--update-baseline", action="store_true", help="write each notice's metrics as its baseline")
    args = p.parse_args(argv)
    from eval.__main__ import notice_service
    from eval.gate import load_baseline, regressions, save_baseline
    from eval.metrics import aggregate
    from eval.runner import load_gold, run, service_answer_fn

    failed = []
    for gate in load_gates():
        notice = str(ROOT / gate.notice) if (ROOT / gate.notice).is_file() else gate.notice
        service = notice_service(Settings(llm_provider="none"), notice)
        service.ingest()
        items = load_gold(ROOT / gate.gold)
        clause_text = {c.id: c.text for c in service.document.clauses}
        metrics = aggregate(run(items, service_answer_fn(service), clause_text, service.pack.slug))
        shown = ", ".join(f"{k} {metrics[k]}" for k in ("hit@3", "answer_accuracy", "refusal_precision",
                                                          "refusal_recall", "quote_fidelity") if k in metrics)
        print(f"{service.pack.slug}: {len(items)} items: {shown}")
        baseline = ROOT / gate.baseline
        if args.update_baseline:
            save_baseline(baseline, metrics)
            continue
        problems = regressions(metrics, load_baseline(baseline), len(items))
        if problems:
            failed.append(f"{service.pack.slug}: " + "; ".join(problems))
    if failed:
        print("REGRESSION: " + " | ".join(failed))
        return 1
    print("notice gates passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
