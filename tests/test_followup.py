import pytest

from retrieval.followup import Turn, condense, is_elliptic, refers_back
from retrieval.structure import ordinal_of


@pytest.mark.parametrize("q", ["那事业单位呢？", "那3000万呢", "截止到什么时候？", "what about universities?"])
def test_elliptic(q):
    assert is_elliptic(q)


@pytest.mark.parametrize("q", ["项目承担单位原则上应为什么单位？", "那一个省最多报几个重点项目？"])
def test_standalone(q):
    assert not is_elliptic(q)


@pytest.mark.parametrize(("q", "expected"), [
    ("这个有没有例外情况，能不能通融一下？", True),  # a pronoun with nothing to refer to in the question
    ("那这种平台必须跟谁兼容呢，有具体要求吗？", True),
    ("另一类项目具体支持企业做些什么？", True),
    ("这个通知是国家发改委哪个部门印发的？", False),  # 这个通知 names the notice itself
    ("项目承担单位原则上应为什么单位？", False),
    ("那搞技术集成应用的企业呢？", True),  # 那… asks the previous question again, of another subject
    ("What about the integrated-application projects?", True),
])
def test_refers_back(q, expected):
    assert refers_back(q) is expected


def test_condense_prefixes_previous_question():
    history = [Turn(role="user", content="项目承担单位有什么要求"), Turn(role="assistant", content="企业法人")]
    assert condense("那事业单位呢？", history) == "项目承担单位有什么要求 那事业单位呢？"
    assert condense("单个项目投资规模多少", history) == "单个项目投资规模多少"


def test_ordinals_and_scopes(service):
    resolver = service.structure
    assert ordinal_of("第十一条") == 11 and ordinal_of("the third one") == 3
    assert resolver.resolve("大纲第五部分写什么") == "annex1.5"
    assert resolver.resolve("基本原则第一条是啥") == "notice.2.2.1"
    assert resolver.resolve("那第三个呢", context_scope="annex1.6") == "annex1.6.3"
    assert resolver.resolve("附件2有什么内容") == "annex2"
    assert resolver.resolve("第九部分") is None


@pytest.mark.parametrize(("question", "context", "expected"), [
    ("大纲第二部分的第二节标题是什么？", None, "annex1.2.2"),  # a finer unit counts within the coarser one
    ("大纲第四部分讲什么？ 第三小节呢", None, "annex1.4.3"),
    ("大纲第四部分讲什么？ 那第五部分呢", None, "annex1.5"),  # the same unit replaces the earlier ordinal
    ("大纲第六部分第七个", None, None),  # out of range anywhere on the path
    ("第二类具体支持什么？", "notice.2.3", "notice.2.3.2"),
    ("实施方案第二个方面写什么", None, "annex1.6.2"),  # 实施方案 is the head of the heading 重点项目实施方案
    ("基本原则最后一条是什么", None, "notice.2.2.6"),
    ("and the last one?", "annex1.6", "annex1.6.6"),
    ("we wrote an outline last year; can we reuse it?", None, None),  # "last year" is no ordinal
    ("附件1是什么？ 附件2呢？", None, "annex2"),
    ("what does section 5 of annex 1 cover", None, "annex1.5"),  # English numbering, annex as the scope
    ("what does part 6 of annex 1 cover? and the second aspect?", None, "annex1.6.2"),
    ("总体工作方案第一部分是写啥的？", None, "annex1.1"),  # the plan is written to the outline: its parts are the outline's
    ("in the overall plan, what goes in part 3?", None, "annex1.3"),  # a condensed follow-up: the current question's annex counts
])
def test_nested_ordinals(service, question, context, expected):
    assert service.structure.resolve(question, context) == expected


def test_dangling_ordinal_is_spelled_out(service):
    resolver = service.structure
    assert resolver.dangling("第一类对承担企业有啥要求？") and not resolver.dangling("大纲第一部分写什么")
    spelled = resolver.spell_out("第一类对承担企业有啥要求？", "notice.2.3")
    assert spelled.startswith(service.clauses["notice.2.3.1"].heading) and "第一类" not in spelled


def test_dangling_ordinal_follow_up_uses_the_previous_turn(service):
    history = [{"role": "user", "content": "重点领域分哪两类？"}, {"role": "assistant", "content": "两类。"}]
    first = service.ask("第一类的承担企业要满足什么条件？", history)
    assert first.citations[0].id == "notice.3.3"  # the requirements clause that names the first category
    second = service.ask("第二类主要支持哪些方面？", history)
    assert second.citations[0].id == "notice.2.3.2"


def test_positional_follow_up_in_english_is_answered_not_refused(service):
    history = [{"role": "user", "content": "What is in part 6 of annex 1?"}, {"role": "assistant", "content": "Six aspects."}]
    answer = service.ask("And the final one... I mean the last aspect?", history)
    assert answer.status == "answered" and answer.citations[0].id == "annex1.6.6"


def test_follow_up_ranks_by_the_current_question_more_than_the_previous_one(service):
    assert service.chain is not None
    condensed = "专家评审没通过怎么办？ 那国家补助资金呢？"
    whole = service.analyser.of_query(condensed).model_copy(update={"ask": None})  # read as one ask, no focus
    plain = [s.id for s in service.retriever.retrieve(whole).ranked]
    focused = [s.id for s in service.retriever.rank(condensed, focus="那国家补助资金呢？").ranked]
    assert plain[0] == "notice.4.2" and focused[0] == "notice.4.3"


@pytest.mark.parametrize(("question", "first", "second"), [
    ("大纲第二部分讲什么", "annex1.2", None),  # nothing but the reference: the part itself
    ("大纲第二部分还要写存在的问题吗", "annex1.2.2", "annex1.2"),  # the words pick a sub-section within it
    ("大纲第四部分要写购买服务的情况吗", "annex1.4.2", "annex1.4"),
])
def test_positional_reference_sets_the_scope_and_the_words_pick_within_it(service, question, first, second):
    assert service.chain is not None
    ranked = [s.id for s in service.retriever.rank(question).ranked]
    assert ranked[0] == first and (second is None or ranked[1] == second)


def _after(service, question, previous):
    return service.ask(question, [{"role": "user", "content": previous}, {"role": "assistant", "content": "（略）"}])


def test_linked_followup_borrows_the_previous_question(service):
    """Not short, but 那…呢 asks the previous question (capability requirements) of the other category."""
    answer = _after(service, "那搞技术集成应用的企业呢？", "服务类项目的承担企业有什么能力要求？")
    assert answer.retrieved[0].id == "notice.3.3"


def test_linked_followup_with_its_own_ask_is_not_refused_for_the_previous_one(service):
    """The previous question asked a percentage the notice lacks; this one asks how to apply, which it has."""
    answer = _after(service, "那补助资金的申请程序呢？", "国家补助占总投资的比例是多少？")
    assert answer.status == "answered" and answer.citations[0].id == "notice.4.3"
