"""The helpdesk sidebar (`/embed/`): a compact lookup page that helpdesks frame beside a ticket.

Only the origins in EMBED_FRAME_ANCESTORS may frame it (`framing`); it has a session cookie of
its own that survives in a third-party frame without loosening the pages' cookie (`sessions`);
Chatwoot hands it the ticket's identifier by postMessage (static/js/embed.js). README,
Integrations, says how to set it up and what the cookie trade-off is.
"""
