"""Every rule of the flagship pack's eligibility.yaml, table-driven, with its boundaries; the rule file against the notice;
and the profile's bad inputs."""

import re
from pathlib import Path

import pytest
import yaml

from checks.engine import QuoteNotFound, RuleEngine, overall
from checks.profile import ProfileError, parse_profile, parse_profile_json
from checks.rulebook import RuleBook, load_rulebook
from tests.paths import FLAGSHIP

RULES_FILE = FLAGSHIP / "eligibility.yaml"

SERVICE, INTEGRATION = "专业服务和增值服务", "技术集成应用"


@pytest.fixture(scope="module")
def engine(rule_engine):
    return rule_engine


def verdict_of(engine, profile: dict, rule_id: str):
    found = [v for v in engine.check(parse_profile(profile)).verdicts if v.rule_id == rule_id]
    assert len(found) <= 1
    return found[0] if found else None


# (rule id, profile, expected verdict or None when the rule does not apply)
CASES = [
    ("project.unit_type", {"unit_type": "企业法人"}, "pass"),
    ("project.unit_type", {"unit_type": "事业单位"}, "fail"),
    ("project.unit_type", {"unit_type": "高校或科研院所"}, "fail"),
    ("project.unit_type", {"unit_type": "其他"}, "fail"),
    ("project.unit_type", {}, "missing_info"),
    ("project.capability_and_credit", {"credit_rating": "AA"}, "needs_review"),
    ("project.capability_and_credit", {}, "needs_review"),
    ("project.land_and_floor_area", {"land_and_floor_area_controlled": True}, "pass"),
    ("project.land_and_floor_area", {"land_and_floor_area_controlled": "否"}, "fail"),
    ("project.land_and_floor_area", {}, "missing_info"),
    ("project.national_standards", {"follows_national_standards": "是"}, "pass"),
    ("project.national_standards", {"follows_national_standards": False}, "fail"),
    ("project.national_standards", {}, "missing_info"),
    ("project.identifier_platform", {"involves_identifier_management": True, "identifier_platform_compatible": True}, "pass"),
    ("project.identifier_platform", {"involves_identifier_management": True, "identifier_platform_compatible": False}, "fail"),
    ("project.identifier_platform", {"involves_identifier_management": True}, "missing_info"),
    ("project.identifier_platform", {"involves_identifier_management": False, "identifier_platform_compatible": False}, None),
    ("project.identifier_platform", {}, None),
    ("project.business_model", {"has_business_model": True}, "pass"),
    ("project.business_model", {"has_business_model": False}, "fail"),
    ("project.business_model", {}, "missing_info"),
    ("project.service_cross_capability", {"category": SERVICE, "cross_enterprise_cross_industry": True}, "pass"),
    ("project.service_cross_capability", {"category": SERVICE, "cross_enterprise_cross_industry": False}, "fail"),
    ("project.service_cross_capability", {"category": SERVICE}, "missing_info"),
    ("project.service_cross_capability", {"category": INTEGRATION, "cross_enterprise_cross_industry": False}, None),
    ("project.service_agreements", {"category": SERVICE, "signed_user_agreements": "已签署"}, "pass"),
    ("project.service_agreements", {"category": SERVICE, "signed_user_agreements": "未签署"}, "fail"),
    ("project.service_agreements", {"category": SERVICE}, "missing_info"),
    ("project.service_agreements", {"category": INTEGRATION}, None),
    ("project.integration_efficiency", {"category": INTEGRATION, "efficiency_gain": True}, "pass"),
    ("project.integration_efficiency", {"category": INTEGRATION, "efficiency_gain": False}, "fail"),
    ("project.integration_efficiency", {"category": INTEGRATION}, "missing_info"),
    ("project.integration_efficiency", {"category": SERVICE, "efficiency_gain": False}, None),
    ("project.investment", {"total_investment_wan": 4999}, "fail"),
    ("project.investment", {"total_investment_wan": 4999.99}, "fail"),
    ("project.investment", {"total_investment_wan": 5000}, "pass"),
    ("project.investment", {"total_investment_wan": "0.5亿"}, "pass"),
    ("project.investment", {"total_investment_wan": "4999万"}, "fail"),
    ("project.investment", {"total_investment_wan": "五千万元"}, "pass"),
    ("project.investment", {"total_investment_wan": "0.3亿"}, "fail"),
    ("project.investment", {"total_investment_wan": 0}, "fail"),
    ("project.investment", {}, "missing_info"),
    ("project.category", {"category": SERVICE}, "pass"),
    ("project.category", {"category": INTEGRATION}, "pass"),
    ("project.category", {}, "missing_info"),
    ("project.domains", {"domains": ["工业", "安全生产"]}, "pass"),
    ("project.domains", {"domains": ["工业制造", "农业生产"]}, "pass"),
    ("project.domains", {"domains": ["工业", "智慧旅游"]}, "needs_review"),
    ("project.domains", {"domains": []}, "missing_info"),
    ("submission.submitter", {"submitter_type": "省级发展改革委"}, "pass"),
    ("submission.submitter", {"submitter_type": "计划单列市发展改革委"}, "pass"),
    ("submission.submitter", {"submitter_type": "新疆生产建设兵团发展改革委"}, "pass"),
    ("submission.submitter", {"submitter_type": "地市级发展改革委"}, "fail"),
    ("submission.submitter", {"submitter_type": "企业"}, "fail"),
    ("submission.submitter", {"kind": "submission"}, "missing_info"),
    ("submission.project_count", {"key_project_count": 8}, "pass"),
    ("submission.project_count", {"key_project_count": 9}, "fail"),
    ("submission.project_count", {"key_project_count": 0}, "pass"),
    ("submission.project_count", {"projects": [{}] * 8}, "pass"),
    ("submission.project_count", {"projects": [{}] * 9}, "fail"),
    ("submission.project_count", {"kind": "submission"}, "missing_info"),
    ("submission.deadline", {"submitted_on": "2014-03-31"}, "pass"),
    ("submission.deadline", {"submitted_on": "2014-04-01"}, "fail"),
    ("submission.deadline", {"submitted_on": "2014年3月31日"}, "pass"),
    ("submission.deadline", {"submitted_on": "2013-11-15"}, "pass"),
    ("submission.deadline", {"kind": "submission"}, "missing_info"),
    ("submission.paper_copies", {"paper_copies": 2}, "pass"),
    ("submission.paper_copies", {"paper_copies": 1}, "fail"),
    ("submission.paper_copies", {"kind": "submission"}, "missing_info"),
    ("submission.electronic_cd", {"includes_cd": True}, "pass"),
    ("submission.electronic_cd", {"includes_cd": False}, "fail"),
    ("submission.electronic_cd", {"kind": "submission"}, "missing_info"),
    ("submission.addressee", {"addressed_to": "国家发展改革委高技术产业司"}, "pass"),
    ("submission.addressee", {"addressed_to": "国家发展改革委办公厅"}, "fail"),
    ("submission.addressee", {"kind": "submission"}, "missing_info"),
]


