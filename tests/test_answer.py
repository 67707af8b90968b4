import pytest

from assistant.service import InvalidQuestion

QUESTIONS = [
    "单个项目投资规模有什么要求？", "材料交几份", "截止到什么时候？", "我们是事业单位能报吗",
    "基本原则有哪些？", "工作方案包括哪几部分", "What is the submission deadline?", "商业模式部分要写什么",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_quote_is_verbatim_and_cited(service, question):
    answer = service.ask(question)
    assert answer.status == "answered" and answer.citations
    for c in answer.citations:
        clause = service.clauses[c.id]
        assert clause.text[c.start : c.end] == c.quote
        assert f"「{c.quote}」" in answer.answer


def test_investment_question_cites_notice_3_4_with_5000(service):
    answer = service.ask("单个项目投资规模有什么要求？")
    assert answer.citations[0].id == "notice.3.4" and "5000万元" in answer.citations[0].quote
    assert "〔正文 三（四）〕" in answer.answer and set(answer.timings_ms) == {"retrieve", "answer", "total"}


@pytest.mark.parametrize("question", ["明天北京天气怎么样？", "给我写一首诗", "国家补助比例是多少？", "2018年还有这个试点吗", "申报要交多少报名费"])
def test_not_found_off_topic_or_not_regulated(service, question):
    answer = service.ask(question)
    assert answer.status == "not_found" and "未" in answer.answer


def test_annex2_content_is_not_provided_but_its_title_is(service):
    content = service.ask("附件2的表格有哪些栏目？")
    assert content.status == "not_found" and content.citations[0].id == "annex2" and "原文未提供内容" in content.answer
    title = service.ask("附件2叫什么名字？")
    assert title.status == "answered" and "重点项目及项目单位基本情况表" in title.answer


def test_follow_up_uses_history(service):
    history = [{"role": "user", "content": "项目承担单位有什么要求？"}, {"role": "assistant", "content": "原则上应为企业法人。"}]
    answer = service.ask("那事业单位呢？", history)
    assert answer.citations[0].id == "notice.3.1"


@pytest.mark.parametrize("bad", ["", "   \n\t", "\x00\x01", "问" * 2001])
def test_bad_questions_get_a_message(service, bad):
    with pytest.raises(InvalidQuestion):
        service.ask(bad)


def test_question_naming_a_clause_label_gets_the_whole_clause(service):
    # 工作目标 is notice.1's label; the goal is stated across all three of its sentences.
    answer = service.ask("通知的工作目标是什么？")
    assert answer.citations[0].id == "notice.1"
    assert answer.citations[0].quote == service.clauses["notice.1"].text


def test_question_about_a_detail_gets_the_sentence(service):
    answer = service.ask("通过试点要扶持一批什么样的企业？")
    assert answer.citations[0].id == "notice.1"
    assert "骨干企业" in answer.citations[0].quote and answer.citations[0].quote != service.clauses["notice.1"].text


@pytest.mark.parametrize(("question", "history", "status"), [
    ("附件2是什么？", [], "answered"),  # what it is: its title
    ("附件2呢？", [{"role": "user", "content": "附件1是什么？"}, {"role": "assistant", "content": "编制大纲。"}], "answered"),
    ("附件2是什么表，要怎么填？", [], "not_found"),  # how to fill it in: content the source does not give
])
def test_title_only_annex_answers_what_it_is_not_what_it_contains(service, question, history, status):
    answer = service.ask(question, history)
    assert answer.status == status and "annex2" in [c.id for c in answer.citations]
    assert "原文未提供内容" in answer.answer


@pytest.mark.parametrize(("question", "status"), [
    ("Do lead organizations need a good credit rating?", "answered"),  # glossary words count as the notice's
    ("Do service providers need agreements signed with their user organizations?", "answered"),  # plural, past
    ("Are government departments encouraged to purchase information services?", "answered"),
    ("Tell me about the stock market today", "not_found"),
    ("申报材料是直接交给工信部吗", "answered"),  # naming another ministry is not another programme
])
def test_confidence_for_english_and_other_ministries(service, question, status):
    assert service.ask(question).status == status


def test_asks_about_the_notice_itself_are_answered_from_its_signature_and_preamble(service):
    dated = service.ask("这个通知是哪天发的？")
    assert dated.status == "answered" and dated.citations[0].id == "notice.signature"
    assert "2013年10月31日" in dated.answer
    basis = service.ask("这个通知是根据哪些文件发的？")
    assert basis.status == "answered" and basis.citations[0].id == "notice.preamble"


def test_a_deadline_is_never_the_signature_date(service):
    answer = service.ask("材料最晚哪天交？")
    assert answer.status == "answered" and all(c.id != "notice.signature" for c in answer.citations)


@pytest.mark.parametrize("question", ["第二批区域试点什么时候申报？", "试点单位一共有多少家？"])
def test_another_batch_or_a_figure_in_a_unit_the_notice_never_gives_is_not_found(service, question):
    assert service.ask(question).status == "not_found"


def test_the_sentence_that_states_the_asked_kind_is_quoted(service):
    from corpus.models import Clause
    from retrieval.answer import AnswerType, ExtractiveAnswerer

    intro = ("支持企业采购出海专业服务，包括国际财务与税务审计、境外知识产权与认证检测、绿色转型、碳中和、海外市场拓展、"
             "境外上市与融资、法律合规、跨境并购、海外保险、国际人才与组织架构咨询等服务。")
    more = "鼓励企业采购专业服务开拓海外市场，提升国际竞争力和品牌影响力，服务机构应具备相应资质并在本区登记。"
    text = f"{intro}{more}{more}按合同金额给予支持，每家企业最高不超过50万元。"
    assert len(text) > 160  # longer than a clause quoted whole
    clause = Clause(id="notice.9", level=1, label="正文 九", marker="正文 九", heading="九", text=text, start=0,
                    end=len(text))
    answerer = ExtractiveAnswerer({"notice.9": clause}, service.tokenizer, [], text)
    money = AnswerType(name="money", evidence_regex="\\d+万元")
    question = "企业采购出海专业服务和海外市场拓展最多能拿多少"
    assert not any("50万元" in c.quote for c in answerer._best_sentences(question, clause))  # the intro shares more
    assert any("50万元" in c.quote for c in answerer._best_sentences(question, clause, wanted=[money]))
