"""Command line: ask, ingest, and (with no command) the web UI."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from assistant.settings import Settings
from checks import commands as check_commands

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="app.py", description="物联网区域试点通知问答助手 / QA assistant for the NDRC 2013 IoT pilot notice")
    p.add_argument("--host", default="127.0.0.1", help="web UI address")
    p.add_argument("--port", type=int, default=7860, help="web UI port")
    sub = p.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer one question with citations")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer object as JSON")
    ask.add_argument("--k", type=int, default=None, help="clauses to retrieve")
    ingest = sub.add_parser("ingest", help="build the index (only when missing or stale unless --rebuild)")
    ingest.add_argument("--rebuild", action="store_true")
    check_commands.add_parsers(sub)  # check, outline-check, template (checks/commands.py)
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
    from assistant.service import AssistantService, InvalidQuestion

    if args.k:
        settings = settings.model_copy(update={"top_k": args.k})
    try:
        answer = AssistantService(settings).ask(args.question)
    except InvalidQuestion as exc:
        print(str(exc), file=sys.stderr)
        return 2
    _print_answer(answer, args.json)
    return 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from assistant.service import AssistantService

    service = AssistantService(settings)
    bars: list[tqdm] = []  # created on the first progress report: an up-to-date index shows no empty bar

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, desc="embedding", unit="passage"))
        bars[0].total = total
        bars[0].n = done
        bars[0].refresh()

    index = service.ingest(rebuild=args.rebuild, progress=progress)
    for bar in bars:
        bar.close()
    manifest = index.current_manifest()
    took = f"{index.last_build_seconds:.2f} s" if index.last_build_seconds else "already up to date"
    print(f"index ready: {manifest.clause_count if manifest else '?'} documents, embedder {manifest.embedder if manifest else '?'} ({took})")
    started = time.perf_counter()
    # Trained here (or loaded), so that the first question after an ingest does not wait for it.
    state = "ready" if service.router is not None else "off"
    print(f"clause router {state} ({time.perf_counter() - started:.2f} s)")
    return 0


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from web import launch
    except ImportError:
        _parser().print_help()
        return 0
    from assistant.service import AssistantService

    launch(AssistantService(settings), host=args.host, port=args.port, concurrency_limit=settings.web_concurrency)
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    settings = Settings()
    commands = {"ask": cmd_ask, "ingest": cmd_ingest, **check_commands.COMMANDS, None: cmd_web}
    try:
        return commands[args.command](args, settings)
    except Exception as exc:
        log.debug("command failed", exc_info=True)
        print(f"出错了：{exc}", file=sys.stderr)
        return 1
