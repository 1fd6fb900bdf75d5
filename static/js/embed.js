// The helpdesk sidebar's script (loaded as a file: the CSP forbids inline scripts).
//
// Chatwoot frames a "dashboard app" and posts it the conversation and the contact as a JSON
// string: {"event": "appContext", "data": {"conversation": …, "contact": …, "currentAgent": …}};
// the frame may ask for it again with the message "chatwoot-dashboard-app:fetch-info". We take
// the first configured custom attribute that holds a value (the conversation's first, then the
// contact's) and open the sidebar for it. Messages from an origin outside
// EMBED_FRAME_ANCESTORS are ignored: anyone can post a message to a window.
(() => {
  const root = document.querySelector("[data-embed]");
  if (!root || window.parent === window) return;

  const allowed = JSON.parse(root.dataset.frameAncestors || "[]");
  const attributes = JSON.parse(root.dataset.attributes || "[]");
  const status = document.querySelector("[data-context-status]");

  // "https://*.example.com" allows any subdomain of example.com over https, as CSP reads it.
  const originAllowed = (origin) =>
    allowed.some((pattern) => {
      if (pattern === origin) return true;
      const wildcard = pattern.match(/^(https?:)\/\/\*\.(.+)$/);
      if (!wildcard) return false;
      try {
        const url = new URL(origin);
        return url.protocol === wildcard[1] && url.host.endsWith("." + wildcard[2]);
      } catch {
        return false;
      }
    });

  const identifierIn = (context) => {
    const sources = [
      context?.conversation?.custom_attributes,
      context?.contact?.custom_attributes,
      context?.conversation?.meta?.sender?.custom_attributes,
    ];
    for (const { name, kind } of attributes) {
      for (const source of sources) {
        const value = source?.[name];
        if (value !== undefined && value !== null && String(value).trim() !== "") {
          return { value: String(value).trim(), kind };
        }
      }
    }
    return null;
  };

  const say = (text) => {
    if (status) status.textContent = text || "";
  };

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || !originAllowed(event.origin)) return;
    let message = event.data;
    if (typeof message === "string") {
      try {
        message = JSON.parse(message);
      } catch {
        return;
      }
    }
    if (!message || message.event !== "appContext") return;
    const found = identifierIn(message.data || {});
    const here = new URL(window.location.href);
    const shown = here.searchParams.get("q");
    const conversation = message.data?.conversation?.id;
    const reason = conversation != null ? `Chatwoot #${conversation}` : null;
    // The helpdesk posts the context on every load of the frame. Within one conversation (its
    // reason in the URL: every link and the box keep it), what the agent opened stays open.
    const sameConversation = reason !== null && here.searchParams.get("reason") === reason;
    if (shown && (sameConversation || (reason === null && found?.value === shown))) {
      say("");
      return;
    }
    if (!found && (sameConversation || reason === null)) {
      say(shown ? "" : root.dataset.noIdentifier);
      return;
    }
    // Another conversation (or none shown yet): its identifier, or an empty sidebar that
    // carries its reason to what the agent types.
    const next = new URL(root.dataset.sidebarUrl, window.location.href);
    if (found) {
      next.searchParams.set("q", found.value);
      if (found.kind) next.searchParams.set("kind", found.kind);
    }
    if (reason) next.searchParams.set("reason", reason);
    window.location.assign(next.toString());
  });

  if (allowed.length) {
    if (!new URL(window.location.href).searchParams.get("q")) say(root.dataset.reading);
    window.parent.postMessage("chatwoot-dashboard-app:fetch-info", "*");
  }
})();
