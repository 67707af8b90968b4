"""app.py check / outline-check / template: in-process through assistant.cli.main, plus one real subprocess."""

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest

from assistant.cli import main
from assistant.settings import ROOT

PROJECT = {"project_name": "冷链物联网平台", "unit_type": "企业法人", "total_investment_wan": "0.3亿",
           "category": "专业服务和增值服务", "domains": ["商贸流通"], "has_business_model": True,
           "cross_enterprise_cross_industry": True, "signed_user_agreements": "是", "follows_national_standards": True,
           "involves_identifier_management": False, "credit_rating": "AA", "land_and_floor_area_controlled": True}


@pytest.fixture()
def run(capsys):
    def invoke(*args):
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)

    return invoke


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "project.json").write_text(json.dumps(PROJECT, ensure_ascii=False), encoding="utf-8")
    (tmp / "submission.json").write_text(json.dumps(
        {"submitter_type": "省级发展改革委", "submitted_on": "2014-04-01", "key_project_count": 8, "paper_copies": 2,
         "includes_cd": True, "addressed_to": "高技术产业司"}, ensure_ascii=False), encoding="utf-8")
    (tmp / "broken.json").write_text('{"unit_type": "企业法人",', encoding="utf-8")
    (tmp / "enum.json").write_text('{"unit_type": "大学", "total_investment_wan": -3}', encoding="utf-8")
    (tmp / "empty.docx").write_bytes(b"")
    return tmp


def test_check_prints_one_verdict_per_rule_with_quotes_and_overall(run, files):
    out = run("check", files / "project.json")
    assert out.returncode == 0, out.stderr
    assert "[不符合 fail] project.investment" in out.stdout and "项目总投资3000万元" in out.stdout
    assert "原文：「重点支持示范效果突出" in out.stdout and "总体结论：不符合（fail）" in out.stdout


def test_check_json(run, files):
    out = run("check", files / "submission.json", "--json")
    report = json.loads(out.stdout)
    assert report["overall"] == "fail"
    deadline = next(v for v in report["verdicts"] if v["rule_id"] == "submission.deadline")
    assert deadline["verdict"] == "fail" and deadline["clause_ids"] == ["notice.4.1"] and "2014年3月31日" in deadline["quote"]
    assert set(deadline) == {"rule_id", "clause_ids", "verdict", "message", "quote"}


@pytest.mark.parametrize(("name", "words"), [
    ("broken.json", "JSON 格式错误"), ("enum.json", "取值“大学”无效"), ("enum.json", "不能为负数"), ("nope.json", "无法读取档案文件"),
])
def test_check_bad_input_exits_2_with_a_message(run, files, name, words):
    out = run("check", files / name)
    assert out.returncode == 2 and words in out.stderr and "Traceback" not in out.stderr and out.stdout == ""


def test_template_then_outline_check(run, files):
    for suffix in (".docx", ".md"):
        out = run("template", "--out", files / f"plan{suffix}")
        assert out.returncode == 0 and (files / f"plan{suffix}").stat().st_size > 0
        check = run("outline-check", files / f"plan{suffix}", "--json")
        assert json.loads(check.stdout)["overall"] == "pass"
    readable = run("outline-check", files / "plan.docx")
    assert "✓ annex1.5" in readable.stdout and "未发现问题" in readable.stdout


def test_outline_check_and_template_bad_input(run, files):
    out = run("outline-check", files / "empty.docx")
    assert out.returncode == 2 and "空的" in out.stderr and "Traceback" not in out.stderr
    out = run("template", "--out", files / "plan.pdf")
    assert out.returncode == 2 and ".docx 或 .md" in out.stderr


def test_app_py_entry_point(files):
    out = subprocess.run([sys.executable, "app.py", "check", str(files / "project.json"), "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and json.loads(out.stdout)["overall"] == "fail"
