// The owner's list at a glance: once the page has loaded, each row asks for its device's online
// state, battery and model (one devInfo each, through the team's budget and cache, audited as a
// follow-up of the list's lookup; devices/presenters/owner_list.py). A list longer than
// OWNER_LIST_CHECK_UP_TO waits for the "Check all" button. Rows are marked in place as answers
// arrive and re-sorted once, problems first, when every row has answered, never under the
// pointer or the keyboard focus. A row told to wait (a busy budget) is checked once more after
// the wait. Without this script the list still shows its plans.

(() => {
  const list = document.querySelector("[data-owner-list]");
  if (!list) return;
  // Checks under way at once: enough to fill a list in a second, little of the team's 10/s.
  const PARALLEL = 3;
  const URGENT = 0;
  const UNKNOWN = 2;
  const labels = list.dataset;
  const tbody = list.querySelector("tbody");
  const rows = [...list.querySelectorAll("tr[data-check-url]")];
  const progress = list.querySelector("[data-progress]");
  const summary = document.querySelector(".verdict .verdict-text");
  const verdict = summary?.closest(".verdict");
  let sorted = false;

  [...tbody.rows].forEach((row, index) => {
    row.dataset.index = String(index);
  });

  const fill = (template, values) =>
    template.replace(/%\((\w+)\)[sd]/g, (match, name) => (name in values ? values[name] : match));

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function setCell(row, name, ...children) {
    row.querySelector(`[data-cell="${name}"]`).replaceChildren(...children);
  }

  function show(row, answer) {
    row.dataset.checked = answer.ok ? "ok" : "failed";
    row.dataset.stateUrgency = String(answer.ok ? answer.urgency : UNKNOWN);
    const problem = Boolean(answer.ok && answer.problem);
    row.toggleAttribute("data-state-problem", problem);
    row.classList.toggle("problem", problem || row.hasAttribute("data-plan-problem"));
    row.classList.toggle("check-failed", !answer.ok);
    if (!answer.ok) {
      const retry = element("button", "link-button", labels.retryLabel);
      retry.type = "button";
      retry.addEventListener("click", () => check(row));
      const words = [element("span", "note-bad", answer.message)];
      if (answer.hint) words.push(element("span", "cell-note", answer.hint));
      setCell(row, "state", ...words, retry);
      setCell(row, "battery", element("span", "missing", "—"));
      setCell(row, "model", element("span", "missing", "—"));
      return;
    }
    const state = [element("span", `badge badge-${answer.state_tone}`, answer.state)];
    if (answer.state_note) state.push(element("span", "cell-note", answer.state_note));
    if (answer.stale) state.push(element("span", "cell-note note-warn", answer.stale));
    setCell(row, "state", ...state);
    const battery = [element("span", "", answer.battery)];
    if (answer.battery_note) battery.push(element("span", "cell-note", answer.battery_note));
    setCell(row, "battery", ...battery);
    setCell(row, "model", element("span", "", answer.model));
  }

  async function ask(url) {
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      return await response.json();
    } catch {
      // A proxy's error page or a lost connection: the row says so, the others go on.
      return { ok: false, message: labels.unreadableLabel, hint: "" };
    }
  }

  async function check(row) {
    delete row.dataset.checked;
    setCell(row, "state", element("span", "missing", labels.checkingLabel));
    const answer = await ask(row.dataset.checkUrl);
    show(row, answer);
    update();
    return answer;
  }

  const pause = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

  function update() {
    const done = rows.filter((row) => row.dataset.checked).length;
    const attention = [...tbody.rows].filter(
      (row) => row.hasAttribute("data-plan-problem") || row.hasAttribute("data-state-problem"),
    ).length;
    if (summary) {
      const clause = attention === 1 ? labels.attentionOne : labels.attentionOther;
      summary.textContent =
        labels.summaryBase +
        (attention ? labels.separator + fill(clause, { count: attention }) : "");
    }
    if (verdict && rows.some((row) => row.dataset.stateUrgency === String(URGENT))) {
      verdict.classList.remove("verdict-ok", "verdict-warn", "verdict-neutral");
      verdict.classList.add("verdict-bad");
    } else if (verdict && attention && verdict.classList.contains("verdict-ok")) {
      verdict.classList.replace("verdict-ok", "verdict-warn");
    }
    const all = done === rows.length;
    progress.textContent = all && sorted
      ? fill(labels.doneLabel, { total: rows.length })
      : fill(labels.progressLabel, { done, total: rows.length });
    if (all && !sorted) sortWhenIdle();
  }

  function urgency(row) {
    const state = Number(row.dataset.stateUrgency ?? UNKNOWN);
    return Math.min(Number(row.dataset.urgency), state);
  }

  // Rows move once, and only while nobody is pointing at or inside the table.
  function sortWhenIdle() {
    const table = list.querySelector("table");
    if (table.matches(":hover") || table.contains(document.activeElement)) {
      table.addEventListener("pointerleave", sortWhenIdle, { once: true });
      table.addEventListener("focusout", () => setTimeout(sortWhenIdle), { once: true });
      return;
    }
    if (sorted) return;
    sorted = true;
    const order = [...tbody.rows].sort(
      (one, other) =>
        urgency(one) - urgency(other) || Number(one.dataset.index) - Number(other.dataset.index),
    );
    tbody.append(...order);
    list.dataset.sorted = "";
    update();
  }

  async function checkAll() {
    progress.hidden = false;
    update();
    const queue = [...rows];
    const worker = async () => {
      while (queue.length) {
        const row = queue.shift();
        const answer = await check(row);
        // Busy (the team's budget, the vendor, the person's limit): the row says when, this
        // worker waits that long, and the row is checked once more at the end of the queue.
        if (!answer.ok && answer.retry_after && !row.hasAttribute("data-retried")) {
          row.setAttribute("data-retried", "");
          delete row.dataset.checked; // not done yet: the count and the final sort wait for it
          update();
          await pause(answer.retry_after);
          queue.push(row);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
  }

  if (!rows.length) return;
  if (labels.automatic === "1") {
    checkAll();
  } else {
    const prompt = list.querySelector("[data-check-ask]");
    prompt.hidden = false;
    prompt.querySelector("[data-check-all]").addEventListener("click", () => {
      prompt.hidden = true;
      checkAll();
    }, { once: true });
  }
})();
