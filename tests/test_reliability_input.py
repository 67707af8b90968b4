"""Bad input in the service, the chat callback, the /ask API (gradio_client and raw HTTP) and the CLI:
each gets a clear Chinese message, no stack trace, and the refusal is logged without the text.

A question made entirely of markup is not refused (it has letters): it gets the plain not_found answer, in
Chinese, and is shown escaped (tests/test_web_browser.py types such questions into the chat).
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from assistant.service import InvalidQuestion
from tests.reliability_support import PY, ROOT, build_index, document_vectors

pytest_plugins = ["tests.conftest_web"]

EMPTY = "问题不能为空"
TOO_LONG = "问题过长"
NO_TEXT = "没有识别到文字内容"
ENCODING = "不是有效的 UTF-8"
PII = "张三13800138000"  # stands for personal data: it must never reach a log

# id -> (question, expected message); invalid UTF-8 arrives as lone surrogates (surrogateescape)
BAD = {
    "empty": ("", EMPTY),
    "whitespace-only": (" \t\n\u3000\xa0 \r\n ", EMPTY),
    "control-only": ("\x01\x07\x1b[31m\x7f\x1b[0m\x0b", EMPTY),
    "zero-width-only": ("\u200b\ufeff\u200d", EMPTY),
    "over-2000-chars": (PII + "问" * 2001, TOO_LONG),
    "megabytes": ("问" * 1_000_000, TOO_LONG),
    "emoji-only": ("😀🎉👍🏻🇨🇳", NO_TEXT),
    "punctuation-only": ("？？！！…… **__## ```", NO_TEXT),
    "markup-symbols-only": ("<<>> </> &&; <!-- -->", NO_TEXT),
    "invalid-utf8": ((PII.encode() + b"\xff\xfe\xcd\xb6").decode("utf-8", "surrogateescape"), ENCODING),
}
MARKUP = {
    "markup-only": "<div class='x'><br/><p></p></div>",
    "script-only": "<script>alert(document.cookie)</script>",
    "img-onerror": '<img src=x onerror="window.__xss=1">',
}
NOT_FOUND = "通知原文未对此作出规定"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
TRACE_MARKERS = ("Traceback", "File \"", "Error:", "Exception")


def assert_clear_message(text: str, expected: str) -> None:
    assert expected in text and CHINESE.search(text), text
    assert not any(m in text for m in TRACE_MARKERS), text


# -- the service ----------------------------------------------------------------------------
@pytest.mark.parametrize(("question", "expected"), list(BAD.values()), ids=list(BAD))
def test_service_refuses_bad_input_with_a_chinese_message(service, question, expected, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(InvalidQuestion) as info:
        service.ask(question)
    assert_clear_message(str(info.value), expected)
    refused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("question refused")]
    assert len(refused) == 1
    assert "13800138000" not in caplog.text and "张三" not in caplog.text  # logged by reason and length only


@pytest.mark.parametrize("question", list(MARKUP.values()), ids=list(MARKUP))
def test_service_answers_markup_only_as_not_found(service, question):
    answer = service.ask(question)
    assert answer.status == "not_found" and answer.citations == []
    assert_clear_message(answer.answer, NOT_FOUND)


@pytest.mark.parametrize("question", [None, 42, ["问题"], {"q": 1}, b"\xe9\x97\xae"])
def test_service_refuses_non_text(service, question):
    with pytest.raises(InvalidQuestion, match="问题应为文字"):
        service.validate(question)


@pytest.mark.parametrize(
    "question",
    ["单个项目投资规模\x00\x1b[31m有什么要求？\x07", "<b>单个项目投资规模</b>有什么要求？", "😀 单个项目投资规模有什么要求？🎉"],
)
def test_noise_around_a_real_question_is_dropped_and_it_is_answered(service, question):
    answer = service.ask(question)
    assert answer.status == "answered" and answer.citations[0].id == "notice.3.4"
    assert not any(ord(ch) < 32 for ch in answer.question)


# -- the chat callback ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def respond(service, tmp_path_factory):
    from web.app import build_app
    from web.feedback import FeedbackStore

    demo = build_app(service, FeedbackStore(tmp_path_factory.mktemp("chat") / "feedback.db"), stream_delay_s=0)
    return next(f.fn for f in demo.fns.values() if f.name == "respond")


@pytest.mark.parametrize(("question", "expected"), list(BAD.values()), ids=list(BAD))
def test_chat_shows_a_toast_and_keeps_the_conversation(respond, question, expected, monkeypatch):
    import web.app

    toasts: list[str] = []
    monkeypatch.setattr(web.app, "notify", toasts.append)
    outputs = list(respond(question, []))
    assert len(toasts) == 1
    assert_clear_message(toasts[0], expected)
    textbox, chat, _ = outputs[-1]
    assert chat == []  # no answer bubble, nothing half-written
    assert textbox == question  # the text stays in the box to be corrected


@pytest.mark.parametrize("question", list(MARKUP.values()), ids=list(MARKUP))
def test_chat_answers_markup_only_and_never_renders_it_raw(respond, question, monkeypatch):
    import web.app

    toasts: list[str] = []
    monkeypatch.setattr(web.app, "notify", toasts.append)
    textbox, chat, turns = list(respond(question, []))[-1]
    assert toasts == [] and textbox == "" and turns[0]["answer"]["status"] == "not_found"
    rendered = "".join(m["content"] for m in chat)
    assert NOT_FOUND in rendered and "&lt;" in rendered
    assert question not in rendered and "<script" not in rendered and "<img" not in rendered  # escaped


# -- the /ask API -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(web_app):
    from gradio_client import Client

    return Client(web_app.url, verbose=False, analytics_enabled=False, download_files=False)


# gradio_client cannot even send lone surrogates; the raw HTTP tests below send them as JSON escapes.
API_BAD = {k: v for k, v in BAD.items() if k not in ("megabytes", "invalid-utf8")}


@pytest.mark.parametrize(("question", "expected"), list(API_BAD.values()), ids=list(API_BAD))
def test_api_refuses_bad_input_with_a_chinese_message(client, question, expected):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as info:
        client.predict(question, None, api_name="/ask")
    assert_clear_message(str(info.value), expected)


@pytest.mark.parametrize("question", list(MARKUP.values()), ids=list(MARKUP))
def test_api_answers_markup_only_as_not_found(client, question):
    answer = client.predict(question, None, api_name="/ask")
    assert answer["status"] == "not_found" and answer["question"] == question
    assert_clear_message(answer["answer"], NOT_FOUND)


def api_call(url: str, payload: object) -> tuple[int, str]:
    """POST /gradio_api/call/ask and read the event stream: (status of the POST, body of both steps)."""
    with httpx.Client(base_url=url, timeout=60) as http:
        # json.dumps escapes non-ASCII, so lone surrogates travel as \udcff escapes, as a browser could send them
        post = http.post("gradio_api/call/ask", content=json.dumps(payload), headers={"content-type": "application/json"})
        if post.status_code != 200:
            return post.status_code, post.text
        event = post.json()["event_id"]
        return 200, http.get(f"gradio_api/call/ask/{event}").text


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"data": [None, [], None]}, "问题应为文字"),
        ({"data": [12345, [], None]}, "问题应为文字"),
        ({"data": ["\ud83d\ude00\ud83c\udf89", [], None]}, NO_TEXT),  # emoji as JSON surrogate pairs
        ({"data": ["\udcff\udcfe", [], None]}, ENCODING),  # lone surrogates: what invalid UTF-8 decodes to
        ({"data": ["", [], None]}, EMPTY),
    ],
)
def test_raw_http_api_gives_the_message_in_the_event_stream(web_app, payload, expected):
    status, body = api_call(web_app.url, payload)
    assert status == 200 and "event: error" in body
    data = json.loads(body.split("event: error", 1)[1].split("data:", 1)[1].strip().splitlines()[0])
    assert_clear_message(json.dumps(data, ensure_ascii=False), expected)


@pytest.mark.parametrize(
    "body", [b"", b"{not json", b'{"data": "x"}', b"\xff\xfe\x00", b'{"data": []}', b'{"data": ["\xff\xfe\xcd", []]}'])
def test_malformed_api_requests_get_no_stack_trace(web_app, body):
    with httpx.Client(base_url=web_app.url, timeout=60) as http:
        post = http.post("gradio_api/call/ask", content=body, headers={"content-type": "application/json"})
        text = post.text
        if post.status_code == 200:
            text += http.get(f"gradio_api/call/ask/{post.json()['event_id']}").text
    assert "Traceback" not in text and 'File "' not in text and "/work/" not in text


# -- the CLI (bytes argv, as a terminal would pass them) ---------------------------------------------
CLI_BAD = {k: v for k, v in BAD.items() if k != "megabytes"}


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory, service) -> dict[str, subprocess.CompletedProcess]:
    data = build_index(tmp_path_factory.mktemp("cli-bad") / "data", service, document_vectors(service))
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(data)}

    def run(question: str) -> subprocess.CompletedProcess:
        arg = question.encode("utf-8", "surrogateescape")  # invalid UTF-8 goes out as the raw bytes
        return subprocess.run([PY, "app.py", "ask", arg], cwd=ROOT, env=env, capture_output=True, timeout=120)

    cases = {**{k: q for k, (q, _) in CLI_BAD.items()}, "markup": MARKUP["script-only"]}
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(cases, pool.map(run, cases.values()), strict=True))


@pytest.mark.parametrize(("case", "expected"), [(k, v[1]) for k, v in CLI_BAD.items()], ids=list(CLI_BAD))
def test_cli_refuses_bad_input_with_a_chinese_message(cli_runs, case, expected):
    run = cli_runs[case]
    assert run.returncode == 2 and run.stdout == b""
    assert_clear_message(run.stderr.decode("utf-8"), expected)


def test_cli_answers_markup_only_without_a_trace(cli_runs):
    run = cli_runs["markup"]
    assert run.returncode == 0 and NOT_FOUND in run.stdout.decode("utf-8") and run.stderr == b""


def test_cli_invalid_utf8_argv_bytes_are_really_invalid():
    raw = BAD["invalid-utf8"][0].encode("utf-8", "surrogateescape")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_a_long_history_is_cut_and_the_reply_says_so(service):
    """The probe that held a worker for 51 s: one turn of 100,000 characters in the history."""
    history = [{"role": "user", "content": "投资" * 50_000}, {"role": "assistant", "content": "好的"}] * 20
    answer = service.ask("那事业单位呢？", history)
    assert "只参考了最近" in answer.answer and answer.status in ("answered", "not_found")
    turns, cut = service.bounded(history)
    assert cut and len(turns) == service.settings.max_history_turns
    assert all(len(t["content"]) <= service.settings.max_question_chars for t in turns)
    short, cut = service.bounded([{"role": "user", "content": "投资规模有什么要求"}])
    assert not cut and short[0]["content"] == "投资规模有什么要求"
