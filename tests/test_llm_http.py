"""HTTP wiring: ChatOpenAI and ChatOllama against the fake chat server on a loopback port.

Each failure mode (endpoint down, timeout before or during the stream, 401, 429, 500, garbage) gives the extractive
answer under its note, within the configured timeout. The API key reaches the server and nothing else.
"""

from __future__ import annotations

import logging
import socket
import sys
import time

import pytest
from pydantic import SecretStr

from assistant.settings import Settings
from llm.provider import FALLBACK_NOTES, LLMConfigError, make_chat_model
from retrieval.answer import Answer
from tests.fake_openai_server import Garbage, Reply, Slow, Status

pytest_plugins = ["tests.conftest_llm"]

SECRET = "sk-test-DO-NOT-LOG-7f3a9c"  # the key tests/conftest_llm.py puts in the settings
Q = "单个项目投资规模有什么要求？"
TIMEOUT_S = 5.0  # generous: a loaded CI machine must not turn a good answer into a timeout
SHORT_TIMEOUT_S = 1.0  # for the timeout tests
SLACK_S = 1.5  # retrieval and thread hand-over on a busy 2-core machine


@pytest.fixture(scope="module")
def openai_service(service, fake_server, make_llm_service, http_settings):
    return make_llm_service(service, **http_settings(fake_server, "openai", llm_timeout_s=TIMEOUT_S))


@pytest.fixture(scope="module")
def ollama_service(service, fake_server, make_llm_service, http_settings):
    return make_llm_service(service, **http_settings(fake_server, "ollama", llm_timeout_s=TIMEOUT_S))


@pytest.fixture(params=["openai", "ollama"])
def llm(request, openai_service, ollama_service):
    return openai_service if request.param == "openai" else ollama_service


@pytest.fixture(scope="module", params=["openai", "ollama"])
def impatient_llm(request, service, fake_server, make_llm_service, http_settings):
    """The same wiring with LLM_TIMEOUT_S=1."""
    return make_llm_service(service, **http_settings(fake_server, request.param, llm_timeout_s=SHORT_TIMEOUT_S))


def collect(svc, question: str = Q) -> tuple[list[str], Answer, float]:
    started = time.monotonic()
    items = list(svc.ask_stream(question))
    return items[:-1], items[-1], time.monotonic() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the happy path ------------------------------------------------------------------------------
def test_generated_answer_streams_with_validated_citations(llm, server, service) -> None:
    chunks, answer, _ = collect(llm)
    assert answer.mode == "fake-qwen" and answer.status == "answered"
    assert len(chunks) > 3 and "".join(chunks) == answer.answer
    assert answer.answer.startswith("根据通知，") and "〔正文 " in answer.answer and "notice." not in answer.answer
    assert answer.citations and all(
        service.clauses[c.id].text[c.start:c.end] == c.quote for c in answer.citations)
    (request,) = server.seen
    path = "/v1/chat/completions" if llm.settings.llm_provider == "openai" else "/api/chat"
    assert request.path == path and request.body["model"] == "fake-qwen" and request.body["stream"] is True
    assert request.headers["authorization"] == f"Bearer {SECRET}"


def test_openai_request_carries_the_prompt_and_temperature(openai_service, server) -> None:
    collect(openai_service)
    body = server.seen[0].body
    assert body["temperature"] == pytest.approx(0.1)
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "〔条款ID〕" in body["messages"][0]["content"] and f"问题：{Q}" in body["messages"][1]["content"]


def test_follow_up_makes_a_condensing_call_first(openai_service, server) -> None:
    history = [{"role": "user", "content": "项目承担单位必须是企业法人吗？"},
               {"role": "assistant", "content": "「项目承担单位原则上应为企业法人」〔正文 三（一）〕"}]
    answer = openai_service.ask("那事业单位呢？", history)
    assert len(server.seen) == 2 and "改写" in server.seen[0].body["messages"][0]["content"]
    assert answer.mode == "fake-qwen"


