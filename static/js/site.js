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

// Header menus are <details>: one open at a time, closed by Escape or a click elsewhere.
const menus = [...document.querySelectorAll("details.menu")];
for (const menu of menus) {
  menu.addEventListener("toggle", () => {
    if (menu.open) for (const other of menus) if (other !== menu) other.open = false;
  });
}
document.addEventListener("click", (event) => {
  for (const menu of menus) if (menu.open && !menu.contains(event.target)) menu.open = false;
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of menus) {
    if (menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  }
});

// A table or code block wider than the screen scrolls sideways: make it reachable by keyboard too.
const markScrollable = () => {
  for (const region of document.querySelectorAll(".table-scroll, .prose table, .prose pre")) {
    if (region.scrollWidth > region.clientWidth) region.setAttribute("tabindex", "0");
    else if (region.getAttribute("tabindex") === "0") region.removeAttribute("tabindex");
  }
};
markScrollable();
window.addEventListener("resize", markScrollable);

// A long list of checkboxes (trainers, courses) gets a filter box: type part of a name to narrow it.
for (const picker of document.querySelectorAll(".picker")) {
  const filter = picker.querySelector(".picker-filter");
  const items = [...picker.querySelectorAll(".picker-options li")];
  if (!filter || items.length < 7) continue;
  filter.hidden = false;
  filter.addEventListener("input", () => {
    const wanted = filter.value.trim().toLocaleLowerCase();
    for (const item of items) {
      const checked = item.querySelector("input")?.checked;
      item.hidden = Boolean(wanted) && !checked && !item.textContent.toLocaleLowerCase().includes(wanted);
    }
  });
}
