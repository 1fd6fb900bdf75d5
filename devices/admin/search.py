"""The audit log's search: what a lead types, asked the way the rows are stored.

Every match is an equality on an indexed column (the value searched, the owner's user id, the
vendor requestId, the username, the ticket number), so a search stays fast at millions of rows.
The term is read the way `devices.audit` writes each column: "876abcdef0347", "８７６ａｂｃ…"
(full-width) and "876ABCDEF0347" find the same lookups; "Zendesk #4821", "#4821" or "4821" the
same ticket.
"""

from __future__ import annotations

from django.db.models import Q

from devices.audit import TICKET_WORD, stored_identifier, ticket_of
from devices.forms import normalise
from devices.models import Lookup


def audit_search(term: str) -> Q | None:
    """The rows a search term finds; None for a blank term (no filter)."""
    typed = term.strip()
    clean = normalise(typed)
    if not clean:
        return None
    # Identifiers are stored normalised and serial numbers upper-cased; the term as typed too,
    # for a value that is neither (what was refused as invalid input, rows older than the rule).
    values = {typed, clean, stored_identifier(Lookup.Kind.SERIAL, clean)}
    tickets = {ticket_of(typed)}
    if TICKET_WORD.fullmatch(clean.lstrip("#")):  # a short one: "#48", "48"
        tickets.add(clean.lstrip("#").upper())
    asked = {
        "value": values,
        "owner_id": {clean},
        "request_id": {typed, clean},
        "username": {typed, typed.lower()},
        "ticket": tickets,
    }
    found = Q()
    for column, texts in asked.items():
        # An empty text would match every row without an owner, a requestId or a ticket.
        if texts := sorted(text for text in texts if text):
            found |= Q(**{f"{column}__in": texts})
    return found