# -- failures: the extractive answer, a short note, within the timeout ------------------------------
def assert_fallback(answer: Answer, kind: str, service) -> None:
    offline = service.ask(Q)
    assert answer.answer == FALLBACK_NOTES[kind] + "\n" + offline.answer
    assert answer.mode == "extractive" and answer.citations == offline.citations and answer.status == offline.status


@pytest.mark.parametrize(("behaviour", "kind"), [
    (Status(500), "server"),
    (Status(429, "Rate limit reached"), "rate_limit"),
    (Status(401, "Incorrect API key provided"), "auth"),
    (Garbage(), "malformed"),
], ids=["500", "429", "401", "garbage"])
def test_failure_falls_back_to_the_extractive_answer(llm, server, service, behaviour, kind: str) -> None:
    server.push(behaviour)
    _, answer, took = collect(llm)
    assert_fallback(answer, kind, service)
    assert took < SLACK_S  # no waiting for a timeout
    assert len(server.seen) == 1  # no retries


@pytest.mark.parametrize("behaviour", [
    Slow(4.0),
    Reply("单个项目投资规模原则上不低于5000万元〔notice.3.4〕。", chunk_chars=4, stall_after=2, stall_s=4.0),
], ids=["slow", "stalls-mid-stream"])
def test_timeout_falls_back_within_the_configured_time(impatient_llm, server, service, behaviour) -> None:
    server.push(behaviour)
    _, answer, took = collect(impatient_llm)
    assert_fallback(answer, "timeout", service)
    assert SHORT_TIMEOUT_S <= took < SHORT_TIMEOUT_S + SLACK_S


def test_endpoint_down_falls_back(service, make_llm_service, llm) -> None:
    url = f"http://127.0.0.1:{free_port()}" + ("/v1" if llm.settings.llm_provider == "openai" else "")
    svc = make_llm_service(service, llm_provider=llm.settings.llm_provider, llm_base_url=url, llm_model="m",
                           llm_timeout_s=TIMEOUT_S)
    _, answer, took = collect(svc)
    assert_fallback(answer, "unreachable", service)
    assert took < SLACK_S + 1.0  # refused at once, not after the timeout (the first call also builds the chain)


def test_no_stack_trace_or_error_text_reaches_the_user(openai_service, server) -> None:
    server.push(Status(500, "Traceback (most recent call last): internal details"))
    _, answer, _ = collect(openai_service)
    assert "Traceback" not in answer.answer and "internal details" not in answer.answer
    assert "Error code" not in answer.answer and "500 -" not in answer.answer


# -- the API key -----------------------------------------------------------------------------------
def test_api_key_is_never_logged_or_shown(openai_service, ollama_service, server, caplog, capsys) -> None:
    caplog.set_level(logging.DEBUG)
    outputs = []
    for svc in (openai_service, ollama_service):
        for behaviour in (None, Status(401, "Incorrect API key provided"), Garbage()):
            if behaviour is not None:
                server.push(behaviour)
            outputs.append(collect(svc)[1].model_dump_json())
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in server.seen)  # it was used…
    settings = openai_service.settings
    shown = [caplog.text, *outputs, repr(settings), str(settings), settings.model_dump_json(),
             repr(openai_service.llm_model), repr(ollama_service.llm_model), *capsys.readouterr()]
    assert not [s for s in shown if SECRET in s]  # …and appears nowhere else


