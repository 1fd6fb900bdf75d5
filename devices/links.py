"""Links to the lookup pages, built in one place for forms and presenters alike.

The paths and their query (`?access_id=`, `?credential=`, `?reason=`) are a contract: helpdesk
tickets deep-link to them (see the README).
"""

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from devices.models import Lookup

ROUTES = {
    Lookup.Kind.SERIAL: "device_by_sn",
    Lookup.Kind.DEVICE_ID: "device_by_id",
    Lookup.Kind.USER: "user_devices",
}


def lookup_url(
    kind: str, value: str, *, owner: str = "", credential: str = "", reason: str = ""
) -> str:
    """The deep link for a lookup, with only the needed query.

    Raises NoReverseMatch for a value that cannot be a path segment (one with a "/").
    """
    pairs = [("access_id", owner if kind != Lookup.Kind.USER else "")]
    pairs += [("credential", credential), ("reason", reason)]
    query = urlencode([(key, item) for key, item in pairs if item])
    return reverse(ROUTES[kind], args=[value]) + (f"?{query}" if query else "")


def user_devices_url(user_id: str, *, credential_name: str = "", reason: str = "") -> str:
    """A user's page; the region and the ticket go along, so the next lookup is audited alike.

    "" when the id cannot be a path segment: the page shows it unlinked.
    """
    return _or_unlinked(Lookup.Kind.USER, user_id, credential=credential_name, reason=reason)


def device_url(
    dev_id: str, *, owner_id: str = "", credential_name: str = "", reason: str = ""
) -> str:
    """A device's page, asked for its owner; "" when the id cannot be a path segment."""
    return _or_unlinked(
        Lookup.Kind.DEVICE_ID, dev_id, owner=owner_id, credential=credential_name, reason=reason
    )


def reopen_url(lookup: Lookup) -> str:
    """The page a lookup came from, or the search form filled in when it has no page."""
    if lookup.outcome != Lookup.Outcome.INVALID_INPUT and lookup.kind in Lookup.Kind.values:
        try:
            return lookup_url(
                lookup.kind,
                lookup.value,
                owner=lookup.owner_id,
                credential=lookup.credential_name,
                reason=lookup.reason,
            )
        except NoReverseMatch:
            pass
    search = {"q": lookup.value, "kind": lookup.kind}
    return reverse("search") + "?" + urlencode(search)


def _or_unlinked(kind: str, value: str, **query: str) -> str:
    try:
        return lookup_url(kind, value, **query)
    except NoReverseMatch:  # an id with a "/" cannot be a path segment
        return ""