@pytest.mark.parametrize(("rule_id", "profile", "expected"), CASES)
def test_rule(engine, clauses, rule_id, profile, expected):
    verdict = verdict_of(engine, profile, rule_id)
    if expected is None:
        assert verdict is None
        return
    assert verdict is not None and verdict.verdict == expected, verdict
    assert "{" not in verdict.message and verdict.message
    assert any(verdict.quote in clauses[c].text for c in verdict.clause_ids)


def test_every_rule_is_in_the_table_with_each_of_its_verdicts():
    book = load_rulebook(RULES_FILE)
    tested = {(r, e) for r, _, e in CASES}
    for rule in book.rules:
        for kind in {c.verdict for c in rule.cases} | {rule.missing.verdict}:
            assert (rule.id, kind) in tested, (rule.id, kind)


def test_boundary_messages_show_the_values(engine):
    assert "4999万元" in verdict_of(engine, {"total_investment_wan": 4999}, "project.investment").message
    assert "5000万元" in verdict_of(engine, {"total_investment_wan": "0.5亿"}, "project.investment").message
    assert "9个" in verdict_of(engine, {"key_project_count": 9}, "submission.project_count").message
    assert "2014年4月1日" in verdict_of(engine, {"submitted_on": "2014-04-01"}, "submission.deadline").message
    assert "智慧旅游" in verdict_of(engine, {"domains": ["工业", "智慧旅游"]}, "project.domains").message
    assert "工业、" not in verdict_of(engine, {"domains": ["工业", "智慧旅游"]}, "project.domains").message


@pytest.mark.parametrize(("rule_id", "profile", "clause", "words"), [
    ("project.investment", {"total_investment_wan": 1}, "notice.3.4", "原则上不低于5000万元"),
    ("project.unit_type", {"unit_type": "事业单位"}, "notice.3.1", "原则上应为企业法人"),
    ("submission.project_count", {"key_project_count": 9}, "notice.4.1", "不超过8个重点项目"),
    ("submission.deadline", {"submitted_on": "2014-04-01"}, "notice.4.1", "2014年3月31日"),
    ("submission.paper_copies", {"paper_copies": 1}, "notice.4.1", "一式两份"),
    ("submission.electronic_cd", {"includes_cd": False}, "notice.4.1", "电子版光盘"),
    ("submission.addressee", {"addressed_to": "x"}, "notice.4.1", "高技术产业司"),
    ("submission.submitter", {"submitter_type": "企业"}, "notice.header", "发展改革委"),
    ("project.domains", {"domains": ["智慧旅游"]}, "notice.2.2.2", "由地方自主选择应用示范领域"),
    ("project.category", {"category": INTEGRATION}, "notice.2.3.2", "物联网技术集成应用示范类项目"),
    ("project.identifier_platform", {"involves_identifier_management": True, "identifier_platform_compatible": False},
     "notice.3.2", "标识管理公共服务平台兼容"),
])
def test_thresholds_and_quotes_come_from_the_notice(engine, clauses, rule_id, profile, clause, words):
    """The quote is the notice's own sentence that states the threshold the rule applies."""
    verdict = verdict_of(engine, profile, rule_id)
    assert words in verdict.quote and verdict.quote in clauses[clause].text


