// Jump from a citation card (or the clause selector) to the clause in the notice tab.
(() => {
  if (window.__qaJumpInstalled) return;
  window.__qaJumpInstalled = true;

  function noticeTabButton() {
    const tabs = Array.from(document.querySelectorAll('button[role="tab"]'));
    return tabs.find((b) => (b.textContent || "").includes("通知原文"));
  }

  function jumpToClause(id) {
    if (!id) return;
    const button = noticeTabButton();
    if (button && button.getAttribute("aria-selected") !== "true") button.click();
    let tries = 0;
    const timer = setInterval(() => {
      const el = document.getElementById("clause-" + id);
      tries += 1;
      if (el && el.offsetParent !== null) {
        clearInterval(timer);
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
    const href = link.getAttribute("href") || "";
    const id = link.getAttribute("data-clause") || decodeURIComponent(href.replace(/^#clause-/, ""));
    jumpToClause(id);
  }, true);
})();
