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
