// The budget meter refreshes itself: every few seconds it fetches the page again and swaps in
// the new figures (a file, not inline: the CSP forbids inline scripts). Paused while the tab is
// hidden; without JavaScript the page is simply static.
(() => {
  const main = document.getElementById("content-main");
  const seconds = Number(main?.dataset.refreshSeconds);
  if (!main || !seconds) return;
  const refresh = async () => {
    if (document.hidden) return;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("content-main");
      if (fresh) main.replaceChildren(...fresh.childNodes);
    } catch {
      // Offline for a moment: keep the last figures and try again next time.
    }
  };
  window.setInterval(refresh, seconds * 1000);
})();
