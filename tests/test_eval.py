import json

from assistant.settings import ROOT
from eval.gate import regressions
from eval.metrics import GoldItem, aggregate, group_cited, group_included, normalise, score_item
from eval.runner import load_gold


def test_normalisation_unifies_width_space_and_brackets():
    assert normalise("〔正文 三（四）〕５０００万") == normalise("[正文三(四)]5000万")


def test_descendant_satisfies_ancestor_and_alternatives():
    assert group_cited("notice.2.2", ["notice.2.2.1"])
    assert group_cited("notice.1|notice.2.3.1", ["notice.2.3.1"])
    assert not group_cited("notice.2.2.1", ["notice.2.2"])
    assert group_included("两份|2份", "纸质材料一式两份")


def _item(**kw):
    base = dict(id="x", question="q", expected_citations=["notice.3.4"], must_include=["5000万"], answerable=True)
    return GoldItem(**{**base, **kw})


def test_item_scoring_and_refusal():
    texts = {"notice.3.4": "单个项目投资规模原则上不低于5000万元。"}
    good = score_item(_item(), "answered", "「…5000万元」", [{"id": "notice.3.4", "quote": "不低于5000万元"}], ["notice.3.4"], 5, texts)
    assert good.correct and good.hit_rank == 1 and good.quotes_verbatim == 1
    invented = score_item(_item(), "answered", "5000万", [{"id": "notice.3.4", "quote": "3000万"}], ["notice.3.4"], 5, texts)
    wrong = score_item(_item(answerable=False, expected_citations=[], must_include=[]), "answered", "x", [], ["notice.1"], 5, texts)
    m = aggregate([good, invented, wrong])
    assert not wrong.correct and m["quote_fidelity"] == 0.5 and m["refusal_recall"] == 0.0


def test_gate_names_the_metric_and_allows_one_item():
    base = {"hit@1": 0.9, "answer_accuracy": 0.9, "quote_fidelity": 1.0}
    assert regressions({"hit@1": 0.895, "answer_accuracy": 0.9, "quote_fidelity": 1.0}, base, items=100) == []
    failed = regressions({"hit@1": 0.85, "answer_accuracy": 0.9, "quote_fidelity": 0.99}, base, items=100)
    assert any(f.startswith("hit@1") for f in failed) and any(f.startswith("quote_fidelity") for f in failed)


def test_gold_set_is_valid_and_covers_every_leaf(service):
    items = load_gold(ROOT / "eval/gold.jsonl")
    assert len(items) >= 120 and sum(not i.answerable for i in items) >= 15
    assert sum(i.category == "english" for i in items) >= 10 and sum(bool(i.history) for i in items) >= 10
    leaves = [c.id for c in service.document.clauses if not c.children]
    for leaf in leaves:
        assert sum(any(leaf in g.split("|") for g in i.expected_citations) for i in items) >= 2, leaf
    ids = set(service.clauses)
    assert all(a in ids for i in items for g in i.expected_citations for a in g.split("|"))


def test_baseline_is_committed():
    baseline = json.loads((ROOT / "eval/baseline.json").read_text())
    assert baseline["quote_fidelity"] == 1.0


def test_a_summary_line_with_words_not_in_its_spans_is_ungrounded():
    from eval.metrics import summary_grounded

    text = {"notice.4.1": "请于2014年3月31日前将相关材料报送我委。"}
    span = {"id": "notice.4.1", "start": 2, "end": 13, "text": "2014年3月31日前"}
    assert summary_grounded("2014年3月31日前", [span], text)
    assert summary_grounded("第1问：2014年3月31日前；第2问：通知未作规定", [span], text)
    assert not summary_grounded("2014年3月31日前，逾期不受理", [span], text)  # a fact the span does not hold
    assert not summary_grounded("2015年3月31日前", [{**span, "text": "2015年3月31日前"}], text)  # not the clause's text
