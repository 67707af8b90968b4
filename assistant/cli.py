"""Command line: ask, ingest, notices, the staff checks, and (with no command) the web UI."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from assistant.settings import Settings
from checks import commands as check_commands
from store import commands as staff_commands

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="app.py", description="通知问答助手：引用条款原文回答关于通知的问题 / cited QA over Chinese notices")
    p.add_argument("--host", default="127.0.0.1", help="web UI address")
    p.add_argument("--port", type=int, default=7860, help="web UI port")
    sub = p.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer one question with citations")
    ask.add_argument("question")
    ask.add_argument("--notice", default=None, help="the notice's slug (default: DEFAULT_NOTICE, or the only notice)")
    ask.add_argument("--json", action="store_true", help="print the answer object as JSON")
    ask.add_argument("--k", type=int, default=None, help="clauses to retrieve")
    ingest = sub.add_parser("ingest", help="build the indexes (only when missing or stale unless --rebuild)")
    ingest.add_argument("--notice", default=None, help="only this notice (default: every notice)")
    ingest.add_argument("--rebuild", action="store_true")
    notices = sub.add_parser("notices", help="the notice library: add, list, remove")
    nsub = notices.add_subparsers(dest="notices_command", required=True)
    add = nsub.add_parser("add", help="add a notice (TXT, DOCX, text PDF or a saved web page) and index it")
    add.add_argument("file", type=Path)
    add.add_argument("--slug", default=None, help="its ID in the library (default: from the file name)")
    nsub.add_parser("list", help="list the notices")
    remove = nsub.add_parser("remove", help="remove an added notice")
    remove.add_argument("slug")
    check_commands.add_parsers(sub)  # check, outline-check, template (checks/commands.py)
    staff_commands.add_parsers(sub)  # staff accounts (store/commands.py)
    return p


def _print_answer(answer, as_json: bool) -> None:  # noqa: ANN001 - retrieval.answer.Answer
    if as_json:
        print(answer.model_dump_json(indent=2))
        return
    print(answer.answer)
    if answer.citations:
        print("\n出处：")
        for c in answer.citations:
            print(f"  [{c.id}] {c.label}")


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.library import LibraryError, NoticeLibrary
    from assistant.service import InvalidQuestion

    if args.k:
        settings = settings.model_copy(update={"top_k": args.k})
    try:
        answer = NoticeLibrary(settings).service(args.notice).ask(args.question)
    except (InvalidQuestion, LibraryError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    _print_answer(answer, args.json)
    return 0


class _ProgressBar:
    """A tqdm bar made on the first report: an index that is already up to date shows no empty bar."""

    def __init__(self, desc: str) -> None:
        self.desc = desc
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.desc, unit="passage")
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _report_index(service, rebuild: bool = False) -> None:  # noqa: ANN001 - AssistantService
    progress = _ProgressBar(f"embedding {service.pack.slug}")
    index = service.ingest(rebuild=rebuild, progress=progress)
    progress.close()
    manifest = index.current_manifest()
    took = f"{index.last_build_seconds:.2f} s" if index.last_build_seconds else "already up to date"
    print(f"{service.pack.slug}: index ready: {manifest.clause_count if manifest else '?'} documents, "
          f"embedder {manifest.embedder if manifest else '?'} ({took})")
    started = time.perf_counter()
    # Trained here (or loaded), so that the first question after an ingest does not wait for it.
    state = "ready" if service.router is not None else "off"
    print(f"{service.pack.slug}: clause router {state} ({time.perf_counter() - started:.2f} s)")


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.library import NoticeLibrary

    library = NoticeLibrary(settings)
    packs = [library.pack(args.notice)] if args.notice else library.packs()
    for pack in packs:
        _report_index(library.service_for(pack), args.rebuild)
    return 0


def cmd_notices(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.library import NoticeLibrary

    library = NoticeLibrary(settings)
    if args.notices_command == "list":
        default = library.default_slug() if library.packs() else None
        for pack in library.packs():
            m = pack.meta
            mark = "*" if pack.slug == default else " "
            where = "shipped" if pack.shipped else "added"
            print(f"{mark} {pack.slug:<40} {m.date or '':<10} {where:<7} {m.title}")
        return 0
    if args.notices_command == "remove":
        library.remove(args.slug)
        print(f"已删除通知：{args.slug}")
        return 0
    return _add_notice(library, args.file, args.slug)


def _add_notice(library, path: Path, slug: str | None) -> int:  # noqa: ANN001 - NoticeLibrary
    from corpus.formats import NoticeFileError

    started = time.perf_counter()
    try:
        staged = library.stage(path.read_bytes(), str(path), slug) if path.is_file() else None
    except NoticeFileError as exc:
        print(f"无法添加 {path.name}：{exc}", file=sys.stderr)
        return 2
    if staged is None:
        print(f"找不到文件：{path}", file=sys.stderr)
        return 2
    m = staged.meta
    print(f"通知：{m.title}\n标识：{m.slug}{'（将替换同名通知）' if staged.replaces else ''}")
    for label, value in (("发文机关", m.issuer), ("发文字号", m.doc_number), ("成文日期", m.date),
                         ("主送", "；".join(m.recipients)), ("格式", m.source_format)):
        if value:
            print(f"{label}：{value}")
    for annex in m.annexes:
        print(f"附件{annex.number}：{annex.title}{'' if annex.content_provided else '（原文未提供内容）'}")
    print(f"\n条款（{len(staged.document.clauses)}）：")
    print("\n".join("  " + line for line in staged.tree()))
    for w in staged.warnings:
        print(f"注意：{w}")
    progress = _ProgressBar(f"embedding {m.slug}")
    service = library.publish(staged, progress)
    progress.close()
    print(f"\n已发布：{m.slug}（{time.perf_counter() - started:.1f} s）。提问：app.py ask --notice {m.slug} \"问题\"")
    missing = service.pack.missing_features()
    if missing:
        print(f"未配置：{'、'.join(missing)}（相应功能对此通知关闭）")
    return 0


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from web import launch
    except ImportError:
        _parser().print_help()
        return 0
    from assistant.library import NoticeLibrary

    launch(NoticeLibrary(settings), host=args.host, port=args.port, concurrency_limit=settings.web_concurrency)
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    settings = Settings()
    commands = {"ask": cmd_ask, "ingest": cmd_ingest, "notices": cmd_notices, **check_commands.COMMANDS,
                **staff_commands.COMMANDS, None: cmd_web}
    try:
        return commands[args.command](args, settings)
    except Exception as exc:
        from assistant.library import LibraryError

        if isinstance(exc, LibraryError):  # a request the library refuses: its message is the whole story
            print(str(exc), file=sys.stderr)
            return 2
        log.debug("command failed", exc_info=True)
        print(f"出错了：{exc}", file=sys.stderr)
        return 1
