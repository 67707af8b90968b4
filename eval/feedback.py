"""python -m eval.feedback export --out FILE: 👎 feedback as gold-set candidates (gold schema)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.settings import Settings


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.feedback")
    sub = p.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="write 👎 items as gold candidates (JSONL)")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--db", type=Path, default=None, help="feedback DB (default: <data_dir>/feedback.db)")
    args = p.parse_args(argv)
    from web.feedback import export_gold_candidates

    db = args.db or Settings().data_dir / "feedback.db"
    count = export_gold_candidates(db, args.out)
    print(f"{count} gold candidates written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
