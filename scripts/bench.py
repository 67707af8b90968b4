"""Benchmark: index build time, cold `ask`, warm per-question latency and peak RSS.

    .venv/bin/python scripts/bench.py            # or: make bench

Every number is measured here, on this machine, in fresh processes where it
matters (cold start, build, RSS). Nothing is timed inside the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
QUESTION_SETS = ("eval/gold.jsonl", "eval/dev.jsonl", "eval/dev2.jsonl")


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one child process.

    RUSAGE_CHILDREN reports the largest child so far, so each measurement runs in a bench process of its own
    (child_measure) that starts exactly one child.
    """
    started = time.perf_counter()
    subprocess.run([PY, *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    return wall, round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def child_measure(kind: str, data_dir: str, question: str) -> dict[str, float]:
    """Runs one child in a separate bench process, so that its peak RSS is its own."""
    out = subprocess.run([PY, __file__, "--child", kind, "--data-dir", data_dir, "--question", question],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def warm_latency(data_dir: str) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from assistant.service import AssistantService
    from assistant.settings import Settings
    from eval.runner import load_gold

    service = AssistantService(Settings(data_dir=Path(data_dir)))
    service.ask("单个项目投资规模有什么要求？")  # warm-up: model, index and jieba loaded
    times = []
    for item in (i for name in QUESTION_SETS for i in load_gold(ROOT / name)):
        started = time.perf_counter()
        service.ask(item.question, item.history)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"questions": len(times), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1), "max_ms": round(times[-1], 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=["build", "cold"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--question", default="单个项目投资规模有什么要求？", help="question for the cold-start runs")
    parser.add_argument("--cold-runs", type=int, default=3)
    args = parser.parse_args()
    if args.child:
        env = {**os.environ, "DATA_DIR": args.data_dir}
        cmd = ["app.py", "ingest", "--rebuild"] if args.child == "build" else ["app.py", "ask", "--json", args.question]
        wall, peak = run_child(cmd, env)
        print(json.dumps({"wall_s": round(wall, 2), "peak_rss_mb": peak}))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-") as data_dir:
        build = child_measure("build", data_dir, args.question)  # a first build: every unit is embedded
        rebuild = child_measure("build", data_dir, args.question)  # vectors from the embedding cache
        cold = [child_measure("cold", data_dir, args.question) for _ in range(args.cold_runs)]
        report = {
            "index_build": build,
            "index_rebuild_from_cache": rebuild,
            "cold_ask_wall_s": [c["wall_s"] for c in cold],
            "cold_ask_peak_rss_mb": max(c["peak_rss_mb"] for c in cold),
            "warm_ask": warm_latency(data_dir),
        }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
