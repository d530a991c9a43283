// Quiz attempt: a countdown of the server's deadline and autosave. Without JS the page works the same,
// answers being saved on every page change; the server's clock decides in every case.

const form = document.querySelector("form[data-autosave-url]");
const status = document.querySelector(".autosave-status");
const timer = document.querySelector(".timer[data-remaining]");
const AUTOSAVE_MS = 10000;

if (form) {
  let dirty = false;
  const send = async () => {
    if (!dirty) return;
    dirty = false;
    try {
      const response = await fetch(form.dataset.autosaveUrl, { method: "POST", body: new FormData(form) });
      if (!response.ok) throw new Error(response.status);
      const { saved, readings = {} } = await response.json();
      if (status) status.textContent = saved ? status.dataset.saved || "✓" : "";
      // How each typed number was read ("Read as 2,3."), so a trainee sees it before submitting.
      for (const [id, text] of Object.entries(readings)) {
        const output = document.getElementById(id);
        if (output) output.textContent = text;
      }
      if (!saved) window.location.reload(); // time is up: the server has closed the attempt
    } catch {
      dirty = true; // try again at the next tick
    }
  };
  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("change", (event) => {
    dirty = true;
    // A number's reading is worth showing as soon as the trainee leaves the field.
    if (event.target.getAttribute("inputmode") === "decimal") send();
  });
  form.addEventListener("submit", () => { dirty = false; });
  setInterval(send, AUTOSAVE_MS);
  // Leaving the page (closing the tab, switching app on a phone): send what is there.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && dirty) {
      dirty = false;
      navigator.sendBeacon(form.dataset.autosaveUrl, new FormData(form));
    }
  });
}

if (timer) {
  const end = Date.now() + Number(timer.dataset.remaining) * 1000;
  const value = timer.querySelector(".timer-value");
  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    value.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    timer.classList.toggle("timer-low", left < 60);
    if (left === 0) {
      clearInterval(handle);
      // Time is up: send this page's answers now (the server allows a short grace) and finish.
      if (form) {
        const finish = document.createElement("input");
        finish.type = "hidden";
        finish.name = "go";
        finish.value = "finish";
        form.append(finish);
        form.submit();
      } else {
        window.location.reload();
      }
    }
  };
  const handle = setInterval(tick, 1000);
  tick();
}
