// "Watch this device" (devices/history): polls the device while the page is open, shows each
// change as it happens (a highlighted line and the page title, never a sound), and stops when
// the agent stops it, when the page closes, or when the server says the watch is over.
// On a phone the strip scrolls sideways: show its newest end first.
for (const box of document.querySelectorAll(".chart-scroll")) box.scrollLeft = box.scrollWidth;

(() => {
  const button = document.querySelector(".watch-button[data-watch-url]");
  if (!button) return;
  const panel = button.closest(".history");
  const status = panel.querySelector(".watch-status");
  const list = panel.querySelector(".watch-changes");
  const csrf = panel.querySelector("input[name=csrfmiddlewaretoken]").value;
  const pageTitle = document.title;
  let watch = null;
  let timer = null;

  button.hidden = false;
  panel.querySelector(".watch-note").hidden = false;

  const post = async (url, fields = {}) => {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    const response = await fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    });
    return response.json();
  };

  const say = (message) => {
    status.textContent = message;
  };

  const ended = (message) => {
    clearTimeout(timer);
    watch = null;
    button.textContent = button.dataset.startLabel;
    button.setAttribute("aria-pressed", "false");
    if (message) say(message);
  };

  const announce = (changes, title, time) => {
    // Newest first, each poll's changes in the page's order.
    for (const change of [...changes].reverse()) {
      const item = document.createElement("li");
      item.className = `fresh change-${change.tone}`;
      item.textContent = `${time} ${change.label}: ${change.before} → ${change.after}`;
      list.prepend(item);
    }
    if (title) document.title = `${title} · ${pageTitle}`;
  };

  // The verdict at the top was written before the change: say so beside it, with the page as
  // the poll asked it (its answer is in the cache while the watch runs).
  const markOutdated = (outdated) => {
    const verdict = document.querySelector("section.verdict");
    if (!verdict || !outdated) return;
    let note = verdict.querySelector(".verdict-outdated");
    if (!note) {
      note = document.createElement("p");
      note.className = "verdict-outdated";
      verdict.append(note);
    }
    if (!outdated.url) {
      note.replaceChildren(outdated.text);
      return;
    }
    const link = document.createElement("a");
    link.href = outdated.url;
    link.textContent = outdated.link;
    note.replaceChildren(`${outdated.text} `, link);
  };

  const poll = async () => {
    if (!watch) return;
    let answer;
    try {
      answer = await post(watch.poll_url);
    } catch {
      answer = { status: "error", message: button.dataset.failedLabel };
    }
    if (!watch) return;
    if (answer.changes?.length) {
      announce(answer.changes, answer.title, answer.time);
      markOutdated(answer.outdated);
    }
    if (answer.status === "over" || answer.status === "refused") {
      ended(answer.message);
      return;
    }
    say(answer.message);
    timer = setTimeout(poll, watch.poll_seconds * 1000);
  };

  const start = async () => {
    let answer;
    try {
      answer = await post(button.dataset.watchUrl, { device_id: button.dataset.deviceId });
    } catch {
      answer = { status: "refused", message: button.dataset.failedLabel };
    }
    if (answer.status !== "watching") {
      say(answer.message);
      return;
    }
    watch = answer;
    button.textContent = button.dataset.stopLabel;
    button.setAttribute("aria-pressed", "true");
    say(answer.message);
    timer = setTimeout(poll, watch.poll_seconds * 1000);
  };

  const stop = async () => {
    const stopping = watch;
    ended("");
    if (!stopping) return;
    try {
      say((await post(stopping.stop_url)).message);
    } catch {
      say(button.dataset.failedLabel);
    }
  };

  button.addEventListener("click", () => (watch ? stop() : start()));

  // The page closes or goes away: the watch stops with it.
  window.addEventListener("pagehide", () => {
    if (!watch) return;
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    navigator.sendBeacon(watch.stop_url, body);
    ended("");
  });

  // The title's announcement stays until the agent comes back to the page.
  window.addEventListener("focus", () => {
    if (document.title !== pageTitle) setTimeout(() => (document.title = pageTitle), 5000);
  });
})();
