// "Copy for escalation": copies the text of the element named by data-copy-target.
// Plain JS, loaded as a file (the CSP forbids inline scripts).
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
