"""Re-rankers: each named step after fusion does one thing, with its weight from settings."""

from __future__ import annotations

import pytest

from assistant.settings import Settings
from retrieval.hybrid import ScoredClause
from retrieval.rerankers import (
    DEFAULT_ORDER,
    DocumentPartReranker,
    FactKindReranker,
    HeadingOrPartReranker,
    PositionalReranker,
    Ranking,
    ScopeReranker,
    TitleOnlyReranker,
    apply_rerankers,
    make_rerankers,
)


@pytest.fixture(scope="module")
def retriever(service):
    assert service.chain is not None
    return service.retriever


def flat(retriever, first: list[str] = ()) -> Ranking:
    """Every clause at score 0, except the given ones, which lead in order."""
    top = {cid: 1.0 - i * 0.01 for i, cid in enumerate(first)}
    clauses = [ScoredClause(id=cid, score=top.get(cid, 0.0), dense=0.0, lexical=0.0) for cid in retriever.clauses]
    return Ranking(clauses).sorted()


def scores(ranking: Ranking) -> dict[str, float]:
    return {s.id: s.score for s in ranking.clauses}


def test_fact_kind_lifts_the_clauses_that_state_the_asked_fact(service, retriever):
    a = service.analyser.analyse("申报截止日期是哪天")
    kinds = retriever.fact_kinds_of(a)
    assert kinds
    out = scores(FactKindReranker(0.5).rerank(flat(retriever), a, retriever))
    holders = set().union(*(retriever.fact_holders[k] for k in kinds))
    assert "notice.4.1" in holders and out["notice.4.1"] > 0
    assert all(v == 0 for cid, v in out.items() if cid not in holders)
    assert scores(FactKindReranker(1.0).rerank(flat(retriever), a, retriever))["notice.4.1"] == 2 * out["notice.4.1"]


def test_scope_lifts_only_the_parts_of_the_named_part(service, retriever):
    a = service.analyser.analyse("税收优惠写在方案哪一部分")
    assert a.scopes
    out = scores(ScopeReranker(0.5).rerank(flat(retriever), a, retriever))
    lifted = {cid for cid, v in out.items() if v > 0}
    assert lifted and all(any(cid.startswith(sc + ".") for sc in a.scopes) for cid in lifted)


def test_a_title_only_part_sinks_unless_the_question_names_it(service, retriever):
    ranking = flat(retriever, ["annex2", "notice.4.1"])
    sunk = TitleOnlyReranker().rerank(ranking, service.analyser.analyse("项目单位基本情况怎么填"), retriever)
    assert scores(sunk)["annex2"] < 0
    named = TitleOnlyReranker().rerank(ranking, service.analyser.analyse("附件2叫什么"), retriever)
    assert scores(named)["annex2"] == 1.0


def test_a_positional_reference_leads_unless_it_lacks_the_asked_fact(service, retriever):
    a = service.analyser.analyse("大纲第五部分写什么")
    led = PositionalReranker().rerank(flat(retriever, ["notice.4.1"]), a, retriever).sorted()
    assert led.pointed == "annex1.5" and led.clauses[0].id == "annex1.5"
    near_miss = service.analyser.analyse("大纲第五部分对单个项目投资额有没有下限")
    kept = PositionalReranker().rerank(flat(retriever, ["notice.3.4"]), near_miss, retriever)
    if retriever.fact_kinds_of(near_miss):  # asks an amount, which annex1.5 does not state
        assert kept.pointed is None and kept.clauses[0].id != "annex1.5"


def test_heading_or_part_chooses_by_what_the_question_asks(service, retriever):
    heading_first = flat(retriever, ["notice.3", "notice.3.1"])
    one = HeadingOrPartReranker().rerank(heading_first, service.analyser.analyse("项目承担单位要求写在哪"), retriever)
    assert one.clauses[0].id == "notice.3.1"  # asks no list: the part, not the heading that names it
    part_first = flat(retriever, ["notice.3.1", "notice.3"])
    kinds = HeadingOrPartReranker().rerank(part_first, service.analyser.analyse("工作要求分哪几类"), retriever)
    assert kinds.clauses[0].id == "notice.3"  # asks how the heading divides: the heading lists them


def test_asks_about_the_document_itself_go_to_its_signature_preamble_or_header(service, retriever):
    ranking = flat(retriever, ["notice.4.1", "notice.3.1"])
    issued = DocumentPartReranker().rerank(ranking, service.analyser.analyse("这个通知是哪天发的？"), retriever).sorted()
    assert {s.id for s in issued.clauses[:2]} == {"notice.signature", "notice.header"}
    basis = DocumentPartReranker().rerank(ranking, service.analyser.analyse("这个通知是根据哪些文件发的？"), retriever)
    assert basis.sorted().clauses[0].id == "notice.preamble"
    # Any other question: the signature's date is not a deadline, so the signature sinks.
    other = DocumentPartReranker().rerank(flat(retriever, ["notice.signature", "notice.4.1"]),
                                          service.analyser.analyse("材料哪天之前交？"), retriever).sorted()
    assert other.clauses[0].id == "notice.4.1" and other.clauses[-1].id == "notice.signature"


def test_the_list_is_settings_in_order_and_weight_zero_leaves_one_out():
    s = Settings(rerankers=["scope", "positional"], scope_weight=0.0)
    made = make_rerankers(s.rerankers, s.reranker_weights)
    assert [r.name for r in made] == ["positional"]
    assert [r.name for r in make_rerankers(DEFAULT_ORDER, Settings().reranker_weights)] == DEFAULT_ORDER
    with pytest.raises(ValueError, match="unknown re-rankers"):
        make_rerankers(["nope"], {})


def test_every_reranker_says_why_it_exists():
    for reranker in make_rerankers(DEFAULT_ORDER, {}):
        assert type(reranker).__doc__ and len(type(reranker).__doc__) > 40


def test_apply_sorts_the_result(service, retriever):
    a = service.analyser.analyse("大纲第五部分写什么")
    out = apply_rerankers(flat(retriever, ["notice.4.1"]), make_rerankers(DEFAULT_ORDER, {}), a, retriever)
    values = [s.score for s in out.clauses]
    assert values == sorted(values, reverse=True) and out.clauses[0].id == "annex1.5"
