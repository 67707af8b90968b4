"""Benchmark the notice library: `notices add` time, memory with 1, 10 and 50 notices loaded, first-answer latency.

    .venv/bin/python scripts/bench_library.py [--counts 1 10 50]     # or: make bench (runs this after bench.py)

The notices are copies of the real notices in the repo (notices/ and eval/notices/), each added under its own
slug, cycling through them. Every add gets an empty embedding cache of its own, so each one embeds its whole
text as a new notice would, instead of reusing the vectors of an earlier copy. Memory is the resident set of
this one process with every added notice loaded and asked one question (MAX_NOTICES_IN_MEMORY is raised to
hold them all).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def sources() -> list[Path]:
    shipped = sorted(p for p in (ROOT / "notices").glob("*/source.*"))
    collected = sorted(p for p in (ROOT / "eval/notices").glob("*/source.*"))
    return shipped + collected


def run(count: int) -> dict[str, object]:
    from assistant.library import NoticeLibrary
    from assistant.settings import Settings

    files = sources()
    with tempfile.TemporaryDirectory(prefix="bench-library-") as tmp:
        base = Settings(data_dir=Path(tmp) / "data", notices_dir=Path(tmp) / "none", max_notices_in_memory=count + 1)
        library = NoticeLibrary(base)
        adds, first_answers, chars = [], [], []
        started_all = time.perf_counter()
        for n in range(count):
            source = files[n % len(files)]
            # An empty vector cache per notice: each add embeds its whole text, as a new notice does.
            library.settings = base.model_copy(update={"embedding_cache": Path(tmp) / f"cache-{n}.sqlite"})
            library.__dict__.pop("embeddings", None)
            started = time.perf_counter()
            staged, service = library.add(source, f"bench-{n:03d}-{source.parent.name}"[:48].rstrip("-"))
            adds.append(time.perf_counter() - started)
            chars.append(len(service.source_text))
            started = time.perf_counter()
            service.ask(service.pack.meta.examples[0] if service.pack.meta.examples else "这份通知的主要内容是什么？")
            first_answers.append((time.perf_counter() - started) * 1000)
        total = time.perf_counter() - started_all
        return {
            "notices": count, "loaded": len(library.loaded()), "total_add_s": round(total, 1),
            "add_s_median": round(statistics.median(adds), 2), "add_s_max": round(max(adds), 2),
            "chars_median": int(statistics.median(chars)), "first_answer_ms_median": round(statistics.median(first_answers), 1),
            "first_answer_ms_max": round(max(first_answers), 1), "rss_mb": rss_mb(),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--counts", type=int, nargs="+", default=[1, 10, 50])
    p.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child is not None:
        print(json.dumps(run(args.child)))
        return 0
    import subprocess

    print("| notices | add: median / max (s) | all adds (s) | first answer: median / max (ms) | RSS (MB) | peak RSS (MB) |")
    print("|---|---|---|---|---|---|")
    for count in args.counts:  # a process per count, so that memory is that count's alone
        out = subprocess.run([sys.executable, __file__, "--child", str(count)], cwd=ROOT, check=True,
                             capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"| {r['notices']} | {r['add_s_median']} / {r['add_s_max']} | {r['total_add_s']} | "
              f"{r['first_answer_ms_median']} / {r['first_answer_ms_max']} | {r['rss_mb']} | {r['peak_rss_mb']} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
