"""python -m eval [--gold FILE] [--out DIR] [--k 5] [--embedder NAME] [--check] [--update-baseline] [--compare naive] [--llm]"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path

from assistant.settings import ROOT, Settings
from eval.gate import load_baseline, regressions, save_baseline
from eval.metrics import aggregate
from eval.report import metrics_table, write_report
from eval.runner import load_gold, run, service_answer_fn, write_results

BASELINE = ROOT / "eval/baseline.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m eval", description="Score the assistant on a gold question set.")
    p.add_argument("--gold", type=Path, default=ROOT / "eval/gold.jsonl")
    p.add_argument("--out", type=Path, default=ROOT / "eval/out")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--embedder", default=None, help="e5-small | sentence-transformers:<path>")
    p.add_argument("--data-dir", type=Path, default=None, help="where the index lives (default: settings)")
    p.add_argument("--check", action="store_true", help="exit 1 when a metric falls below eval/baseline.json")
    p.add_argument("--update-baseline", action="store_true", help="write these metrics as the new baseline")
    p.add_argument("--compare", choices=["naive"], default=None)
    p.add_argument("--llm", action="store_true",
                   help="answer through the configured LLM (LLM_PROVIDER, LLM_MODEL, …) instead of the offline answerer")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    from assistant.service import AssistantService

    overrides = {"top_k": args.k}
    if args.embedder:
        overrides["embedder"] = args.embedder
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    if not args.llm:
        overrides["llm_provider"] = "none"  # the gate and the baseline measure the offline answerer
    service = AssistantService(Settings(**overrides))
    tally: Counter[str] = Counter()
    if args.llm:
        from eval.llm import llm_out_dir, llm_settings_problem

        problem = llm_settings_problem(service.settings)
        if problem or args.update_baseline:
            print(problem or "--update-baseline: the baseline is for the offline answerer, not --llm", file=sys.stderr)
            return 2
        args.out = llm_out_dir(args.out, service.mode)
    items = load_gold(args.gold)
    t0 = time.perf_counter()
    service.ingest()
    build_s = service.index.last_build_seconds
    service.ask("投资规模")  # warm the chain so latency is per question, not start-up
    cold_s = time.perf_counter() - t0
    clause_text = {c.id: c.text for c in service.document.clauses}
    if args.llm:
        from eval.llm import tallying_answer_fn

        results = run(items, tallying_answer_fn(service, tally), clause_text, service.mode)
    else:
        results = run(items, service_answer_fn(service), clause_text, "hybrid")
    metrics = aggregate(results)
    naive = None
    if args.compare == "naive":
        from corpus.loader import read_source
        from eval.naive import naive_answer_fn

        fn = naive_answer_fn(read_source(service.settings.corpus_file), service.document, service.embeddings, args.k)
        naive = aggregate(run(items, fn, clause_text, "naive"))
    extra = {"index build (s)": round(build_s, 2) if build_s else "index was already built",
             "start-up to first answer (s)": round(cold_s, 2), "gold": str(args.gold)}
    if args.llm:
        extra["answer mode"] = f"LLM {service.mode} ({service.settings.llm_provider}, {service.settings.llm_base_url or 'default URL'})"
        extra.update({k: v for k, v in sorted(tally.items())})
    write_results(args.out, results, metrics)
    report = write_report(args.out, results, metrics, naive, extra)
    print(metrics_table(metrics, naive))
    if args.llm:
        print("\n" + "\n".join(f"{k}: {v}" for k, v in extra.items() if k == "answer mode" or k in tally))
    print(f"\nreport: {report}")
    if args.update_baseline:
        save_baseline(BASELINE, metrics)
        print(f"baseline updated: {BASELINE}")
    if args.check:
        failed = regressions(metrics, load_baseline(BASELINE), len(items))
        if failed:
            print("REGRESSION: " + "; ".join(failed))
            return 1
        print("check passed: no metric below baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
