"""The web chat in a real browser (Chromium via Playwright): streaming, citation cards, the notice
view, feedback into SQLite, follow-up questions, HTML injection and switching notices.

Needs /usr/bin/chromium (apt-get install -y chromium chromium-driver fonts-noto-cjk).
Writes artifacts/chat.png, artifacts/notice.png and artifacts/ttft.txt.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.conftest_web"]

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: apt-get install -y chromium")

BOX = "#question-box textarea"
BOT = "#chatbot [data-testid='bot']"
FINISHED = "#chatbot .qa-answer.qa-answered, #chatbot .qa-answer.qa-not-found"
TIMEOUT_MS = 30_000

# Records, in the page, when Enter is pressed in the question box, when the first streamed
# answer characters appear in the chat, and what they were.
STREAM_PROBE = """
() => {
  if (window.__qaObs) window.__qaObs.disconnect();
  const box = document.querySelector('#question-box textarea');
  window.__qa = { t0: null, first: null, streamedText: null };
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && window.__qa.t0 === null) window.__qa.t0 = performance.now();
  }, { capture: true, once: true });
  window.__qaObs = new MutationObserver(() => {
    const el = document.querySelector('#chatbot .qa-streaming .qa-text');
    if (el && el.textContent.length > 0 && window.__qa.first === null) {
      window.__qa.first = performance.now();
      window.__qa.streamedText = el.textContent;
    }
  });
  window.__qaObs.observe(document.querySelector('#chatbot'), { subtree: true, childList: true, characterData: true });
}
"""
TTFT: dict[str, float] = {}


@pytest.fixture(scope="module")
def page(web_app) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1100})
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        pg.goto(web_app.url)
        pg.wait_for_selector(BOX)
        try:
            yield pg
        finally:
            context.close()
            browser.close()


def finished_count(pg) -> int:
    return pg.locator(FINISHED).count()


def ask(pg, question: str, timeout_ms: float = TIMEOUT_MS) -> dict:
    """Type a question, press Enter, wait until its answer is complete; returns the stream probe."""
    before = finished_count(pg)
    pg.evaluate(STREAM_PROBE)
    pg.fill(BOX, question)
    pg.press(BOX, "Enter")
    pg.wait_for_function(f"document.querySelectorAll({FINISHED!r}).length > {before}", timeout=timeout_ms)
    return pg.evaluate("window.__qa")


def record_ttft(name: str, probe: dict, artifacts_dir: Path) -> float:
    """Submit-to-first-streamed-token time, kept in artifacts/ttft.txt."""
    assert probe["t0"] is not None and probe["first"] is not None, probe
    TTFT[name] = probe["first"] - probe["t0"]
    lines = ["time from submit (Enter) to first streamed answer token, measured in Chromium:"]
    lines += [f"{k}: {v:.0f} ms" for k, v in TTFT.items()]
    (artifacts_dir / "ttft.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return TTFT[name]


def new_chat(pg) -> None:
    pg.click("#new-chat-btn")
    pg.wait_for_function(f"document.querySelectorAll({BOT!r}).length === 0")


def db_rows(db_path: Path) -> list[dict]:
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM feedback ORDER BY id")]


def test_streamed_answer_card_and_notice_jump(page, artifacts_dir: Path) -> None:
    probe = ask(page, "单个项目投资规模有什么要求？")
    assert 0 < record_ttft("first question after page load", probe, artifacts_dir) < 5_000
    page.wait_for_selector(f"{BOT} details.qa-card")
    final = page.locator(f"{BOT} .qa-text").last.inner_text()
    assert "5000万元" in final
    assert final.startswith(probe["streamedText"]) and len(probe["streamedText"]) < len(final)  # it streamed

    card = page.locator(f"{BOT} details.qa-card").first
    assert "正文 三（四）投资规模" in card.inner_text() and "notice.3.4" in card.inner_text()
    body = card.locator(".qa-card-body")
    assert not body.is_visible()
    card.locator("summary").click()
    assert body.is_visible()
    assert "（四）投资规模。" in body.inner_text()  # the full clause, not only the quote
    assert "不低于5000万元" in "".join(body.locator("mark").all_inner_texts())
    # The 要点 line: bold above the quotes, and its span marked as the key inside the clause.
    lead = page.locator(f"{BOT} .qa-summary strong").last
    assert lead.inner_text().startswith("要点：") and "不低于5000万元" in lead.inner_text()
    assert "不低于5000万元" in body.locator("mark.qa-key").inner_text()
    page.screenshot(path=str(artifacts_dir / "chat.png"), full_page=True)

    card.locator("a.qa-clause-link").click()
    target = page.locator("#clause-notice\\.3\\.4")
    target.wait_for(state="visible")
    page.wait_for_function(
        "() => { const r = document.getElementById('clause-notice.3.4').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }")
    assert "notice.3.4" in target.inner_text() and "不低于5000万元" in target.inner_text()
    # The 要点 span is marked in the clause of the notice tab too, and the quote around it.
    assert "不低于5000万元" in target.locator("mark.qa-key").inner_text()
    assert target.locator("mark").count() >= 1
    assert "原文未提供内容" in page.locator("#clause-annex2").inner_text()
    page.screenshot(path=str(artifacts_dir / "notice.png"))
    page.click("#tab-chat-button")
    page.wait_for_selector(BOX, state="visible")


def test_thumbs_down_and_report_are_stored(page, web_app) -> None:
    if finished_count(page) == 0:
        ask(page, "单个项目投资规模有什么要求？")
    before = len(db_rows(web_app.db_path)) if web_app.db_path.exists() else 0
    last_bot_buttons = page.locator("#chatbot .message-buttons").last
    last_bot_buttons.locator("button[aria-label='踩'], button[aria-label='Dislike']").click()
    page.wait_for_function("document.querySelector('#feedback-status').innerText.includes('没帮助')")
    rows = db_rows(web_app.db_path)
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row["rating"], row["kind"]) == ("down", "rating")
    assert row["question"] == "单个项目投资规模有什么要求？" and "notice.3.4" in row["citations"]

    if not page.locator("#report-comment textarea").is_visible():
        page.locator("#report-panel").get_by_text("报告问题：引用有误 / 答案有误").click()
    page.locator("#report-kind label:has-text('引用有误')").click()
    page.fill("#report-comment textarea", "应同时引用附件1（六）（五）")
    page.click("#report-btn")
    page.wait_for_function("document.querySelector('#feedback-status').innerText.includes('引用有误')")
    deadline = time.monotonic() + 5
    while len(rows := db_rows(web_app.db_path)) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (rows[-1]["rating"], rows[-1]["kind"], rows[-1]["comment"]) == ("down", "citation_wrong",
                                                                            "应同时引用附件1（六）（五）")


def test_follow_up_uses_history(page, artifacts_dir: Path) -> None:
    new_chat(page)
    record_ttft("later question (项目承担单位有什么要求？)", ask(page, "项目承担单位有什么要求？"), artifacts_dir)
    record_ttft("follow-up with history (那事业单位呢？)", ask(page, "那事业单位呢？"), artifacts_dir)
    bots = page.locator(BOT)
    assert bots.count() == 2
    second = bots.nth(1)
    assert "企业法人" in second.locator(".qa-text").inner_text()
    assert "notice.3.1" in second.locator(".qa-card-id").all_inner_texts()


@pytest.mark.parametrize("payload", ['投资规模<img src=x onerror="window.__xss=1">有什么要求',
                                     "<script>window.__xss=1</script>材料交几份",
                                     '<img src=x onerror="window.__xss=1">'])
def test_html_in_questions_never_executes(page, payload: str) -> None:
    new_chat(page)
    ask(page, payload)
    page.wait_for_timeout(300)  # give a broken image's onerror time to fire
    assert page.evaluate("typeof window.__xss") == "undefined"
    user = page.locator("#chatbot [data-testid='user']").last
    assert payload in user.inner_text()  # shown literally, as text
    assert page.locator("#chatbot img[src='x'], #chatbot script").count() == 0



def test_the_selector_switches_notice_title_examples_text_and_answers(page, artifacts_dir: Path) -> None:
    """Runs last: it leaves the page on the second notice."""
    new_chat(page)
    selector = page.locator("#notice-select")
    assert selector.is_visible()  # two notices are shipped
    assert "物联网区域试点通知" in page.locator("#app-intro").inner_text()
    selector.locator("input").click()
    page.locator("[role='option']", has_text="个人所得税纳税信用建设通知").click()
    page.wait_for_function("document.querySelector('#app-intro').innerText.includes('个人所得税纳税信用建设通知')")
    assert "未配置示例问题" in page.locator("#examples-label").inner_text()
    assert page.locator(".qa-example:visible").count() == 0
    # The first question builds the second notice's index in this test's data folder: allow for it.
    ask(page, "个人所得税纳税信用建设要坚持哪些原则？", timeout_ms=180_000)
    bot = page.locator(BOT).last
    assert "依法推进原则" in bot.locator(".qa-text").inner_text()
    cited = bot.locator(".qa-card-id").all_inner_texts()
    assert cited and all(c.strip().startswith("notice.1") for c in cited)
    page.screenshot(path=str(artifacts_dir / "second-notice.png"), full_page=True)
    page.click("#tab-notice-button")
    view = page.locator("#notice-html")
    view.wait_for(state="visible")
    assert "依法推进原则" in view.inner_text() and "物联网" not in view.inner_text()
    page.click("#tab-chat-button")
