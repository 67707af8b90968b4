"""The LLM chain with a scripted FakeChatModel: good answers, invented clause IDs, no citations, refusals.

Retrieval, validation and the extractive fallback are real (the session index); only the chat model is fake.
"""

from __future__ import annotations

import pytest

from llm.facts import VerdictFact, VerdictHook
from llm.provider import FALLBACK_NOTES
from retrieval.answer import Answer

pytest_plugins = ["tests.conftest_llm"]

Q_INVEST = "单个项目投资规模有什么要求？"
GOOD = "单个项目投资规模原则上不低于5000万元〔notice.3.4〕。\n重点支持示范效果突出、产业带动性强、推广潜力大的应用示范项目。〔notice.3.4〕"
HISTORY = [{"role": "user", "content": "项目承担单位必须是企业法人吗？"},
           {"role": "assistant", "content": "根据通知原文：\n「项目承担单位原则上应为企业法人」〔正文 三（一）〕"}]


def collect(svc, question: str, history=None) -> tuple[list[str], Answer]:
    items = list(svc.ask_stream(question, history))
    assert isinstance(items[-1], Answer) and all(isinstance(i, str) for i in items[:-1])
    return items[:-1], items[-1]


def assert_quotes_verbatim(answer: Answer, service) -> None:
    for c in answer.citations:
        assert service.clauses[c.id].text[c.start:c.end] == c.quote and c.quote
        assert set(c.model_dump()) == {"id", "label", "notice", "quote", "start", "end"} and c.notice == service.pack.slug


def test_good_answer_streams_then_validates(fake_llm_service, fresh_fake, service) -> None:
    fresh_fake.messages.push(GOOD)
    chunks, answer = collect(fake_llm_service, Q_INVEST)
    assert answer.status == "answered" and answer.mode == "fake-model"
    assert answer.answer == GOOD.replace("〔notice.3.4〕", "〔正文 三（四）〕")
    assert len(chunks) > 1 and "".join(chunks) == answer.answer  # streamed with markers already rewritten
    assert [c.id for c in answer.citations] == ["notice.3.4"]
    assert_quotes_verbatim(answer, service)
    assert "notice.3.4" in {r.id for r in answer.retrieved}
    assert {"retrieve", "answer", "total", "first_token"} <= set(answer.timings_ms)
    human = fresh_fake.prompts[0][1].content
    assert "[1] notice.3.4（正文 三（四）投资规模）" in human and f"问题：{Q_INVEST}" in human
    assert len(fresh_fake.prompts) == 1  # no history: no condensing call


def test_ask_gives_the_same_validated_answer_without_streaming(fake_llm_service, fresh_fake) -> None:
    fresh_fake.messages.push(GOOD)
    answer = fake_llm_service.ask(Q_INVEST)
    assert answer.mode == "fake-model" and "〔正文 三（四）〕" in answer.answer


def test_invented_clause_ids_are_dropped_and_their_sentences_removed(fake_llm_service, fresh_fake, service) -> None:
    fresh_fake.messages.push("单个项目投资规模原则上不低于5000万元〔notice.3.4〕。"
                             "国有企业可获得30%补助〔notice.5.2〕。申报需缴纳费用〔annex9〕。")
    chunks, answer = collect(fake_llm_service, Q_INVEST)
    assert answer.status == "answered" and answer.mode == "fake-model"
    assert answer.answer == "单个项目投资规模原则上不低于5000万元〔正文 三（四）〕。\n（已略去2句未能核对出处的内容。）"
    assert "notice.5.2" not in "".join(chunks) and "annex9" not in "".join(chunks)
    assert [c.id for c in answer.citations] == ["notice.3.4"]
    assert_quotes_verbatim(answer, service)


def test_only_invented_ids_fall_back_to_the_extractive_answer(fake_llm_service, fresh_fake, service) -> None:
    fresh_fake.messages.push("单个项目投资不低于5000万元〔notice.8.1〕。")
    _, answer = collect(fake_llm_service, Q_INVEST)
    offline = service.ask(Q_INVEST)
    assert answer.mode == "extractive"
    assert answer.answer == FALLBACK_NOTES["unverified"] + "\n" + offline.answer
    assert answer.citations == offline.citations and answer.status == offline.status


def test_no_citations_fall_back_with_a_visible_note(fake_llm_service, fresh_fake, service) -> None:
    fresh_fake.messages.push("单个项目的投资规模原则上不低于5000万元，重点支持示范效果突出的项目。")
    _, answer = collect(fake_llm_service, Q_INVEST)
    assert answer.answer.startswith(FALLBACK_NOTES["unverified"]) and answer.mode == "extractive"
    assert answer.answer.endswith(service.ask(Q_INVEST).answer)


def test_refusal_is_not_found_with_nearest_clauses(fake_llm_service, fresh_fake) -> None:
    fresh_fake.messages.push("原文未作规定。")
    _, answer = collect(fake_llm_service, "申报需要缴纳多少评审费？")
    assert answer.status == "not_found" and answer.mode == "fake-model" and answer.citations == []
    assert answer.answer.startswith("原文未作规定。可参考的相关条款：") and "仅供查阅" in answer.answer


