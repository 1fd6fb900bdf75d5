// SupportDesk's only script: a few lines of plain JS, loaded as a file (the CSP forbids inline
// scripts). The pages work without it; it adds the copy button, the "/" search shortcut and the
// busy state of a lookup on its way.

// "Copy for escalation": copies the text of the element named by data-copy-target.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget);
  const status = button.parentElement.querySelector(".copy-status");
  let copied = false;
  try {
    await navigator.clipboard.writeText(source.value ?? source.textContent);
    copied = true;
  } catch {
    // No clipboard API (plain http on an intranet): select the text and use the old command.
    source.closest("details")?.setAttribute("open", "");
    source.select?.();
    copied = document.execCommand?.("copy") ?? false;
  }
  if (status) status.textContent = copied ? button.dataset.copiedLabel : button.dataset.failedLabel;
});

// "/" jumps to the search box from anywhere except a field being typed in.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = event.target.closest("input, textarea, select, [contenteditable]");
  const box = document.querySelector("[data-search-shortcut]");
  if (typing || !box) return;
  event.preventDefault();
  box.focus();
  box.select();
});

// The search box is a textarea (pasted lines stay apart), but Enter still searches, as in a
// one-line box; Shift+Enter adds a line.
document.addEventListener("keydown", (event) => {
  const box = event.target.closest?.("textarea[data-submit-on-enter]");
  if (!box || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  box.form?.requestSubmit();
});

// A search or a Refresh says it is working and cannot be sent twice: the vendor may take
// seconds, and a second click would only queue a second call behind the first.
const BUSY = "aria-busy";

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form[data-busy-label]")) return;
  if (form.getAttribute(BUSY) === "true") {
    event.preventDefault();
    return;
  }
  form.setAttribute(BUSY, "true");
  for (const button of form.querySelectorAll("button:not([type]), button[type=submit]")) {
    button.dataset.idleLabel = button.textContent;
    button.textContent = form.dataset.busyLabel;
    button.disabled = true;
  }
});

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-busy-label]");
  // A link opened in a new tab or window leaves this page as it is.
  if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (link.getAttribute("aria-disabled") === "true") {
    event.preventDefault();
    return;
  }
  link.setAttribute("aria-disabled", "true");
  link.setAttribute(BUSY, "true");
  link.dataset.idleLabel = link.textContent;
  link.textContent = link.dataset.busyLabel;
});

// Back to a page kept in the browser's history: it is ready for another go.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const form of document.querySelectorAll(`form[${BUSY}]`)) {
    form.removeAttribute(BUSY);
    for (const button of form.querySelectorAll("button[disabled]")) {
      button.disabled = false;
      button.textContent = button.dataset.idleLabel ?? button.textContent;
    }
  }
  for (const link of document.querySelectorAll(`a[${BUSY}]`)) {
    link.removeAttribute(BUSY);
    link.removeAttribute("aria-disabled");
    link.textContent = link.dataset.idleLabel ?? link.textContent;
  }
});
