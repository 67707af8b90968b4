"""The applicant web chat: Gradio Blocks wiring only.

Callbacks call the AssistantService and the FeedbackStore; everything else
(HTML, session bookkeeping, storage) lives in web.render, web.chat and
web.feedback, where it is unit-tested.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import __version__
from assistant.service import AssistantService, InvalidQuestion
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
from web.feedback import KIND_LABELS, FeedbackError, FeedbackStore
from web.render import clause_choices, esc, render_notice, stream_prefixes
from web.staff import staff_tab

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
TITLE = "物联网区域试点通知 · 问答助手"
EXAMPLES = [
    "单个项目投资规模有什么要求？",
    "项目承担单位必须是企业法人吗？",
    "申报材料要交几份？截止到什么时候？",
    "基本原则有哪些？",
    "重点项目实施方案要从哪几个方面论述？",
]
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


def mode_text(answered_by: str, configured: str) -> str:
    """The 回答模式 line: the model that wrote the answer, or 离线摘录模式 (a fallback says so)."""
    if answered_by != "extractive":
        return f"回答模式：大模型 `{answered_by}`（每句出处已与原文核对）"
    if configured != "extractive":
        return f"回答模式：{MODE_EXTRACTIVE}（大模型 `{configured}` 本次未能给出可核对的回答）"
    return f"回答模式：{MODE_EXTRACTIVE}"


def feedback_store_for(service: AssistantService) -> FeedbackStore:
    """The feedback DB of a service: <data_dir>/feedback.db."""
    return FeedbackStore(Path(service.settings.data_dir) / "feedback.db")


def launch_options() -> dict[str, Any]:
    """CSS and head script; Gradio 6 takes them in launch(), so anyone launching build_app() needs these."""
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    return {"css": css, "head": f"<script>{js}</script>", "theme": gr.themes.Soft()}


def build_app(
    service: AssistantService, feedback_store: FeedbackStore, *,
    stream_chunk: int = STREAM_CHUNK, stream_delay_s: float = STREAM_DELAY_S,
) -> gr.Blocks:
    """The web UI for one service: 智能问答 (chat) and 通知原文 (notice) tabs, plus the /ask API."""
    clauses = service.clauses
    ordered = service.document.clauses
    try:
        feedback_store.init()
    except (sqlite3.Error, OSError):  # the UI still answers; each feedback attempt then reports the failure
        log.exception("feedback DB %s is not usable", feedback_store.db_path)

    # -- callbacks: each one only calls the service / the store --------------
    def respond(question: str, turns: list[Turn]) -> Iterator[tuple[Any, Any, Any]]:
        turns = list(turns or [])
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
        answered_by = turns[-1]["answer"].get("mode", "extractive") if turns else service.mode
        return mode_text(answered_by, service.mode)

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

    def ask_api(question: str, history: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """Answer a question about the notice; history is the earlier turns as [{role, content}]."""
        try:
            return service.ask(question, normalise_history(history)).model_dump(mode="json")
        except (InvalidQuestion, BadHistory) as exc:
            raise gr.Error(str(exc)) from None
        except Exception:
            log.exception("API answering failed")
            raise gr.Error(ANSWER_FAILED) from None

    # -- layout ----------------------------------------------------------------
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        turns = gr.State([])
        gr.Markdown(
            f"### {TITLE}\n关于《关于组织开展2014-2016年国家物联网重大应用示范工程区域试点工作的通知》的问答。"
            + ("回答逐字摘自通知原文，并标注出处条款；" if service.mode == "extractive"
               else "回答由大模型依据检索到的通知条款撰写，每句标注出处条款并经核对；")
            + "原文未规定的内容会如实说明。",
            elem_id="app-intro",
        )
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
                    gr.Markdown("示例问题：", elem_id="examples-label")
                    example_buttons = [gr.Button(q, size="sm", elem_classes=["qa-example"]) for q in EXAMPLES]
                answer_mode = gr.Markdown(mode_text(service.mode, service.mode), elem_id="answer-mode")
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
                gr.HTML(render_notice(ordered), elem_id="notice-html")
            staff_tab(service)  # 员工工具: login-protected checks (web/staff.py); the chat stays open

        # -- events ----------------------------------------------------------------
        chat_io = dict(inputs=[question, turns], outputs=[question, chatbot, turns], show_progress="hidden")
        for trigger in (question.submit, send.click):
            trigger(respond, api_visibility="private", **chat_io).then(
                refresh_targets, turns, target, api_visibility="private", show_progress="hidden").then(
                show_mode, turns, answer_mode, api_visibility="private", show_progress="hidden")
        for button in example_buttons:
            button.click(respond, inputs=[button, turns], outputs=[question, chatbot, turns],
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
        gr.api(ask_api, api_name="ask")
    return demo


def warm_up(service: AssistantService) -> None:
    """Open the index and load the models before serving, so the first user does not wait."""
    started = time.perf_counter()
    try:
        service.ask("单个项目投资规模有什么要求？")
    except Exception:
        log.exception("warm-up failed; the first question will be slow or fail")
        return
    log.info("service warmed up in %.1f s", time.perf_counter() - started)


def launch(
    service: AssistantService, host: str = "127.0.0.1", port: int = 7860, *,
    feedback_store: FeedbackStore | None = None, block: bool = True, warm: bool = True,
    concurrency_limit: int = DEFAULT_CONCURRENCY, **launch_kwargs: Any,
) -> gr.Blocks:
    """Build and serve the UI. block=False returns once the server runs in a background thread."""
    if warm:
        warm_up(service)
    demo = build_app(service, feedback_store or feedback_store_for(service))
    demo.queue(default_concurrency_limit=concurrency_limit)
    options = {
        "server_name": host, "server_port": port, "prevent_thread_lock": not block, "show_error": False,
        "quiet": not block, "ssr_mode": False, "footer_links": ["api"], **launch_options(), **launch_kwargs,
    }
    log.info("web UI %s on http://%s:%d", __version__, host, port)
    demo.launch(**options)
    return demo
