"""The applicant web chat: Gradio Blocks wiring only.

Callbacks call the NoticeLibrary (one AssistantService per notice) and the
FeedbackStore; everything else (HTML, session bookkeeping, storage) lives in
web.render, web.chat and web.feedback, where it is unit-tested.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import __version__
from assistant.library import LibraryError, NoticeLibrary, as_library
from assistant.service import AssistantService, InvalidQuestion
from corpus.packs import NoticePack
from web.chat import (
    FEEDBACK_OPTIONS,
    BadHistory,
    Turn,
    chat_messages,
    like_feedback,
    new_turn,
    normalise_history,
    pending_messages,
    report_choices,
    service_history,
    turn_for_message,
)
from web.feedback import KIND_LABELS, DatabaseFeedbackStore, FeedbackError, FeedbackStore
from web.render import clause_choices, esc, render_notice, stream_prefixes
from web.staff import staff_tab

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
TITLE_SUFFIX = " · 问答助手"
EXAMPLE_SLOTS = 5  # example buttons; each notice fills them from its pack (notice.yaml: examples)
NO_EXAMPLES = "示例问题：本通知未配置示例问题，请直接输入问题。"
ANSWER_FAILED = "系统暂时无法回答，请稍后再试。"
NO_ANSWER_YET = "请先提问，再对回答进行反馈。"
THANKS = "谢谢您的反馈！"
RATING_LABELS = {"up": "有帮助（赞）", "down": "没帮助（踩）"}
MODE_EXTRACTIVE = "离线摘录模式"
STREAM_CHUNK = 4
STREAM_DELAY_S = 0.012
DEFAULT_CONCURRENCY = 8  # Settings.web_concurrency sets it for `app.py`


def notify(message: str) -> None:
    """A short message for the user as a toast (Gradio renders toast text as HTML, so it is escaped)."""
    gr.Warning(esc(message), title="提示")


BAD_FEEDBACK = "反馈格式有误：需要问题、回答对象，以及评价 up 或 down。"
MAX_ANSWER_JSON = 64_000  # characters: an answer object is a few KB; more is not an answer this app gave


def mode_text(answered_by: str, configured: str) -> str:
    """The 回答模式 line: the model that wrote the answer, or 离线摘录模式 (a fallback says so)."""
    if answered_by != "extractive":
        return f"回答模式：大模型 `{answered_by}`（每句出处已与原文核对）"
    if configured != "extractive":
        return f"回答模式：{MODE_EXTRACTIVE}（大模型 `{configured}` 本次未能给出可核对的回答）"
    return f"回答模式：{MODE_EXTRACTIVE}"


def feedback_store_for(source: NoticeLibrary | AssistantService) -> FeedbackStore | DatabaseFeedbackStore:
    """The feedback table of DATABASE_URL when set (several replicas share it), else <data_dir>/feedback.db."""
    if source.settings.database_url:
        return DatabaseFeedbackStore(source.settings.database_url)
    return FeedbackStore(Path(source.settings.data_dir) / "feedback.db")


def page_title(pack: NoticePack) -> str:
    return pack.meta.display_title + TITLE_SUFFIX


def intro_text(pack: NoticePack, mode: str) -> str:
    """The heading and description of the selected notice, and which of its features are off."""
    meta = pack.meta
    about = meta.description or f"关于《{meta.title}》的问答。"
    how = ("回答逐字摘自通知原文，并标注出处条款；" if mode == "extractive"
           else "回答由大模型依据检索到的通知条款撰写，每句标注出处条款并经核对；")
    facts = "，".join(x for x in (meta.issuer, meta.doc_number, meta.date) if x)
    text = f"### {esc(page_title(pack))}\n{esc(about)}{how}原文未规定的内容会如实说明。"
    if facts:
        text += f"\n\n<small>{esc(facts)}</small>"
    missing = [m for m in pack.missing_features() if m not in ("人工编写的索引问题", "专用术语表", "专用答案类型")]
    if missing:
        text += f"\n\n<small>本通知未配置：{esc('、'.join(missing))}（相应功能已关闭）。</small>"
    return text


def example_updates(pack: NoticePack) -> list[Any]:
    examples = pack.meta.examples[:EXAMPLE_SLOTS]
    return [gr.update(value=examples[i], visible=True) if i < len(examples) else gr.update(value="", visible=False)
            for i in range(EXAMPLE_SLOTS)]


def notice_choices(library: NoticeLibrary) -> list[tuple[str, str]]:
    return [(p.meta.display_title, p.slug) for p in library.packs()]


def launch_options() -> dict[str, Any]:
    """CSS and head script; Gradio 6 takes them in launch(), so anyone launching build_app() needs these."""
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    return {"css": css, "head": f"<script>{js}</script>", "theme": gr.themes.Soft()}


def build_app(
    source: NoticeLibrary | AssistantService, feedback_store: FeedbackStore, *,
    stream_chunk: int = STREAM_CHUNK, stream_delay_s: float = STREAM_DELAY_S,
) -> gr.Blocks:
    """The web UI for a library of notices: 智能问答 (chat) and 通知原文 (notice) tabs, a notice selector once
    there is more than one notice, the staff tab, and the /ask API."""
    library = as_library(source)
    default = library.default_slug()
    first = library.service(default)
    try:
        feedback_store.init()
    except (sqlite3.Error, OSError):  # the UI still answers; each feedback attempt then reports the failure
        log.exception("feedback DB %s is not usable", feedback_store.db_path)

    def service_of(slug: str | None) -> AssistantService:
        try:
            return library.service(slug or None)
        except LibraryError:  # a notice removed since the page was loaded: the default one answers
            return library.service(None)

    # -- callbacks: each one only calls the library / the store --------------
    def respond(question: str, turns: list[Turn], slug: str | None = None) -> Iterator[tuple[Any, Any, Any]]:
        turns = list(turns or [])
        service = service_of(slug)
        clauses = service.clauses
        done = chat_messages(turns, clauses)
        history = service_history(turns)
        if question and question.strip():
            yield "", done + pending_messages(question), gr.skip()
        answer: dict[str, Any] = {}
        generated = ""  # LLM mode: the text as the model writes it (a preview; the validated answer replaces it)
        try:
            for item in service.ask_stream(question or "", history):
                if isinstance(item, str):
                    generated += item
                    yield gr.skip(), done + pending_messages(question, generated), gr.skip()
                else:
                    answer = item.model_dump(mode="json")
        except InvalidQuestion as exc:
            notify(str(exc))
            yield question, done, gr.skip()
            return
        except Exception:
            log.exception("answering failed")
            notify(ANSWER_FAILED)
            yield question, done, gr.skip()
            return
        shown = answer["question"]
        if not generated:  # an extractive answer arrives whole: show it progressively
            for prefix in stream_prefixes(answer["answer"], stream_chunk):
                yield gr.skip(), done + pending_messages(shown, prefix), gr.skip()
                if stream_delay_s:
                    time.sleep(stream_delay_s)
        turns.append(new_turn(shown, history, answer))
        # The question text may hold personal data: log its length, not its words.
        log.info("answered a %d-char question: status=%s cited=%s", len(shown), answer["status"], [c["id"] for c in answer["citations"]])
        yield "", chat_messages(turns, clauses), turns

    def reset() -> tuple[Any, ...]:
        return [], [], "", gr.update(choices=[], value=None), ""

    def show_mode(turns: list[Turn]) -> str:
        answered_by = turns[-1]["answer"].get("mode", "extractive") if turns else first.mode
        return mode_text(answered_by, first.mode)

    def select_notice(slug: str | None) -> tuple[Any, ...]:
        """Another notice: a new conversation, and the title, examples and notice text follow it."""
        service = service_of(slug)
        pack, ordered = service.pack, service.document.clauses
        return (intro_text(pack, service.mode), *example_updates(pack),
                gr.update(value=NO_EXAMPLES if not pack.meta.examples else "示例问题："),
                render_notice(ordered), gr.update(choices=clause_choices(ordered), value=None),
                [], [], "", gr.update(choices=[], value=None), "")

    def refresh_notices(slug: str | None) -> Any:
        """Notices staff added since the page was built appear in the selector on the next page load."""
        choices = notice_choices(library)
        value = slug if slug in {c[1] for c in choices} else default
        return gr.update(choices=choices, value=value, visible=len(choices) > 1)

    def refresh_targets(turns: list[Turn]) -> Any:
        choices = report_choices(turns or [])
        return gr.update(choices=choices, value=choices[0][1] if choices else None)

    def on_like(turns: list[Turn], data: gr.LikeData) -> str:
        turn = turn_for_message(turns or [], data.index)
        verdict = like_feedback(data.liked)
        if turn is None or verdict is None:
            return gr.skip()
        try:
            feedback_store.record(turn["question"], turn["history"], turn["answer"], verdict[0], verdict[1])
        except FeedbackError as exc:
            notify(str(exc))
            return str(exc)
        return f"已记录：{RATING_LABELS[verdict[0]] if verdict[1] == 'rating' else KIND_LABELS[verdict[1]]}。{THANKS}"

    def on_report(turns: list[Turn], target: Any, kind: str, comment: str) -> tuple[str, Any]:
        turns = turns or []
        if not turns:
            return NO_ANSWER_YET, gr.skip()
        index = target if isinstance(target, int) and 0 <= target < len(turns) else len(turns) - 1
        turn = turns[index]
        try:
            feedback_store.record(turn["question"], turn["history"], turn["answer"], "down", kind, comment or "")
        except FeedbackError as exc:
            notify(str(exc))
            return str(exc), gr.skip()
        return f"已记录：{KIND_LABELS.get(kind, kind)}。{THANKS}", ""

    def ask_api(question: str, history: list[dict[str, str]] | None = None,
                notice: str | None = None) -> dict[str, Any]:
        """Answer a question about a notice; history is the earlier turns as [{role, content}]; notice is the
        notice's slug (default: the default notice)."""
        try:
            service = library.service(notice or None)
            return service.ask(question, normalise_history(history)).model_dump(mode="json")
        except (InvalidQuestion, BadHistory, LibraryError) as exc:
            raise gr.Error(str(exc)) from None
        except Exception:
            log.exception("API answering failed")
            raise gr.Error(ANSWER_FAILED) from None

    def feedback_api(question: str, answer: dict[str, Any], rating: str, kind: str = "rating",
                     comment: str = "") -> str:
        """Rate an answer the ask endpoint gave: rating up | down; kind rating | citation_wrong | answer_wrong."""
        if not isinstance(question, str) or not isinstance(answer, dict) or rating not in ("up", "down") \
                or kind not in KIND_LABELS:
            raise gr.Error(BAD_FEEDBACK)
        if len(question) > library.settings.max_question_chars or len(json.dumps(answer, default=str)) > MAX_ANSWER_JSON:
            raise gr.Error(BAD_FEEDBACK)
        try:
            row = feedback_store.record(question, [], answer, rating, kind, str(comment or ""))
        except FeedbackError as exc:
            raise gr.Error(str(exc)) from None
        return f"已记录（#{row}）。{THANKS}"

    # -- layout ----------------------------------------------------------------
    first_pack, ordered = first.pack, first.document.clauses
    choices = notice_choices(library)
    with gr.Blocks(title=page_title(first_pack), analytics_enabled=False) as demo:
        turns = gr.State([])
        notice = gr.Dropdown(choices=choices, value=default, label="选择通知", visible=len(choices) > 1,
                             elem_id="notice-select", interactive=True)
        intro = gr.Markdown(intro_text(first_pack, first.mode), elem_id="app-intro")
        with gr.Tabs(elem_id="main-tabs"):
            with gr.Tab("智能问答", id="chat", elem_id="tab-chat"):
                chatbot = gr.Chatbot(
                    value=[], elem_id="chatbot", show_label=False, height=520, layout="bubble",
                    sanitize_html=True, render_markdown=True, latex_delimiters=[], allow_tags=False,
                    feedback_options=FEEDBACK_OPTIONS, group_consecutive_messages=False, buttons=[],
                    placeholder="请在下方输入问题，或点击示例问题。每条回答下方可点“赞”或“踩”进行评价。",
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        placeholder="请输入关于通知的问题，按回车发送", show_label=False, scale=8, lines=1,
                        max_lines=4, elem_id="question-box", autofocus=True, submit_btn=False,
                    )
                    send = gr.Button("发送", variant="primary", scale=1, min_width=80, elem_id="send-btn")
                    new_chat = gr.Button("新对话", scale=1, min_width=80, elem_id="new-chat-btn")
                with gr.Row(elem_id="examples-row"):
                    examples_label = gr.Markdown("示例问题：" if first_pack.meta.examples else NO_EXAMPLES,
                                                 elem_id="examples-label")
                    shown = first_pack.meta.examples[:EXAMPLE_SLOTS]
                    example_buttons = [gr.Button(shown[i] if i < len(shown) else "", size="sm", visible=i < len(shown),
                                                 elem_classes=["qa-example"]) for i in range(EXAMPLE_SLOTS)]
                answer_mode = gr.Markdown(mode_text(first.mode, first.mode), elem_id="answer-mode")
                status = gr.Markdown("", elem_id="feedback-status")
                with gr.Accordion("报告问题：引用有误 / 答案有误", open=False, elem_id="report-panel"):
                    target = gr.Dropdown(label="针对哪条回答", choices=[], value=None, elem_id="report-target")
                    kind = gr.Radio(
                        choices=[(KIND_LABELS["citation_wrong"], "citation_wrong"),
                                 (KIND_LABELS["answer_wrong"], "answer_wrong")],
                        value="answer_wrong", label="问题类型", elem_id="report-kind",
                    )
                    comment = gr.Textbox(label="补充说明（可选）", lines=2, max_length=2000, elem_id="report-comment")
                    report = gr.Button("提交报告", elem_id="report-btn")
            with gr.Tab("通知原文", id="notice", elem_id="tab-notice"):
                jump = gr.Dropdown(
                    choices=clause_choices(ordered), value=None, label="跳转到条款", elem_id="clause-jump",
                )
                notice_html = gr.HTML(render_notice(ordered), elem_id="notice-html")
            staff_tab(library)  # 员工工具: login-protected checks and notice management (web/staff.py)

        # -- events ----------------------------------------------------------------
        chat_io = dict(inputs=[question, turns, notice], outputs=[question, chatbot, turns], show_progress="hidden")
        for trigger in (question.submit, send.click):
            trigger(respond, api_visibility="private", **chat_io).then(
                refresh_targets, turns, target, api_visibility="private", show_progress="hidden").then(
                show_mode, turns, answer_mode, api_visibility="private", show_progress="hidden")
        for button in example_buttons:
            button.click(respond, inputs=[button, turns, notice], outputs=[question, chatbot, turns],
                         show_progress="hidden", api_visibility="private").then(
                refresh_targets, turns, target, api_visibility="private", show_progress="hidden").then(
                show_mode, turns, answer_mode, api_visibility="private", show_progress="hidden")
        new_chat.click(reset, None, [chatbot, turns, question, target, status], api_visibility="private",
                       show_progress="hidden")
        chatbot.clear(reset, None, [chatbot, turns, question, target, status], api_visibility="private",
                      show_progress="hidden")
        chatbot.like(on_like, turns, status, api_visibility="private", show_progress="hidden")
        report.click(on_report, [turns, target, kind, comment], [status, comment], api_visibility="private",
                     show_progress="hidden")
        jump.change(None, jump, None, js="(id) => { if (id && window.qaJumpToClause) window.qaJumpToClause(id); }")
        notice.change(select_notice, notice,
                      [intro, *example_buttons, examples_label, notice_html, jump, chatbot, turns, question, target,
                       status], api_visibility="private", show_progress="hidden")
        demo.load(refresh_notices, notice, notice, api_visibility="private", show_progress="hidden")
        gr.api(ask_api, api_name="ask")
        gr.api(feedback_api, api_name="feedback")
    return demo


