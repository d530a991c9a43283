// The lesson editor: a Markdown toolbar (GitHub's markdown-toolbar-element, vendored by scripts/vendor.py),
// shortcuts, images pasted or dropped into the text, and a live preview rendered by the same server function
// as a saved lesson. Without JS the "Preview" button does the same with a full page load.
import "../vendor/markdown-toolbar-element/index.js";

const editor = document.querySelector(".editor[data-preview-url]");
const textarea = editor?.querySelector("textarea[name=body]");
const target = editor?.querySelector(".preview-body");
const token = document.querySelector("meta[name=csrf-token]")?.content;

if (editor && textarea && target && token) {
  let timer = null;
  let controller = null;

  async function refresh() {
    controller?.abort();
    controller = new AbortController();
    const body = new FormData();
    body.set("body", textarea.value);
    body.set("module_id", editor.dataset.moduleId);
    try {
      const response = await fetch(editor.dataset.previewUrl, {
        method: "POST",
        body,
        headers: { "X-CSRFToken": token },
        signal: controller.signal,
      });
      const { html, error } = await response.json();
      if (response.ok) {
        target.innerHTML = html; // sanitised on the server by lms.markup.render_markdown
      } else if (error) {
        const message = document.createElement("p");
        message.className = "error";
        message.textContent = error; // the server's message, shown as text
        target.replaceChildren(message);
      }
    } catch (error) {
      if (error.name !== "AbortError") console.warn("preview failed", error);
    }
  }

  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });

  const toolbar = editor.querySelector("markdown-toolbar");
  toolbar.hidden = false;

  // Text the component has no button for: a table and a callout (an admonition), at the cursor.
  const SNIPPETS = {
    table: "\n| Column | Column |\n|---|---|\n| Text | Text |\n",
    callout: '\n!!! tip "Tip"\n    Text of the tip.\n',
  };
  const insert = (text) => {
    textarea.focus();
    textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  };
  for (const button of toolbar.querySelectorAll("[data-insert]")) {
    button.addEventListener("click", () => insert(SNIPPETS[button.dataset.insert]));
  }

  // Ctrl+B, Ctrl+I, Ctrl+K (Cmd on a Mac) press the toolbar's buttons.
  const SHORTCUTS = { b: "md-bold", i: "md-italic", k: "md-link" };
  textarea.addEventListener("keydown", (event) => {
    const target = (event.ctrlKey || event.metaKey) && !event.altKey && SHORTCUTS[event.key.toLowerCase()];
    if (target) {
      event.preventDefault();
      toolbar.querySelector(target).click();
    }
  });

  // An image pasted or dropped into the text is uploaded to the course's files and linked where it lands.
  const help = editor.querySelector(".editor-drop-help");
  const status = help?.querySelector(".upload-status");
  if (help) help.hidden = false;
  async function upload(file) {
    const body = new FormData();
    body.set("file", file, file.name || "pasted.png");
    body.set("csrf_token", token);
    if (status) status.textContent = "…";
    const response = await fetch(editor.dataset.uploadUrl, {
      method: "POST",
      body,
      headers: { Accept: "application/json" },
    });
    const answer = await response.json().catch(() => ({ error: response.statusText }));
    if (status) status.textContent = answer.error || "";
    if (response.ok) insert(`![${answer.name}](../${answer.path})`);
  }
  const images = (items) => [...(items || [])].filter((file) => file.type.startsWith("image/"));
  textarea.addEventListener("paste", (event) => {
    const files = images(event.clipboardData?.files);
    if (files.length) {
      event.preventDefault();
      files.forEach(upload);
    }
  });
  textarea.addEventListener("dragover", (event) => {
    if (images(event.dataTransfer?.files).length || event.dataTransfer?.types.includes("Files")) {
      event.preventDefault();
    }
  });
  textarea.addEventListener("drop", (event) => {
    const files = images(event.dataTransfer?.files);
    if (files.length) {
      event.preventDefault();
      textarea.setSelectionRange(textarea.selectionStart, textarea.selectionStart);
      files.forEach(upload);
    }
  });

  // Warn before leaving with unsaved text.
  let dirty = false;
  editor.querySelector("form").addEventListener("input", () => { dirty = true; });
  editor.querySelector("form").addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault();
  });
}
