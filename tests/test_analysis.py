"""QuestionAnalysis: each question is read once, and every later stage reads that one analysis."""

from __future__ import annotations

import pytest

from retrieval.analysis import QuestionAnalyser, load_intent_rules
from retrieval.followup import load_followup_rules


@pytest.fixture(scope="module")
def analyser(service) -> QuestionAnalyser:
    return service.analyser


def test_two_asks_and_the_askers_facts(analyser):
    a = analyser.analyse("我们是高校。材料最迟什么时候交？还有，一个项目3000万能报吗")
    assert len(a.parts) == 2 and all(p.startswith("我们是高校。") for p in a.parts)
    assert [f.wan for f in a.facts.amounts] == [3000.0]
    assert a.facts.unit is not None


def test_a_follow_up_carries_the_previous_question(analyser):
    history = [{"role": "user", "content": "项目承担单位有什么要求"}, {"role": "assistant", "content": "企业法人"}]
    a = analyser.analyse("那事业单位呢？", history)
    assert a.elliptic and a.refers_back
    assert a.query == "项目承担单位有什么要求 那事业单位呢？" and a.focus == "那事业单位呢？"
    assert a.typed == a.query  # an elliptic follow-up asks what the previous turn asked


def test_positional_target_year_and_kinds_of_fact(analyser):
    assert analyser.analyse("大纲第五部分写什么").target == "annex1.5"
    a = analyser.analyse("2018年的申报截止日期是哪天")
    assert a.years == ["2018"]
    assert "date" in a.summary_kinds
    assert a.asked_types  # a date is a kind of fact the answer must state


def test_small_talk_gets_its_canned_reply_from_the_analysis(analyser):
    assert analyser.analyse("你好").canned
    assert analyser.analyse("申报截止是什么时候").canned is None


def test_title_only_parts_the_question_names(analyser):
    assert analyser.analyse("附件2叫什么").named == ["annex2"]
    assert analyser.analyse("附件2叫什么").asks_title
    assert analyser.analyse("附件2要填哪些内容").asks_content


def test_the_notice_names_itself_through_its_pack(analyser):
    """这个试点 is this notice's programme (the pack's notice_words), not a pronoun pointing back."""
    rules = load_followup_rules()
    assert rules.refers_back("这个试点要求地方配套资金吗")  # generic rules alone: a pronoun
    assert not analyser.analyse("这个试点要求地方配套资金吗").refers_back
    assert not rules.refers_back("这个通知是哪个部门发的")  # 通知 names any notice


def test_intent_patterns_are_data_and_compile():
    intents = load_intent_rules()
    assert intents.matches("list", "有哪些要求") and not intents.matches("list", "截止日期")
    assert intents.matches("kinds", "分哪几类")
    assert intents.matches("year", "2014年")


def test_a_turn_is_analysed_once(service, monkeypatch):
    """The chain, the re-rankers and the answerer read one analysis; nothing re-reads the question."""
    service.ask("申报截止是什么时候")  # warm: the chain is built
    calls = []
    original = QuestionAnalyser.of_query

    def counted(self, *args, **kwargs):
        calls.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuestionAnalyser, "of_query", counted)
    service.ask("单个项目投资规模有什么要求")
    assert calls == ["单个项目投资规模有什么要求"]
    calls.clear()
    service.ask("材料交几份？另外截止是哪天")  # one analysis of the message, then one per part
    assert len(calls) == 3


def test_an_english_question_is_latin_and_markup_is_not(analyser):
    assert analyser.analyse("What is the deadline for the materials?").latin
    assert not analyser.analyse("<div class='x'><br/><p></p></div>").latin
    assert not analyser.analyse("截止日期是哪天").latin


def test_the_ask_after_a_context_clause_weighs_more_and_a_part_named_in_the_context_is_not_the_target(analyser):
    a = analyser.analyse("大纲第五部分“配套政策措施”里提到财政支持政策，那国家的补助资金是怎么申请下来的？")
    assert a.ask == "国家的补助资金是怎么申请下来的？" and a.focus == a.ask
    assert a.target is None  # 第五部分 is where the asker read something, not where the answer is
    plain = analyser.analyse("大纲第五部分写什么")
    assert plain.ask is None and plain.target == "annex1.5"
    assert analyser.analyse("那里面有没有规定最低投资额").ask is None  # 那里 is "there", not "then"


def test_a_long_story_is_read_for_its_facts_and_its_ask_weighs_more(analyser):
    story = ("我们是河北一家钢铁企业，想在厂里搞生产线物联网改造，目标是提高效率、节能降耗，不对外提供服务，"
             "投资大概8000万，资金主要靠企业自筹，这种项目应该归到哪一类？")
    a = analyser.analyse(story)
    assert a.ask == "这种项目应该归到哪一类？"
    assert [f.wan for f in a.facts.amounts] == [8000.0]  # the story's facts still count
    assert analyser.analyse("申报截止是什么时候？").ask is None


def test_asks_about_the_document_batches_and_units(analyser):
    assert analyser.analyse("这份文件是哪天印发的？").document_parts == ["signature", "header"]
    assert analyser.analyse("When was this notice issued?").document_parts == ["signature", "header"]
    # 根据什么文件发的 asks for the basis, not the date; 名单什么时候公布 asks about neither.
    assert analyser.analyse("这个通知是根据什么文件发的？").document_parts == ["preamble"]
    assert analyser.analyse("立项名单大概什么时候公布？").document_parts == []
    assert analyser.analyse("第二批什么时候开始申报？").instances == ["第二批"]
    assert analyser.analyse("全县规模以上工业企业一共有多少家？").asked_units == ["count"]
    assert analyser.analyse("材料交几份？").asked_units == ["copies"]
    assert analyser.analyse("分几个方面？").asked_units == []


def test_a_short_turn_with_its_own_question_word_asks_its_own_kind_of_fact(analyser):
    history = [{"role": "user", "content": "项目建设周期最长几年？"}, {"role": "assistant", "content": "通知原文未对此作出规定。"}]
    own = analyser.analyse("总投资有没有下限？", history)
    assert own.elliptic and "几年" not in own.typed
    bare = analyser.analyse("那3000万呢？", [{"role": "user", "content": "投资2000万够不够？"}])
    assert bare.typed.startswith("投资2000万够不够")
