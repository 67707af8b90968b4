"""The check, outline-check and template subcommands of app.py.

Exit codes: 0 the check ran (whatever the verdict), 2 the input was refused with a message on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from corpus.models import Clause

BAD_INPUT = 2


def add_parsers(sub: Any) -> None:  # argparse's _SubParsersAction is private
    check = sub.add_parser("check", help="check a project or submission profile (JSON) against the notice's rules")
    check.add_argument("profile", type=Path, help="PROFILE.json: a key project, or a provincial submission")
    check.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    outline = sub.add_parser("outline-check", help="compare a draft plan's headings with Annex 1")
    outline.add_argument("draft", type=Path, help="the draft: .docx, .md or .txt")
    outline.add_argument("--json", action="store_true", help="print the report as JSON")
    template = sub.add_parser("template", help="write an empty plan skeleton with Annex 1's headings and guidance")
    template.add_argument("--out", type=Path, required=True, help="plan.docx or plan.md")


def _clauses(settings: Settings) -> dict[str, Clause]:
    from corpus.loader import load_notice

    return load_notice(settings.corpus_file).by_id()


def _refuse(messages: list[str]) -> int:
    for m in messages:
        print(m, file=sys.stderr)
    return BAD_INPUT


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from checks.engine import RuleEngine
    from checks.profile import ProfileError, parse_profile_json
    from checks.report import verdicts_text

    try:
        text = Path(args.profile).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return _refuse([f"无法读取档案文件 {args.profile}：{exc.__class__.__name__}。"])
    try:
        profile = parse_profile_json(text)
    except ProfileError as exc:
        return _refuse(exc.messages)
    clauses = _clauses(settings)
    report = RuleEngine(clauses).check(profile)
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        kind = "省级报送材料" if profile.kind == "submission" else "重点项目"
        print(verdicts_text(report.verdicts, report.overall, clauses, f"核对对象：{kind}（{args.profile.name}）\n"))
    return 0


def cmd_outline_check(args: argparse.Namespace, settings: Settings) -> int:
    from checks.outline import OutlineChecker
    from checks.report import verdicts_text
    from checks.uploads import MB, UploadError, UploadLimits

    clauses = _clauses(settings)
    try:
        report = OutlineChecker(clauses, limits=UploadLimits(max_bytes=int(settings.max_upload_mb * MB))).check_file(args.draft)
    except UploadError as exc:
        return _refuse([str(exc)])
    if args.json:
        print(report.model_dump_json(indent=2))
        return 0
    lines = [f"草稿：{report.file}", "", "对照附件1大纲："]
    for m in report.sections:
        lines.append(f"  {'✓' if m.heading else '✗'} {m.clause_id} {m.title}" + (f"  ←  {m.heading}" if m.heading else ""))
    for p in report.projects:
        lines.append(f"  重点项目“{p.title}”：6个方面具备 {len(p.aspects_found)} 个" +
                     (f"，缺少 {'、'.join(p.aspects_missing)}" if p.aspects_missing else ""))
    print("\n".join(lines) + "\n")
    print(verdicts_text(report.findings, report.overall, clauses, "发现的问题：\n" if report.findings else "未发现问题。\n"))
    return 0


def cmd_template(args: argparse.Namespace, settings: Settings) -> int:
    from checks.template import write_template

    try:
        out = write_template(_clauses(settings), args.out)
    except ValueError as exc:
        return _refuse([str(exc)])
    print(f"已写入方案模板：{out}")
    return 0


COMMANDS = {"check": cmd_check, "outline-check": cmd_outline_check, "template": cmd_template}
