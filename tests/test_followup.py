import pytest

from retrieval.followup import Turn, condense, is_elliptic
from retrieval.structure import StructureResolver, ordinal_of


@pytest.mark.parametrize("q", ["那事业单位呢？", "那3000万呢", "截止到什么时候？", "what about universities?"])
def test_elliptic(q):
    assert is_elliptic(q)


@pytest.mark.parametrize("q", ["项目承担单位原则上应为什么单位？", "那一个省最多报几个重点项目？"])
def test_standalone(q):
    assert not is_elliptic(q)


def test_condense_prefixes_previous_question():
    history = [Turn(role="user", content="项目承担单位有什么要求"), Turn(role="assistant", content="企业法人")]
    assert condense("那事业单位呢？", history) == "项目承担单位有什么要求 那事业单位呢？"
    assert condense("单个项目投资规模多少", history) == "单个项目投资规模多少"


def test_ordinals_and_scopes(service):
    resolver = StructureResolver(service.clauses)
    assert ordinal_of("第十一条") == 11 and ordinal_of("the third one") == 3
    assert resolver.resolve("大纲第五部分写什么") == "annex1.5"
    assert resolver.resolve("基本原则第一条是啥") == "notice.2.2.1"
    assert resolver.resolve("那第三个呢", context_scope="annex1.6") == "annex1.6.3"
    assert resolver.resolve("附件2有什么内容") == "annex2"
    assert resolver.resolve("第九部分") is None
