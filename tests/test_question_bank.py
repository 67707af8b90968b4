"""The automatic question bank: questions generated from a notice's own text (templates are data)."""

from corpus.loader import load_notice
from retrieval.question_bank import clause_questions, generate_questions, load_templates, usable_heading
from tests.paths import SECOND, SOURCE


def test_templates_load_and_every_fact_pattern_compiles():
    import re

    templates = load_templates()
    assert templates.heading and templates.facts
    for fact in templates.facts:
        re.compile(fact.pattern)


def test_questions_come_from_headings_facts_and_special_parts():
    by_id = load_notice(SOURCE).by_id()
    deadline = clause_questions(by_id["notice.4.1"])  # 2014年3月31日前报送 … 一式两份
    assert "什么时候截止？" in deadline and "材料要交几份？" in deadline
    assert "这个通知是谁发的？" in clause_questions(by_id["notice.signature"])
    assert any(q.startswith("基本原则") and q.endswith("包括哪些？") for q in clause_questions(by_id["notice.2.2"]))
    title_only = clause_questions(by_id["annex2"])
    assert title_only == ["重点项目及项目单位基本情况表是什么？", "重点项目及项目单位基本情况表要填什么内容？"]


def test_a_clause_states_no_fact_it_does_not_contain():
    bank = generate_questions(load_notice(SECOND / "source.txt").clauses)
    assert bank and not any("几份" in q or "邮箱" in q for qs in bank.values() for q in qs)  # no copies, no email there


def test_a_cut_or_long_heading_is_not_used():
    clauses = load_notice(SOURCE).by_id()
    assert usable_heading(clauses["notice.4.1"]) is None  # the parser cut it (…)
    assert usable_heading(clauses["notice.3.4"]) == "投资规模"
