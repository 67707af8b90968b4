"""The check, outline-check and template subcommands of app.py.

Exit codes: 0 the check ran (whatever the verdict), 2 the input was refused with a message on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from assistant.settings import Settings

BAD_INPUT = 2


def add_parsers(sub: Any) -> None:  # argparse's _SubParsersAction is private
    check = sub.add_parser("check", help="check a project or submission profile (JSON) against the notice's rules")
    check.add_argument("profile", type=Path, help="PROFILE.json: a key project, or a provincial submission")
    check.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    outline = sub.add_parser("outline-check", help="compare a draft plan's headings with the notice's plan outline")
    outline.add_argument("draft", type=Path, help="the draft: .docx, .md or .txt")
    outline.add_argument("--json", action="store_true", help="print the report as JSON")
    template = sub.add_parser("template", help="write an empty plan skeleton with the outline's headings and guidance")
    template.add_argument("--out", type=Path, required=True, help="plan.docx or plan.md")
    for command in (check, outline, template):
        command.add_argument("--notice", default=None, help="the notice's slug (default: the default notice)")


class FeatureOff(Exception):
    """The notice has no data for this check; the message says which."""


def _notice(settings: Settings, slug: str | None, feature: str) -> Any:
    """The notice's service, if its pack has what the check needs (eligibility rules, a plan outline)."""
    from assistant.library import NoticeLibrary

    service = NoticeLibrary(settings).service(slug)
    on = service.checker is not None if feature == "rules" else service.pack.meta.outline is not None
    if not on:
        what = "资格核对规则" if feature == "rules" else "方案大纲（outline）"
        raise FeatureOff(f"通知“{service.pack.slug}”未配置{what}，此功能对该通知关闭。")
    return service


def _refuse(messages: list[str]) -> int:
    for m in messages:
        print(m, file=sys.stderr)
    return BAD_INPUT


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
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
    try:
        service = _notice(settings, args.notice, "rules")
    except FeatureOff as exc:
        return _refuse([str(exc)])
    clauses = service.clauses
    report = service.checker.engine.check(profile)
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

    try:
        service = _notice(settings, args.notice, "outline")
    except FeatureOff as exc:
        return _refuse([str(exc)])
    clauses = service.clauses
    engine = service.checker.engine if service.checker is not None else None
    limits = UploadLimits(max_bytes=int(settings.max_upload_mb * MB))
    try:
        report = OutlineChecker(clauses, service.pack.meta.outline, engine, limits).check_file(args.draft)
    except UploadError as exc:
        return _refuse([str(exc)])
    if args.json:
        print(report.model_dump_json(indent=2))
        return 0
    lines = [f"草稿：{report.file}", "", f"对照{clauses[service.pack.meta.outline.annex].marker}大纲："]
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
        service = _notice(settings, args.notice, "outline")
        out = write_template(service.clauses, service.pack.meta.outline, args.out)
    except (FeatureOff, ValueError) as exc:
        return _refuse([str(exc)])
    print(f"已写入方案模板：{out}")
    return 0


COMMANDS = {"check": cmd_check, "outline-check": cmd_outline_check, "template": cmd_template}
