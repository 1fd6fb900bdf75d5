"""The audit log's writing side: who asked, and one row per lookup.

`AuditContext` is built once per request (or per command) and handed to the services; the rows
themselves are created and logged here, with what a lead's search looks for stored the way the
search asks for it: identifiers normalised (`stored_identifier`) and the ticket number taken out
of the reason (`ticket_of`). See the README's Architecture section for the row's life (created
before the vendor call, completed in a `finally`).
"""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest

from devices.forms import SERIAL_PATTERN, normalise
from devices.models import Lookup
from devices.sso.method import signed_in_via

log = logging.getLogger("supportdesk.lookups")


@dataclass(frozen=True)
class AuditContext:
    """Who looked something up, from where, under which request, why, and through which channel
    (the pages, the API with a named token, or the helpdesk sidebar)."""

    user: AbstractBaseUser
    client_ip: str | None = None
    request_id: str = ""
    reason: str = ""
    channel: str = Lookup.Channel.WEB
    token_name: str = ""
    # SignInMethod of the session: company sign-in or local password; "" for an API token or
    # outside a request (commands).
    signed_in_via: str = ""
    # The lookup this one follows up (an owner's list filling in its rows), by id; None: a search.
    follows_id: int | None = None

    @classmethod
    def of_request(
        cls,
        request: HttpRequest,
        *,
        reason: str = "",
        channel: str = Lookup.Channel.WEB,
        token_name: str = "",
        follows_id: int | None = None,
    ) -> AuditContext:
        """The request's person, address and id (set by devices.middleware)."""
        return cls(
            user=request.user,
            client_ip=getattr(request, "client_ip", None),
            request_id=getattr(request, "request_id", ""),
            reason=reason,
            channel=channel,
            token_name=token_name,
            signed_in_via="" if channel == Lookup.Channel.API else signed_in_via(request),
            follows_id=follows_id,
        )


# The range of the audit log's integer columns (PostgreSQL's integer).
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def auditable(text: str, max_length: int) -> str:
    """Text as the audit log can keep it: control characters (PostgreSQL refuses NUL; a newline
    could forge a line wherever it is printed) shown as U+FFFD, format characters (bidi
    overrides, zero-width spaces) dropped, cut to the column's length. What was typed stays
    recognisable."""
    cleaned = "".join(_auditable_char(char) for char in text)
    return cleaned[:max_length]


def _auditable_char(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cc":
        return "\ufffd"
    return "" if category == "Cf" else char


# A ticket number: letters, digits, "-" or "_", with a digit in it ("4821", "RMA-20931").
TICKET_WORD = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?")
TICKET_LENGTH = Lookup._meta.get_field("ticket").max_length


def stored_identifier(kind: str, value: str) -> str:
    """An identifier as the audit log keeps it, and as admin's search asks for it: normalised
    (full-width to ASCII, digits of any script to 0-9, no blanks; `devices.forms.normalise`),
    and a serial number in upper case, as on the stickers, whatever case was typed."""
    value = normalise(value)
    if kind == Lookup.Kind.SERIAL and SERIAL_PATTERN.match(value):
        return value.upper()
    return value


def ticket_of(reason: str) -> str:
    """The ticket number in a ticket / reason, upper-cased; "" when there is none.

    The word after a "#" ("Zendesk #4821", "Chatwoot #1204": 4821, 1204), else the first word of
    three characters or more with a digit in it ("RMA-20931", "工单 52190 客户说离线": RMA-20931,
    52190). Words are read normalised, so "＃４８２１" is 4821 too.
    """
    text = " ".join(normalise(word) for word in unicodedata.normalize("NFKC", reason).split())
    after_hash = [TICKET_WORD.match(part.lstrip()) for part in text.split("#")[1:]]
    after_hash = [match.group() for match in after_hash if match]
    words = TICKET_WORD.findall(text)
    for word in (*after_hash, *(word for word in words if len(word) >= 3)):
        if any(char.isdigit() for char in word) and len(word) <= TICKET_LENGTH:
            return word.upper()
    return ""


def fits_int32(number: int | None) -> bool:
    return number is None or INT32_MIN <= number <= INT32_MAX


def new_lookup(
    *, audit: AuditContext, kind: str, value: str, owner_id: str = "", **fields: Any
) -> Lookup:
    """The audit row of a lookup, written now (`draft_lookup`, saved)."""
    lookup = draft_lookup(audit=audit, kind=kind, value=value, owner_id=owner_id, **fields)
    lookup.save(force_insert=True)
    return lookup


def draft_lookup(
    *, audit: AuditContext, kind: str, value: str, owner_id: str = "", **fields: Any
) -> Lookup:
    """The audit row of a lookup, not yet written: `complete_lookup` writes it in one go."""
    return Lookup(
        user=audit.user,
        username=audit.user.get_username(),
        kind=kind,
        value=auditable(stored_identifier(kind, value), 200),
        owner_id=auditable(normalise(owner_id), 40),
        client_ip=audit.client_ip,
        reason=auditable(audit.reason, 200),
        ticket=ticket_of(audit.reason),
        http_request_id=audit.request_id,
        signed_in_via=audit.signed_in_via,
        channel=audit.channel,
        token_name=audit.token_name,
        follows_id=audit.follows_id,
        **fields,
    )


# How long a finished lookup keeps trying to complete its row while the database cannot be
# used: the vendor call has been made, and its trace matters more than a fast page.
COMPLETE_PATIENCE = 10.0
COMPLETE_RETRY_MAX_SLEEP = 1.0


def complete_lookup(lookup: Lookup, *, patience: float = COMPLETE_PATIENCE) -> None:
    """Save the finished row; while the database cannot be used, try again for `patience` s.

    A connection that died is dropped before each new try, so the next one reconnects. Inside a
    transaction there is no second try: the error has spoiled it, and the caller owns it.
    """
    connection = connections[lookup._state.db or "default"]
    deadline = time.monotonic() + patience
    sleep = 0.1
    while True:
        try:
            lookup.save()
            return
        except (OperationalError, InterfaceError) as error:
            if connection.in_atomic_block or time.monotonic() + sleep > deadline:
                raise
            log.warning(
                "lookup %s: the database cannot be used (%s); completing its row again in %.1f s",
                lookup.pk,
                type(error).__name__,
                sleep,
            )
        time.sleep(sleep)
        sleep = min(sleep * 2, COMPLETE_RETRY_MAX_SLEEP)
        connection.close_if_unusable_or_obsolete()


def log_lookup(lookup: Lookup) -> None:
    """One structured JSON line per lookup (no secrets: the row holds none)."""
    log.info(
        json.dumps(
            {
                "event": "lookup",
                "lookup_id": lookup.pk,
                "request_id": lookup.http_request_id,
                "user": lookup.username,
                "signed_in_via": lookup.signed_in_via,
                "channel": lookup.channel,
                "token": lookup.token_name,
                "kind": lookup.kind,
                "value": lookup.value,
                "credential": lookup.credential_name,
                "endpoint": lookup.endpoint,
                "outcome": lookup.outcome,
                "vendor_code": lookup.vendor_code,
                "vendor_request_id": lookup.request_id,
                "source": lookup.source,
                "duration_ms": lookup.duration_ms,
            },
            ensure_ascii=False,
        )
    )
