"""Credential problems a lookup can meet: none to call with, or one whose address is refused."""

import ipaddress
from urllib.parse import urlsplit


class CredentialNotFound(Exception):
    """No enabled credential fits the lookup."""


class NoCredential(CredentialNotFound):
    def __init__(self) -> None:
        super().__init__("No vendor credential is configured or enabled.")


class UnknownCredential(CredentialNotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"There is no enabled vendor credential named {name!r}.")
        self.name = name


class InsecureVendorURL(Exception):
    """A stored credential's base URL breaks the production rule (see `vendor_url_problem`)."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"The credential's base URL is refused: {problem}")


INSECURE_SCHEME = "the vendor base URL must use https"
PRIVATE_HOST = "the vendor base URL must not point at a loopback, link-local or private address"


def vendor_url_problem(url: str, *, allow_insecure: bool) -> str | None:
    """Why `url` may not carry our appToken (English, for the audit and the admin), or None.

    With DEBUG off, the appToken travels in the body of every call, so the URL must be https and
    must not point into this host or its network (a stored credential could otherwise be aimed at
    internal services). `VENDOR_ALLOW_INSECURE_URLS` lifts both for the demo, sandbox and tests.
    """
    if allow_insecure:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        return INSECURE_SCHEME
    host = (parts.hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return PRIVATE_HOST
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: resolved by the vendor's DNS, not ours to judge here
    if not address.is_global or address.is_multicast:
        return PRIVATE_HOST
    return None
