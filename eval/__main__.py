"""python -m eval [--notice SLUG|FILE] [--gold FILE] [--out DIR] [--k 5] [--embedder NAME] [--check] [--update-baseline]
[--compare naive] [--llm]"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from assistant.settings import ROOT, Settings
from eval.gate import load_baseline, regressions, save_baseline
from eval.metrics import accuracy_by_kind, aggregate
from eval.report import metrics_table, write_report
from eval.runner import load_gold, run, service_answer_fn, write_results

BASELINE = ROOT / "eval/baseline.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m eval", description="Score the assistant on a gold question set.")
    p.add_argument("--notice", default=None,
                   help="a notice's slug, or a notice FILE (added as a temporary pack without enrichments); default: the "
                   "default notice")
    p.add_argument("--gold", type=Path, default=ROOT / "eval/gold.jsonl")
    p.add_argument("--generic", action="store_true",
                   help="without the pack's hand-written data (ENRICHMENTS=false): as a notice added without it is answered")
    p.add_argument("--out", type=Path, default=ROOT / "eval/out")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--embedder", default=None, help="e5-small | sentence-transformers:<path>")
    p.add_argument("--data-dir", type=Path, default=None, help="where the index lives (default: settings)")
    p.add_argument("--baseline", type=Path, default=BASELINE, help="the baseline --check and --update-baseline use")
    p.add_argument("--check", action="store_true", help="exit 1 when a metric falls below the baseline")
    p.add_argument("--update-baseline", action="store_true", help="write these metrics as the new baseline")
    p.add_argument("--compare", choices=["naive"], default=None)
    p.add_argument("--llm", action="store_true",
                   help="answer through the configured LLM (LLM_PROVIDER, LLM_MODEL, …) instead of the offline answerer")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    overrides: dict[str, object] = {"top_k": args.k}
    if args.embedder:
        overrides["embedder"] = args.embedder
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    if not args.llm:
        overrides["llm_provider"] = "none"  # the gate and the baseline measure the offline answerer
    if args.generic:
        overrides["enrichments"] = False
    service = notice_service(Settings(**overrides), args.notice)
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
    service.ask(items[0].question if items else "通知")  # warm the chain so latency is per question, not start-up
    cold_s = time.perf_counter() - t0
    clause_text = {c.id: c.text for c in service.document.clauses}
    extra_info = {"notice": service.pack.slug}
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

        fn = naive_answer_fn(read_source(service.pack.text_path), service.document, service.embeddings, args.k)
        naive = aggregate(run(items, fn, clause_text, "naive"))
    extra = {"index build (s)": round(build_s, 2) if build_s else "index was already built",
             "start-up to first answer (s)": round(cold_s, 2), "gold": str(args.gold), **extra_info,
             "enrichments": "on" if service.settings.enrichments else "off"}
    if args.llm:
        extra["answer mode"] = f"LLM {service.mode} ({service.settings.llm_provider}, {service.settings.llm_base_url or 'default URL'})"
        extra.update({k: v for k, v in sorted(tally.items())})
    write_results(args.out, results, metrics)
    report = write_report(args.out, results, metrics, naive, extra)
    print(metrics_table(metrics, naive))
    print("\naccuracy by kind: " + ", ".join(f"{k} {v}" for k, v in accuracy_by_kind(results).items()))
    if args.llm:
        print("\n" + "\n".join(f"{k}: {v}" for k, v in extra.items() if k == "answer mode" or k in tally))
    print(f"\nreport: {report}")
    if args.update_baseline:
        save_baseline(args.baseline, metrics)
        print(f"baseline updated: {args.baseline}")
    if args.check:
        failed = regressions(metrics, load_baseline(args.baseline), len(items))
        if failed:
            print("REGRESSION: " + "; ".join(failed))
            return 1
        print("check passed: no metric below baseline")
    return 0


def notice_service(settings: Settings, notice: str | None) -> Any:
    """The service for a notice slug, or for a notice file added to a temporary library (index and all) that is
    deleted at exit; the embedding cache is shared, so a second run embeds nothing."""
    from assistant.library import NoticeLibrary

    path = Path(notice) if notice else None
    if path is None or not path.is_file():
        return NoticeLibrary(settings).service(notice)
    import atexit
    import shutil
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="eval-notice-"))
    atexit.register(shutil.rmtree, scratch, True)
    temp = settings.model_copy(update={"data_dir": scratch, "embedding_cache": settings.embedding_cache_file,
                                       "router_cache": scratch / "router"})
    _staged, service = NoticeLibrary(temp).add(path)
    return service


if __name__ == "__main__":
    sys.exit(main())
