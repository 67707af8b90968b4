"""Security: no outbound network at run time, no secrets in logs, staff API endpoints refuse calls without a session.

The web app runs as deployed (``app.py`` in a subprocess, DEBUG logging, Gradio analytics not disabled by the
test) in LLM mode against the fake OpenAI-compatible server on loopback, with a staff account configured, and a
sitecustomize shim that refuses and records every connect() to a non-loopback address. ``app.py ask`` runs in
a network namespace without any network (``unshare -n``, when available) with every connect() refused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from tests.fake_openai_server import FakeOpenAIServer
from tests.reliability_support import (
    PY,
    QUESTION,
    ROOT,
    build_index,
    document_vectors,
    free_port,
    shim_env,
    wait_http,
)

API_KEY = "sk-test-DO-NOT-LOG-4f1c2b9e7a"
STAFF_USER = "staff-user"
STAFF_PASSWORD = "staff-pw-DO-NOT-LOG-8d3e1a"
STAFF_HASH = bcrypt.hashpw(STAFF_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
SECRETS = {"LLM_API_KEY": API_KEY, "STAFF_PASSWORD": STAFF_PASSWORD, "STAFF_PASSWORD_HASH": STAFF_HASH}
# Endpoints anyone may call; every other named endpoint must refuse a call without a staff session.
PUBLIC = {"/ask", "/feedback", "/staff_login", "/staff_logout"}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, service) -> Path:
    return build_index(tmp_path_factory.mktemp("security") / "data", service, document_vectors(service))


@dataclass
class RunningApp:
    url: str
    log: Path
    net_log: Path
    llm: FakeOpenAIServer
    client: Any
    traffic: dict[str, Any]


@pytest.fixture(scope="module")
def app(tmp_path_factory, index_dir) -> Iterator[RunningApp]:
    """app.py serving on loopback, after a realistic session: questions, a failed and a good staff login."""
    from gradio_client import Client

    folder = tmp_path_factory.mktemp("security-app")
    data = folder / "data"
    shutil.copytree(index_dir, data)
    llm = FakeOpenAIServer().start()
    log, net_log = folder / "app.log", folder / "net.log"
    env = shim_env(folder / "shim", log_level="DEBUG", block_net="remote", net_log=str(net_log))
    env.update(SECRETS, DATA_DIR=str(data), LLM_PROVIDER="openai", LLM_BASE_URL=llm.base_url, LLM_MODEL="fake-model",
               STAFF_USERNAME=STAFF_USER)
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([PY, "app.py", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_http(url + "gradio_api/info", 180, proc)
        client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        traffic: dict[str, Any] = {"answer": client.predict(QUESTION, None, api_name="/ask")}
        traffic["follow_up"] = client.predict("那事业单位呢？", [{"role": "user", "content": "项目承担单位有什么要求？"},
                                                          {"role": "assistant", "content": "企业法人。"}], api_name="/ask")
        try:
            client.predict(STAFF_USER, STAFF_PASSWORD + "x", api_name="/staff_login")
        except Exception as exc:  # noqa: BLE001 - the refusal is what we want to see
            traffic["bad_login"] = str(exc)
        traffic["token"] = client.predict(STAFF_USER, STAFF_PASSWORD, api_name="/staff_login")
        traffic["check"] = client.predict(traffic["token"], '{"total_investment_wan": 6000}', api_name="/staff_check")
        yield RunningApp(url, log, net_log, llm, client, traffic)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        llm.httpd.shutdown()


def test_the_app_answered_and_used_the_configured_llm(app):
    assert app.traffic["answer"]["citations"][0]["id"] == "notice.3.4"
    assert app.traffic["follow_up"]["status"] in ("answered", "not_found")
    assert app.llm.seen, "the LLM endpoint was called"
    assert all(s.headers.get("authorization") == f"Bearer {API_KEY}" for s in app.llm.seen)  # the key was used…
    assert "用户名或密码错误" in app.traffic["bad_login"]
    assert app.traffic["check"]["verdicts"]


def test_no_secrets_in_the_logs(app):
    log = app.log.read_text(encoding="utf-8", errors="replace")
    assert "DEBUG" in log and "INFO" in log, "the app logged at DEBUG level, so there was something to leak"
    leaked = {name for name, value in {**SECRETS, "session token": app.traffic["token"]}.items() if value in log}
    assert not leaked, f"{sorted(leaked)} appear in the app's log"  # …and it is nowhere in the log


def test_the_web_app_opens_no_outbound_connection(app):
    attempts = app.net_log.read_text() if app.net_log.exists() else ""
    assert attempts == "", f"non-loopback connections attempted:\n{attempts}"


def test_every_staff_endpoint_refuses_calls_without_a_session(app):
    from gradio_client.exceptions import AppError

    endpoints = set(app.client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    guarded = sorted(endpoints - PUBLIC)
    assert {"/staff_check", "/staff_outline"} <= set(guarded), endpoints
    for endpoint in guarded:
        n_params = len(app.client.view_api(print_info=False, return_format="dict")["named_endpoints"][endpoint]
                       ["parameters"])
        real = app.traffic["token"]
        tampered = real[:-1] + ("A" if real[-1] != "A" else "B")  # must differ from the live token
        for token in (None, "", "forged-token-" + "x" * 20, tampered):
            args = [token] + [None] * (n_params - 1)
            with pytest.raises(AppError, match="请先登录") as info:
                app.client.predict(*args, api_name=endpoint)
            assert "Traceback" not in str(info.value), endpoint
    app.client.predict(app.traffic["token"], api_name="/staff_logout")
    with pytest.raises(AppError, match="请先登录"):
        app.client.predict(app.traffic["token"], "{}", api_name="/staff_check")  # logged out: refused too


# -- the CLI without any network --------------------------------------------------------------
def unshare_works() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-n", "true"], capture_output=True).returncode == 0


def test_ask_answers_with_outbound_sockets_blocked(tmp_path, index_dir):
    data = tmp_path / "data"
    shutil.copytree(index_dir, data)
    net_log = tmp_path / "net.log"
    env = shim_env(tmp_path / "shim", log_level="DEBUG", block_net="all", net_log=str(net_log))
    env.update(SECRETS, DATA_DIR=str(data))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(name, None)
    cmd = [PY, "app.py", "ask", "--json", QUESTION]
    if unshare_works():  # root here: also a network namespace with no interface up, so nothing can be reached
        cmd = ["unshare", "-n", "--", *cmd]
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=180)
    err = run.stderr.decode("utf-8", "replace")
    assert run.returncode == 0, err[-3000:]
    answer = json.loads(run.stdout)
    assert answer["status"] == "answered" and answer["citations"][0]["id"] == "notice.3.4"
    assert not net_log.exists(), f"connections attempted: {net_log.read_text()}"
    assert "DEBUG" in err and not [v for v in SECRETS.values() if v in err or v in run.stdout.decode()]


def test_the_network_block_really_blocks(tmp_path):
    """The shim is not a no-op: a connect() to a routable address fails and is recorded."""
    net_log = tmp_path / "net.log"
    env = shim_env(tmp_path / "shim", block_net="all", net_log=str(net_log))
    code = "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\nexcept OSError as e:\n    print(e)"
    run = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert "network blocked by the test" in run.stdout and "192.0.2.1" in net_log.read_text()
    assert os.environ.get("RELIABILITY_BLOCK_NET") is None  # the pytest process itself is untouched
