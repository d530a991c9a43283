// Live preview for the lesson editor, rendered by the same server function as a saved lesson.
// Without JS the "Preview" button does the same with a full page load.

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

  // Warn before leaving with unsaved text.
  let dirty = false;
  editor.querySelector("form").addEventListener("input", () => { dirty = true; });
  editor.querySelector("form").addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault();
  });
}
