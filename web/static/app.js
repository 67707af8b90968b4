// Jump from a citation card (or the clause selector) to the clause in the notice tab.
(() => {
  if (window.__qaJumpInstalled) return;
  window.__qaJumpInstalled = true;

  function noticeTabButton() {
    const tabs = Array.from(document.querySelectorAll('button[role="tab"]'));
    return tabs.find((b) => (b.textContent || "").includes("通知原文"));
  }

  // The clause text as the server wrote it: text, with <br> for each newline (offsets index clause.text).
  function plainText(p) {
    let text = "";
    p.childNodes.forEach((n) => { text += n.nodeName === "BR" ? "\n" : (n.textContent || ""); });
    return text;
  }

  function escapeHtml(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function parseRanges(value) {
    return (value || "").split(";").filter(Boolean).map((r) => r.split("-").map(Number))
      .filter((r) => r.length === 2 && r[0] < r[1]);
  }

  // Mark the quotes (<mark>) and the 要点 spans (<mark class="qa-key">) in one clause of the notice tab.
  let painted = null;
  function paint(el, quotes, keys) {
    if (painted && painted !== el) paint(painted, [], []);
    const p = el && el.querySelector("p.clause-text");
    if (!p) return;
    if (p.dataset.plain === undefined) p.dataset.plain = plainText(p);
    const text = p.dataset.plain;
    const state = (i) => (keys.some((r) => r[0] <= i && i < r[1]) ? 2 : quotes.some((r) => r[0] <= i && i < r[1]) ? 1 : 0);
    let html = "";
    let i = 0;
    while (i < text.length) {
      const s = state(i);
      let j = i;
      while (j < text.length && state(j) === s) j += 1;
      const chunk = escapeHtml(text.slice(i, j)).replace(/\n/g, "<br>");
      html += s === 2 ? `<mark class="qa-key">${chunk}</mark>` : s === 1 ? `<mark>${chunk}</mark>` : chunk;
      i = j;
    }
    p.innerHTML = html;
    painted = quotes.length || keys.length ? el : null;
  }

  function jumpToClause(id, quotes, keys) {
    if (!id) return;
    const button = noticeTabButton();
    if (button && button.getAttribute("aria-selected") !== "true") button.click();
    let tries = 0;
    const timer = setInterval(() => {
      const el = document.getElementById("clause-" + id);
      tries += 1;
      if (el && el.offsetParent !== null) {
        clearInterval(timer);
        paint(el, quotes || [], keys || []);
        el.scrollIntoView({ block: "center" });
        el.classList.add("qa-flash");
        setTimeout(() => el.classList.remove("qa-flash"), 2500);
      } else if (tries > 40) {
        clearInterval(timer);
      }
    }, 50);
  }
  window.qaJumpToClause = jumpToClause;

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.qa-clause-link");
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    // #clause-<id>&q=<quote ranges>&k=<要点 ranges>
    const [anchor, ...params] = (link.getAttribute("href") || "").split("&");
    const id = link.getAttribute("data-clause") || decodeURIComponent(anchor.replace(/^#clause-/, ""));
    const value = (key) => (params.find((p) => p.startsWith(key + "=")) || "").slice(key.length + 1);
    jumpToClause(id, parseRanges(value("q")), parseRanges(value("k")));
  }, true);
})();
