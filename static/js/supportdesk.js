// SupportDesk's only script: a few lines of plain JS, loaded as a file (the CSP forbids inline
// scripts). The pages work without it; it adds the copy button and the "/" search shortcut.

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
