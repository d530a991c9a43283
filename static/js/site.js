// Progressive enhancement only: every page works without this file.

// The language switcher submits itself as soon as a language is picked.
for (const form of document.querySelectorAll(".language-form")) {
  const select = form.querySelector("select");
  const button = form.querySelector("button");
  if (select && button) {
    button.hidden = true;
    select.addEventListener("change", () => form.requestSubmit());
  }
}

// Forms marked data-confirm ask before they send (deleting, leaving a course).
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