def test_follow_up_is_condensed_by_the_model_before_retrieval(fake_llm_service, fresh_fake) -> None:
    fresh_fake.messages.push("事业单位可以作为项目承担单位吗？", "项目承担单位原则上应为企业法人〔notice.3.1〕。")
    _, answer = collect(fake_llm_service, "那事业单位呢？", HISTORY)
    condense_prompt, answer_prompt = fresh_fake.prompts
    assert "改写" in condense_prompt[0].content
    assert "用户：项目承担单位必须是企业法人吗？" in condense_prompt[1].content
    assert condense_prompt[1].content.rstrip().endswith("最新问题：那事业单位呢？\n\n改写后的问题：")
    assert "问题：事业单位可以作为项目承担单位吗？" in answer_prompt[1].content
    assert answer.status == "answered" and answer.citations[0].id == "notice.3.1"
    assert answer.question == "那事业单位呢？" and "condense" in answer.timings_ms


def test_model_error_falls_back_with_the_failure_note(fake_llm_service, fresh_fake, service) -> None:
    fresh_fake.messages.push(ConnectionRefusedError("connection refused"))
    _, answer = collect(fake_llm_service, Q_INVEST)
    assert answer.answer == FALLBACK_NOTES["unreachable"] + "\n" + service.ask(Q_INVEST).answer


def test_failed_condensing_skips_generation(fake_llm_service, fresh_fake) -> None:
    fresh_fake.messages.push(TimeoutError("read timed out"))
    _, answer = collect(fake_llm_service, "那事业单位呢？", HISTORY)
    assert answer.answer.startswith(FALLBACK_NOTES["timeout"]) and len(fresh_fake.prompts) == 1


def test_empty_reply_is_malformed(fake_llm_service, fresh_fake) -> None:
    fresh_fake.messages.push("<think>不知道</think>")
    _, answer = collect(fake_llm_service, Q_INVEST)
    assert answer.answer.startswith(FALLBACK_NOTES["malformed"])


class ScriptedVerdicts(VerdictHook):
    def facts(self, question: str, stated: object = None) -> list[VerdictFact]:
        return [VerdictFact(text="不符合（fail）：申报截止时间已过〔notice.4.1〕", clause_ids=["notice.4.1"])]


def test_verdict_facts_are_given_with_their_clauses(service, fake_model, replies, monkeypatch, make_llm_service) -> None:
    monkeypatch.setattr("llm.facts.load_verdict_hook", lambda checker: ScriptedVerdicts())
    replies.queue.clear()
    fake_model.prompts.clear()
    svc = make_llm_service(service, fake_model)
    replies.push("单个项目投资规模原则上不低于5000万元〔notice.3.4〕。按已核定事实，申报截止时间已过〔notice.4.1〕。")
    _, answer = collect(svc, Q_INVEST)
    human = fake_model.prompts[0][1].content
    assert "已核定事实：\n- 不符合（fail）：申报截止时间已过〔notice.4.1〕" in human
    assert "notice.4.1（正文 四（一）" in human  # the verdict's clause is numbered, so citing it is valid
    assert {c.id for c in answer.citations} == {"notice.3.4", "notice.4.1"} and answer.mode == "fake-model"


Q_FACTS = "我们是事业单位，项目总投资3000万元，可以申报吗？"


def test_rules_engine_verdicts_reach_the_prompt_and_lead_the_answer(fake_llm_service, fresh_fake) -> None:
    pytest.importorskip("checks.chat")
    fresh_fake.messages.push("不可以。项目承担单位原则上应为企业法人〔notice.3.1〕。")
    _, answer = collect(fake_llm_service, Q_FACTS)
    facts = fresh_fake.prompts[0][1].content.split("已核定事实：\n", 1)[1]
    assert facts.startswith("- ") and "3000" in facts and "〔notice.3.4〕" in facts
    assert answer.mode == "fake-model" and answer.answer.startswith("要点：不符合：")  # the verdict's 要点 line first
    assert answer.answer.splitlines()[1].startswith("核对结论：")  # then the rules engine's block
    assert answer.answer.endswith("项目承担单位原则上应为企业法人〔正文 三（一）〕。")


def test_fallback_equals_the_offline_answer_with_verdicts(fake_llm_service, fresh_fake, service) -> None:
    pytest.importorskip("checks.chat")
    fresh_fake.messages.push("可以申报。")
    _, answer = collect(fake_llm_service, Q_FACTS)
    assert answer.answer == FALLBACK_NOTES["unverified"] + "\n" + service.ask(Q_FACTS).answer


def test_offline_mode_streams_nothing_and_answers_as_before(service) -> None:
    items = list(service.ask_stream(Q_INVEST))
    assert len(items) == 1 and items[0].mode == "extractive"
    expected = service.ask(Q_INVEST)
    assert items[0].model_dump(exclude={"timings_ms"}) == expected.model_dump(exclude={"timings_ms"})
    assert service.llm_model is None and service.mode == "extractive"
