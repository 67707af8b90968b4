import json
import os
import subprocess
import sys

import pytest

from assistant.settings import ROOT


@pytest.fixture(scope="module")
def run_cli(tmp_path_factory):
    env = {**os.environ, "DATA_DIR": str(tmp_path_factory.mktemp("cli-data"))}

    def run(*args):
        return subprocess.run([sys.executable, "app.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    return run


def test_ingest_then_ask_json_cites_3_4(run_cli):
    ingest = run_cli("ingest")
    assert ingest.returncode == 0 and "index ready" in ingest.stdout and "clause router ready" in ingest.stdout
    out = run_cli("ask", "--json", "单个项目投资规模有什么要求？")
    answer = json.loads(out.stdout)
    assert answer["status"] == "answered" and answer["citations"][0]["id"] == "notice.3.4"
    assert "5000万" in answer["citations"][0]["quote"]


def test_ingest_shows_a_progress_bar_only_when_it_embeds(run_cli):
    run_cli("ingest")
    fresh = run_cli("ingest")
    assert "already up to date" in fresh.stdout and "embedding" not in fresh.stderr
    rebuilt = run_cli("ingest", "--rebuild")
    assert rebuilt.returncode == 0 and "embedding" in rebuilt.stderr and "100%" in rebuilt.stderr


def test_ask_weather_is_not_found(run_cli):
    answer = json.loads(run_cli("ask", "--json", "明天北京天气怎么样？").stdout)
    assert answer["status"] == "not_found" and answer["citations"] == []


def test_readable_output_lists_sources(run_cli):
    out = run_cli("ask", "材料交几份")
    assert "出处" in out.stdout and "notice.4.1" in out.stdout


def test_empty_question_gets_a_message_not_a_trace(run_cli):
    out = run_cli("ask", "   ")
    assert out.returncode == 2 and "不能为空" in out.stderr and "Traceback" not in out.stderr


def test_web_command_passes_the_concurrency_setting_to_the_queue(monkeypatch, tmp_path):
    import web
    from assistant import cli

    seen = {}
    monkeypatch.setattr(web, "launch", lambda service, **kw: seen.update(kw))
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    assert cli.main([]) == 0
    assert seen["concurrency_limit"] == 2