def warm_up(library: NoticeLibrary) -> None:
    """Open the default notice's index and load the models before serving, so the first user does not wait."""
    started = time.perf_counter()
    try:
        service = library.service(None)
        meta = service.pack.meta
        service.ask(meta.examples[0] if meta.examples else meta.title)
    except Exception:
        log.exception("warm-up failed; the first question will be slow or fail")
        return
    log.info("service warmed up in %.1f s", time.perf_counter() - started)


def launch(
    source: NoticeLibrary | AssistantService, host: str = "127.0.0.1", port: int = 7860, *,
    feedback_store: FeedbackStore | None = None, block: bool = True, warm: bool = True,
    concurrency_limit: int = DEFAULT_CONCURRENCY, **launch_kwargs: Any,
) -> gr.Blocks:
    """Build and serve the UI. block=False returns once the server runs in a background thread."""
    library = as_library(source)
    if warm:
        warm_up(library)
    demo = build_app(library, feedback_store or feedback_store_for(library))
    demo.queue(default_concurrency_limit=concurrency_limit)
    options = {
        "server_name": host, "server_port": port, "prevent_thread_lock": not block, "show_error": False,
        "quiet": not block, "ssr_mode": False, "footer_links": ["api"], **launch_options(), **launch_kwargs,
    }
    log.info("web UI %s on http://%s:%d", __version__, host, port)
    demo.launch(**options)
    return demo
