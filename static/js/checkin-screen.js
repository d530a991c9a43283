// The check-in screen counts down to the next code, then fetches the page again and swaps in the new
// code and QR (no page reload, no <meta refresh>). Without JS the "Show the new code" link does the same.
const screen = document.querySelector(".checkin-screen");
if (screen) {
  const refreshLink = screen.querySelector(".checkin-refresh");
  const fullScreen = screen.querySelector(".checkin-fullscreen");
  let left = Number(screen.dataset.expiresIn) || 60;
  let failures = 0;
  refreshLink.hidden = true;

  if (document.fullscreenEnabled && fullScreen) {
    fullScreen.hidden = false;
    fullScreen.addEventListener("click", () => document.documentElement.requestFullscreen());
  }

  const swap = async () => {
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok) throw new Error(response.statusText);
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector(".checkin-screen");
      screen.querySelector(".checkin-live").replaceWith(fresh.querySelector(".checkin-live"));
      screen.querySelector(".checkin-refresh").hidden = true;
      left = Number(fresh.dataset.expiresIn) || 60;
      failures = 0;
    } catch {
      failures += 1;
      left = Math.min(5 * failures, 30); // try again soon; the link is there for a person to press
      const link = screen.querySelector(".checkin-refresh");
      if (link) link.hidden = false;
    }
  };

  setInterval(() => {
    left -= 1;
    const seconds = screen.querySelector(".checkin-seconds");
    if (seconds) seconds.textContent = String(Math.max(left, 0));
    if (left <= 0) {
      left = 60; // until the fetch answers
      swap();
    }
  }, 1000);
}
