"""Web UI: rendering, chat bookkeeping, feedback storage/export, and the /ask API over HTTP."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from pathlib import Path

import pytest

from assistant import __version__
from corpus.models import Clause
from web.chat import (
    BadHistory,
    chat_messages,
    like_feedback,
    new_turn,
    normalise_history,
    pending_messages,
    report_choices,
    service_history,
    turn_for_message,
)
from web.feedback import SAVE_FAILED, FeedbackError, FeedbackStore, export_gold_candidates, read_rows
from web.render import (
    clause_anchor,
    esc_lines,
    highlight,
    quote_span,
    render_answer,
    render_cards,
    render_notice,
    render_pending,
    render_question,
    stream_prefixes,
)

pytest_plugins = ["tests.conftest_web"]

ROOT = Path(__file__).resolve().parent.parent
XSS = ['<script>window.__xss=1</script>', '<img src=x onerror="window.__xss=1">', "a & b \" ' <b>bold</b>"]
GOLD_KEYS = ["id", "question", "history", "expected_citations", "must_include", "must_not_include", "answerable",
             "category", "notes"]


@pytest.fixture(scope="module")
def document(service):
    """The parsed notice (service: the session fixture of tests/conftest.py)."""
    return service.document


@pytest.fixture(scope="module")
def clauses(document) -> dict[str, Clause]:
    return document.by_id()


def make_clause(text: str, cid: str = "notice.9", **kw) -> Clause:
    return Clause(id=cid, level=1, label=f"正文 {cid}", marker=cid, heading="标题", text=text, start=0,
                  end=len(text), **kw)


def answer_for(clause: Clause, quote: str, status: str = "answered") -> dict:
    start = clause.text.find(quote)
    return {"question": "问？", "status": status, "answer": f"根据通知原文：\n「{quote}」〔{clause.marker}〕",
            "citations": [{"id": clause.id, "label": clause.label, "quote": quote, "start": start,
                           "end": start + len(quote)}],
            "retrieved": [{"id": clause.id, "score": 1.0}], "timings_ms": {}}


# -- escaping ----------------------------------------------------------------------
@pytest.mark.parametrize("payload", XSS)
def test_question_is_escaped(payload: str) -> None:
    out = render_question(payload)
    assert "<script" not in out and "<img" not in out and "<b>" not in out
    assert "&lt;" in out
    assert "\n" not in render_question(payload + "\n\n# heading")  # one raw-HTML block: no Markdown inside


@pytest.mark.parametrize("payload", XSS)
def test_answer_text_quotes_and_clause_text_are_escaped(payload: str) -> None:
    clause = make_clause(f"（一）前文。{payload}。后文。")
    answer = answer_for(clause, payload)
    answer["question"] = payload
    out = render_answer(answer, {clause.id: clause})
    for html in (out, render_pending(payload), render_notice([clause])):
        assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "<mark>" + esc_lines(payload) + "</mark>" in out


def test_messages_have_no_raw_newlines() -> None:
    clause = make_clause("（一）第一句。第二句。")
    out = render_answer(answer_for(clause, "第二句。"), {clause.id: clause})
    assert "\n" not in out and "<br>" in out


# -- highlighting and cards ----------------------------------------------------------
def test_highlight_marks_spans_and_merges_overlaps() -> None:
    assert highlight("abcdef", [(1, 3)]) == "a<mark>bc</mark>def"
    assert highlight("abcdef", [(3, 5), (1, 4)]) == "a<mark>bcde</mark>f"
    assert highlight("abcdef", [(0, 1), (4, 6)]) == "<mark>a</mark>bcd<mark>ef</mark>"
    assert highlight("a<b", [(1, 2)]) == "a<mark>&lt;</mark>b"
    assert highlight("abc", []) == "abc"


def test_quote_span_uses_offsets_and_falls_back_to_search() -> None:
    text = "（四）投资规模。单个项目投资规模原则上不低于5000万元。"
    quote = "单个项目投资规模原则上不低于5000万元。"
    start = text.find(quote)
    assert quote_span(text, quote, start, start + len(quote)) == (start, start + len(quote))
    assert quote_span(text, quote, 0, 3) == (start, start + len(quote))  # stale offsets
    assert quote_span(text, "不在原文中", None, None) is None


def test_card_shows_label_id_and_quote_inside_full_clause(clauses: dict[str, Clause]) -> None:
    clause = clauses["notice.3.4"]
    quote = "单个项目投资规模原则上不低于5000万元。"
    answer = answer_for(clause, quote)
    answer["citations"][0]["quote"] = clause.text[clause.text.find("重点支持"):]
    cards = render_cards(answer["citations"], clauses)
    assert cards.count("<details") == 1
    assert "正文 三（四）投资规模" in cards and ">notice.3.4</code>" in cards
    body = re.search(r'<div class="qa-card-body">(.*?)</div>', cards).group(1)
    assert body.startswith("（四）投资规模。<mark>重点支持") and body.endswith("5000万元。</mark>")
    assert f'href="#{clause_anchor("notice.3.4")}&amp;q=' in cards  # the quote ranges follow the anchor


def test_cards_group_citations_of_one_clause(clauses: dict[str, Clause]) -> None:
    clause = clauses["notice.3.1"]
    sentences = [s for s in re.split(r"(?<=[。；])", clause.text) if s][1:3]
    citations = [answer_for(clause, s)["citations"][0] for s in sentences]
    cards = render_cards(citations + [answer_for(clauses["notice.3.4"], "单个项目")["citations"][0]], clauses)
    assert cards.count("<details") == 2
    assert cards.count("<mark>") == 2  # the two adjacent sentences of notice.3.1 merge into one mark


def test_not_found_answer_is_plain_text_without_cards(clauses: dict[str, Clause]) -> None:
    answer = {"question": "补助比例？", "status": "not_found", "answer": "通知原文未对此作出规定。", "citations": []}
    out = render_answer(answer, clauses)
    assert "qa-not-found" in out and "通知原文未对此作出规定。" in out and "<details" not in out


def test_stream_prefixes_grow_to_the_whole_text() -> None:
    text = "根据通知原文：\n「不低于5000万元。」"
    chunks = list(stream_prefixes(text, 4))
    assert chunks[-1] == text and len(chunks) == -(-len(text) // 4)
    assert all(text.startswith(c) for c in chunks)
    assert all(len(a) < len(b) for a, b in zip(chunks, chunks[1:], strict=False))
    assert list(stream_prefixes("", 4)) == [""]


# -- notice view -------------------------------------------------------------------------
def test_notice_has_every_clause_anchored_with_visible_id(document) -> None:
    html = render_notice(document.clauses)
    positions = []
    for c in document.clauses:
        anchor = f'id="{clause_anchor(c.id)}"'
        assert html.count(anchor) == 1, c.id
        positions.append(html.index(anchor))
        assert f'<code class="clause-id">{c.id}</code>' in html
    assert positions == sorted(positions)  # reading order
    assert "通知正文" in html and "附件1" in html


def test_notice_headings_follow_levels_and_annex2_is_marked(document, clauses: dict[str, Clause]) -> None:
    html = render_notice(document.clauses)
    assert re.search(r'id="clause-notice\.3\.4"[^>]*><h4 class="clause-heading">', html)
    assert re.search(r'id="clause-notice\.2\.2\.1"[^>]*><h5 class="clause-heading">', html)
    assert re.search(r'id="clause-annex1"[^>]*><h2 class="clause-heading">', html)
    annex2 = html[html.index('id="clause-annex2"'):]
    assert "原文未提供内容" in annex2 and "重点项目及项目单位基本情况表" in annex2
    assert not clauses["annex2"].content_provided
    assert "单个项目投资规模原则上不低于5000万元" in html


# -- chat bookkeeping --------------------------------------------------------------------
def test_turns_give_service_history_and_message_pairs(clauses: dict[str, Clause]) -> None:
    a1 = answer_for(clauses["notice.3.1"], "项目承担单位原则上应为企业法人")
    t1 = new_turn("项目承担单位有什么要求？", [], a1)
    t2 = new_turn("那事业单位呢？", service_history([t1]), answer_for(clauses["notice.3.1"], "企业法人"))
    assert service_history([t1]) == [{"role": "user", "content": "项目承担单位有什么要求？"},
                                     {"role": "assistant", "content": a1["answer"]}]
    assert t2["history"] == service_history([t1])
    messages = chat_messages([t1, t2], clauses)
    assert [m["role"] for m in messages] == ["user", "assistant"] * 2
    assert turn_for_message([t1, t2], 1) is t1 and turn_for_message([t1, t2], 3) is t2
    assert turn_for_message([t1, t2], 2) is None and turn_for_message([t1, t2], 5) is None
    assert turn_for_message([t1, t2], [3, 0]) is t2
    assert pending_messages("<b>x</b>")[0]["content"] == render_question("<b>x</b>")
    assert [c[1] for c in report_choices([t1, t2])] == [1, 0]


def test_like_values_map_to_ratings() -> None:
    assert like_feedback(True) == ("up", "rating")
    assert like_feedback(False) == ("down", "rating")
    assert like_feedback("引用有误") == ("down", "citation_wrong")
    assert like_feedback("答案有误") == ("down", "answer_wrong")
    assert like_feedback("") is None and like_feedback(None) is None


def test_api_history_is_validated() -> None:
    assert normalise_history(None) == []
    good = [{"role": "user", "content": "问"}, {"role": "assistant", "content": "答", "extra": 1}]
    assert normalise_history(good) == [{"role": "user", "content": "问"}, {"role": "assistant", "content": "答"}]
    for bad in ("text", [{"role": "system", "content": "x"}], [{"role": "user"}], [["user", "x"]]):
        with pytest.raises(BadHistory):
            normalise_history(bad)


# -- feedback store ------------------------------------------------------------------------
def test_feedback_row_is_written_in_wal_mode(tmp_path: Path, clauses: dict[str, Clause]) -> None:
    store = FeedbackStore(tmp_path / "data" / "feedback.db")
    answer = answer_for(clauses["notice.3.4"], "单个项目投资规模原则上不低于5000万元。")
    history = [{"role": "user", "content": "前一问"}, {"role": "assistant", "content": "前一答"}]
    row_id = store.record("单个项目投资规模有什么要求？", history, answer, "down", "citation_wrong", " 引用不对 ")
    rows = store.rows()
    assert [r["id"] for r in rows] == [row_id]
    row = rows[0]
    assert row["question"] == "单个项目投资规模有什么要求？" and row["history"] == history
    assert row["answer"] == answer and row["citations"] == answer["citations"]
    assert (row["rating"], row["kind"], row["comment"]) == ("down", "citation_wrong", "引用不对")
    assert row["app_version"] == __version__ and row["created_at"]
    with sqlite3.connect(store.db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_feedback_rejects_unknown_rating_and_kind(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.db")
    with pytest.raises(ValueError):
        store.record("q", [], {"answer": "a"}, "meh")
    with pytest.raises(ValueError):
        store.record("q", [], {"answer": "a"}, "down", "other")
    assert store.rows() == []


def test_feedback_error_is_short_chinese_message(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    store = FeedbackStore(blocker / "feedback.db")
    with pytest.raises(FeedbackError) as info:
        store.record("q", [], {"answer": "a"}, "up")
    assert str(info.value) == SAVE_FAILED and "Traceback" not in str(info.value)


def test_concurrent_writes_lose_no_rows(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.db")
    threads, per_thread = 20, 10
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                store.record(f"问题{n}-{i}", [], {"answer": "答", "citations": []}, "down" if i % 2 else "up")
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    rows = store.rows()
    assert len(rows) == threads * per_thread
    assert {r["question"] for r in rows} == {f"问题{n}-{i}" for n in range(threads) for i in range(per_thread)}


def test_export_writes_thumbs_down_as_gold_candidates(tmp_path: Path, clauses: dict[str, Clause]) -> None:
    store = FeedbackStore(tmp_path / "feedback.db")
    a = answer_for(clauses["notice.3.4"], "单个项目投资规模原则上不低于5000万元。")
    hist = [{"role": "user", "content": "项目承担单位有什么要求？"}, {"role": "assistant", "content": "企业法人"}]
    store.record("单个项目投资规模有什么要求？", [], a, "up")
    first = store.record("单个项目投资规模有什么要求？", [], a, "down")
    store.record("单个项目投资规模有什么要求？", [], a, "down", "citation_wrong", "应引用附件")
    store.record("那事业单位呢？", hist, a, "down", "answer_wrong")
    out = tmp_path / "out" / "candidates.jsonl"
    assert export_gold_candidates(store.db_path, out) == 2
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [list(r) for r in records] == [GOLD_KEYS, GOLD_KEYS]
    gold_keys = list(json.loads((ROOT / "eval/gold.jsonl").read_text(encoding="utf-8").splitlines()[0]))
    assert GOLD_KEYS == gold_keys
    r1, r2 = records
    assert r1["id"] == f"fb{first:05d}" and r1["question"] == "单个项目投资规模有什么要求？" and r1["history"] == []
    assert (r1["expected_citations"], r1["must_include"], r1["must_not_include"]) == ([], [], [])
    assert r1["answerable"] is True and r1["category"] == "feedback"
    assert "引用有误" in r1["notes"] and "应引用附件" in r1["notes"] and "notice.3.4" in r1["notes"]
    assert r2["history"] == hist and "答案有误" in r2["notes"]


def test_export_of_missing_db_writes_empty_file(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    assert export_gold_candidates(tmp_path / "none.db", out) == 0
    assert out.read_text() == "" and read_rows(tmp_path / "none.db") == []


# -- the /ask API over HTTP -------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(web_app):
    from gradio_client import Client

    return Client(web_app.url, verbose=False, analytics_enabled=False, download_files=False)


def test_api_ask_returns_answer_json_with_citations(client) -> None:
    result = client.predict("单个项目投资规模有什么要求？", None, api_name="/ask")
    assert isinstance(result, dict)
    assert result["status"] == "answered" and "5000万元" in result["answer"]
    assert "notice.3.4" in [c["id"] for c in result["citations"]]
    c = result["citations"][0]
    assert set(c) == {"id", "label", "notice", "quote", "start", "end"} and c["end"] > c["start"]
    assert result["retrieved"] and "total" in result["timings_ms"]
    assert result["notice"] == c["notice"] == "ndrc-2013-iot-pilot"  # slug + clause ID address the clause


def test_api_ask_uses_history(client) -> None:
    history = [{"role": "user", "content": "项目承担单位有什么要求？"},
               {"role": "assistant", "content": "项目承担单位原则上应为企业法人。"}]
    result = client.predict("那事业单位呢？", history, api_name="/ask")
    assert "notice.3.1" in [c["id"] for c in result["citations"]]


def test_api_ask_reports_invalid_input_in_chinese(client) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="问题不能为空"):
        client.predict("   ", None, api_name="/ask")
    with pytest.raises(AppError, match="history"):
        client.predict("问题", "not a list", api_name="/ask")


def test_feedback_export_command(tmp_path: Path) -> None:
    import subprocess
    import sys

    from assistant.settings import ROOT

    store = FeedbackStore(tmp_path / "feedback.db")
    store.init()
    store.record("投资3000万够不够", [], {"answer": "…", "citations": [{"id": "notice.3.4"}]}, "down", "answer_wrong", "")
    out = tmp_path / "cand.jsonl"
    run = subprocess.run([sys.executable, "-m", "eval.feedback", "export", "--out", str(out), "--db", str(store.db_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "1 gold candidates" in run.stdout
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["question"] == "投资3000万够不够"


def test_the_clause_link_carries_the_quote_and_key_ranges(service):
    from web.render import render_cards

    clause = service.clauses["notice.3.4"]
    quote = "单个项目投资规模原则上不低于5000万元。"
    start = clause.text.index(quote)
    citations = [{"id": "notice.3.4", "label": clause.label, "quote": quote, "start": start, "end": start + len(quote)}]
    key = {"id": "notice.3.4", "start": start + 11, "end": start + len(quote) - 1, "text": "x"}
    html = render_cards(citations, service.clauses, [key])
    assert f'href="#clause-notice.3.4&amp;q={start}-{start + len(quote)}&amp;k={start + 11}-{start + len(quote) - 1}"' in html