def test_domain_vocabulary_is_the_notice_list(clauses):
    listed = re.search(r"在(.+?)等领域", clauses["notice.1"].text).group(1).split("、")
    assert load_rulebook(RULES_FILE).vocabulary["domains"] == listed


def test_overall_is_the_most_serious_verdict(engine):
    complete = {"unit_type": "企业法人", "total_investment_wan": 6000, "category": INTEGRATION, "domains": ["工业"],
                "has_business_model": True, "efficiency_gain": True, "follows_national_standards": True,
                "involves_identifier_management": False, "land_and_floor_area_controlled": True}
    assert engine.check(parse_profile(complete)).overall == "needs_review"  # capability always goes to a person
    assert engine.check(parse_profile({**complete, "category": None})).overall == "missing_info"
    assert engine.check(parse_profile({**complete, "total_investment_wan": 4999})).overall == "fail"
    assert overall([]) == "pass"


def test_submission_checks_its_projects(engine):
    report = engine.check(parse_profile({"submitted_on": "2014-03-31", "projects": [
        {"project_name": "冷链平台", "total_investment_wan": 3000}, {"total_investment_wan": 8000}]}))
    investment = [v for v in report.verdicts if v.rule_id == "project.investment"]
    assert [v.verdict for v in investment] == ["fail", "pass"]
    assert investment[0].message.startswith("【重点项目1：冷链平台】") and investment[1].message.startswith("【重点项目2】")


def test_only_present_skips_unfilled_rules(engine):
    verdicts = engine.verdicts(parse_profile({"total_investment_wan": 4000}), only_present=True)
    assert [(v.rule_id, v.verdict) for v in verdicts] == [("project.investment", "fail")]


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "words"), [
    ("{", "JSON 格式错误"),
    ('{"unit_type": "企业法人",}', "JSON 格式错误"),
    ("[1, 2]", "JSON 对象"),
    ('"企业法人"', "JSON 对象"),
    ('{"unit_type": "大学"}', "取值“大学”无效，可选：企业法人、事业单位"),
    ('{"category": "别的"}', "可选：专业服务和增值服务、技术集成应用"),
    ('{"submitter_type": "市政府"}', "报送单位类型"),
    ('{"kind": "plan"}', "kind 的取值“plan”无效"),
    ('{"total_investment_wan": "很多"}', "无法识别"),
    ('{"total_investment_wan": "abc万"}', "无法识别"),
    ('{"total_investment_wan": -1}', "不能为负数"),
    ('{"total_investment_wan": "-3000万"}', "不能为负数"),
    ('{"total_investment_wan": true}', "无法识别"),
    ('{"total_investment_wan": NaN}', "不是有效数字"),
    ('{"key_project_count": -1}', "不能为负数"),
    ('{"key_project_count": "九个"}', "应为数字"),
    ('{"paper_copies": 1.5}', "应为数字"),
    ('{"submitted_on": "2014-02-30"}', "不存在"),
    ('{"submitted_on": "2014-13-01"}', "月份"),
    ('{"submitted_on": "明年春天"}', "无法识别"),
    ('{"includes_cd": "也许"}', "是/否"),
    ('{"domains": "工业"}', "类型不对"),
    ('{"projects": [{"total_investment_wan": -5}]}', "projects[0].total_investment_wan"),
    ('{"invesment": 5000}', "未知字段 invesment"),
])
def test_bad_profiles_get_clear_messages(text, words):
    with pytest.raises(ProfileError) as info:
        parse_profile_json(text)
    joined = "；".join(info.value.messages)
    assert words in joined and "Traceback" not in joined and "pydantic" not in joined


# -- the rule file itself ---------------------------------------------------------------------
def _book_with(rule_update: dict) -> dict:
    data = yaml.safe_load(Path(RULES_FILE).read_text(encoding="utf-8"))
    data["rules"][0] = {**data["rules"][0], **rule_update}
    return data


@pytest.mark.parametrize(("update", "words"), [
    ({"field": "no_such_field"}, "no field"),
    ({"quote": {"clause": "notice.4.1", "keyword": "x"}}, "not among its clause_ids"),
    ({"cases": [{"when": {"equals": 1, "at_least": 2}, "verdict": "pass", "message": "m"}]}, "exactly one test"),
    ({"cases": [{"when": {"otherwise": True}, "verdict": "maybe", "message": "m"}]}, "verdict"),
])
def test_rule_file_mistakes_fail_on_load(update, words):
    with pytest.raises(ValueError, match=words):
        RuleBook.model_validate(_book_with(update))


def test_quote_keyword_missing_from_clause_fails_at_start_up(clauses):
    book = RuleBook.model_validate(_book_with({"quote": {"keyword": "不存在的关键词"}}))
    with pytest.raises(QuoteNotFound):
        RuleEngine(clauses, book)


def test_rule_ids_are_unique_and_cite_known_clauses(clauses):
    book = load_rulebook(RULES_FILE)
    assert len({r.id for r in book.rules}) == len(book.rules)
    assert all(c in clauses for r in book.rules for c in r.clause_ids)
