// The player page of a SCORM package: the package runs in a sandboxed frame (an opaque origin, no
// cookies), whose API (scorm-api.js) posts what the SCO sets here. This page stores it on the server
// with the trainee's session and CSRF token, one request at a time, in the order the SCO set it; a
// request that fails is sent again with the next one, and when the page is left.

const player = document.querySelector(".scorm-player");
const frame = player?.querySelector("iframe");
const token = document.querySelector("meta[name=csrf-token]")?.content;
const status = player?.querySelector(".scorm-saved");

let unsent = []; // [element, value] pairs the server has not stored yet
let finishing = false;
let busy = null;

function say(key) {
  if (status && player.dataset.record === "true") status.textContent = status.dataset[key] || "";
}

async function send(keepalive = false) {
  if (!unsent.length && !finishing) return;
  const values = unsent;
  const finish = finishing;
  unsent = [];
  finishing = false;
  say("saving");
  try {
    const response = await fetch(player.dataset.commit, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ values, finish }),
      credentials: "same-origin",
      keepalive,
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const answer = await response.json();
    player.dataset.status = answer.status || "";
    say("saved");
  } catch {
    unsent = values.concat(unsent); // kept, in order, for the next attempt
    finishing = finishing || finish;
    say("failed");
  }
}

function queue() {
  busy = (busy || Promise.resolve()).then(() => send());
  return busy;
}

if (player && frame) {
  window.addEventListener("message", (event) => {
    // Only the package's own frame; its origin is opaque ("null"), so it is known by its window.
    if (event.source !== frame.contentWindow) return;
    const data = event.data;
    if (!data || data.lmsScorm !== 1 || data.type !== "commit" || !Array.isArray(data.values)) return;
    const pairs = data.values.filter(
      (pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === "string" && typeof pair[1] === "string",
    );
    unsent.push(...pairs);
    finishing = finishing || Boolean(data.finish);
    queue();
  });
  window.addEventListener("pagehide", () => {
    if (unsent.length || finishing) send(true);
  });
}
