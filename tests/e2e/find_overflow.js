// Runs in the page: what sticks out of the viewport, and which control or heading cuts its own text.
(() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`the page is ${document.documentElement.scrollWidth}px wide`);
  }
  const name = (el) =>
    `<${el.tagName.toLowerCase()} class="${el.className}"> "${(el.innerText || el.value || "").trim().slice(0, 40)}"`;
  const selector = "button, .button, input:not([type=hidden]), select, textarea, summary, label, h1, h2, h3, .badge, th, td, a";
  for (const el of document.querySelectorAll(selector)) {
    if (el.closest(".table-scroll, .prose pre, .prose table, .visually-hidden, [hidden], pre")) continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !el.getClientRects().length) continue;
    if (box.right > width + 1 || box.left < -1) problems.push(`${name(el)} sticks out (${Math.round(box.left)}-${Math.round(box.right)}px)`);
    const style = getComputedStyle(el);
    const clips = style.overflowX !== "visible" || style.textOverflow === "ellipsis";
    if (el.tagName !== "SELECT" && el.tagName !== "TEXTAREA" && el.tagName !== "INPUT" && clips && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${name(el)} is cut (${el.scrollWidth}px of text in ${el.clientWidth}px)`);
    }
  }
  return problems;
})