def test_environment_openai_key_is_not_sent_to_another_endpoint(service, server, make_llm_service, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    svc = make_llm_service(service, llm_provider="openai", llm_base_url=server.base_url, llm_model="m",
                           llm_api_key=None)
    svc.ask(Q)
    assert server.seen[0].headers["authorization"] == "Bearer EMPTY"


# -- settings and the provider factory ------------------------------------------------------------------
def test_settings_from_environment_and_yaml(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LLM_PROVIDER", "OpenAI")
    monkeypatch.setenv("LLM_API_KEY", SECRET)
    monkeypatch.setenv("SETTINGS_FILE", str(tmp_path / "none.yaml"))
    s = Settings()
    assert s.llm_provider == "openai" and s.llm_api_key.get_secret_value() == SECRET and SECRET not in repr(s)
    for name in ("LLM_PROVIDER", "LLM_API_KEY"):
        monkeypatch.delenv(name)
    (tmp_path / "settings.yaml").write_text(
        "LLM_PROVIDER: ollama\nLLM_BASE_URL: http://127.0.0.1:11434\nLLM_MODEL: qwen2.5:7b\nLLM_API_KEY: k\n"
        "LLM_TIMEOUT_S: 12\nLLM_TEMPERATURE: 0.3\n", "utf-8")
    monkeypatch.setenv("SETTINGS_FILE", str(tmp_path / "settings.yaml"))
    s = Settings()
    assert (s.llm_provider, s.llm_base_url, s.llm_model, s.llm_timeout_s, s.llm_temperature) == (
        "ollama", "http://127.0.0.1:11434", "qwen2.5:7b", 12.0, 0.3)
    assert Settings.model_fields["llm_api_key"].description and Settings.model_fields["llm_timeout_s"].description


def test_default_is_offline(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SETTINGS_FILE", str(tmp_path / "none.yaml"))
    for name in ("LLM_PROVIDER", "LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().llm_provider == "none" and make_chat_model(Settings()) is None


def test_factory_builds_langchain_chat_models() -> None:
    from langchain_ollama import ChatOllama
    from langchain_openai import ChatOpenAI

    openai = make_chat_model(Settings(llm_provider="openai", llm_base_url="http://127.0.0.1:9/v1", llm_model="qwen",
                                      llm_api_key=SecretStr("k"), llm_timeout_s=7, llm_temperature=0.2))
    assert isinstance(openai, ChatOpenAI) and openai.openai_api_base == "http://127.0.0.1:9/v1"
    assert (openai.model_name, openai.request_timeout, openai.max_retries, openai.temperature) == ("qwen", 7, 0, 0.2)
    ollama = make_chat_model(Settings(llm_provider="ollama", llm_base_url="http://127.0.0.1:9", llm_model="qwen"))
    assert isinstance(ollama, ChatOllama) and ollama.base_url == "http://127.0.0.1:9" and ollama.model == "qwen"
    assert ollama.client_kwargs["timeout"] == 30.0


def test_factory_needs_a_model_name() -> None:
    with pytest.raises(LLMConfigError, match="LLM_MODEL"):
        make_chat_model(Settings(llm_provider="openai"))


@pytest.mark.parametrize(("provider", "package"), [("openai", "langchain_openai"), ("ollama", "langchain_ollama")])
def test_missing_package_is_named(monkeypatch, provider: str, package: str) -> None:
    monkeypatch.setitem(sys.modules, package, None)
    with pytest.raises(ImportError, match=package.replace("_", "-")):
        make_chat_model(Settings(llm_provider=provider, llm_model="m"))


# -- the web chat --------------------------------------------------------------------------------------
def test_chat_streams_the_generated_answer_and_shows_the_model(openai_service, server, tmp_path) -> None:
    from web.app import MODE_EXTRACTIVE, build_app, mode_text
    from web.feedback import FeedbackStore

    demo = build_app(openai_service, FeedbackStore(tmp_path / "feedback.db"), stream_delay_s=0)
    fns = {getattr(f.fn, "__name__", ""): f.fn for f in demo.fns.values()}
    updates = list(fns["respond"](Q, []))
    streamed = [u[1][-1]["content"] for u in updates[1:-1]]
    assert len(streamed) > 3 and all("qa-streaming" in m for m in streamed)
    assert len({len(m) for m in streamed}) == len(streamed)  # grows token by token
    turns = updates[-1][2]
    assert turns[0]["answer"]["mode"] == "fake-qwen" and "qa-card" in updates[-1][1][-1]["content"]
    assert fns["show_mode"](turns) == "回答模式：大模型 `fake-qwen`（每句出处已与原文核对）"
    server.push(Status(500))
    turns = list(fns["respond"](Q, turns))[-1][2]
    assert fns["show_mode"](turns) == f"回答模式：{MODE_EXTRACTIVE}（大模型 `fake-qwen` 本次未能给出可核对的回答）"
    assert mode_text("extractive", "extractive") == "回答模式：离线摘录模式"
