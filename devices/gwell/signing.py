"""Request signing for the vendor OpenAPI (docs/vendor-api.md#signing).

Pure functions: no I/O except the clock and the random nonce in `signed_headers`, and only
when the caller does not supply them.
"""

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

ACCESS_ID_HEADER = "X-IotVideo-AccessID"
NONCE_HEADER = "X-IotVideo-Nonce"
TIMESTAMP_HEADER = "X-IotVideo-Timestamp"
SIGNATURE_HEADER = "X-IotVideo-Signature"

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_NONCE = 2**31 - 1


def payload_hash(body: bytes) -> str:
    """Lowercase hex SHA-256 of the exact body bytes that are sent."""
    return hashlib.sha256(body).hexdigest()


def string_to_sign(params: Mapping[str, str]) -> str:
    """`Name:value` lines sorted by name (plain ASCII order), empty values left out."""
    kept = sorted((name, value) for name, value in params.items() if value not in ("", None))
    return "\n".join(f"{name}:{value}" for name, value in kept)


def compute_signature(secret: str, message: str) -> str:
    """base64(HMAC-SHA1(secret, message)), both UTF-8."""
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_params(*, host: str, body: bytes, signer_id: str, nonce: str, timestamp: str) -> dict:
    """The parameters that go into the string to sign for a POST."""
    return {
        "Host": host,
        "Payload": payload_hash(body),
        ACCESS_ID_HEADER: signer_id,
        NONCE_HEADER: nonce,
        TIMESTAMP_HEADER: timestamp,
    }


def sign(*, secret: str, host: str, body: bytes, signer_id: str, nonce: str, timestamp: str) -> str:
    """The X-IotVideo-Signature value for a POST of `body` to `host`."""
    params = sign_params(
        host=host, body=body, signer_id=signer_id, nonce=nonce, timestamp=timestamp
    )
    return compute_signature(secret, string_to_sign(params))


def host_header(url: str) -> str:
    """The Host header for `url`: host name, plus `:port` unless it is the scheme's default."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"No host name in URL {url!r}")
    host = parts.hostname
    if ":" in host:  # an IPv6 literal keeps its brackets in a Host header
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    return host


def new_nonce() -> int:
    """A random positive 31-bit integer; a fresh one for every request, retries included."""
    return secrets.randbelow(MAX_NONCE) + 1


def signed_headers(
    *,
    secret: str,
    host: str,
    body: bytes,
    signer_id: str,
    nonce: str | int | None = None,
    timestamp: str | int | None = None,
) -> dict[str, str]:
    """Every header a signed POST needs, Host included (it is signed, so it must be sent as is)."""
    nonce = str(new_nonce() if nonce is None else nonce)
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = sign(
        secret=secret,
        host=host,
        body=body,
        signer_id=signer_id,
        nonce=nonce,
        timestamp=timestamp,
    )
    return {
        "Content-Type": "application/json",
        "Host": host,
        ACCESS_ID_HEADER: signer_id,
        NONCE_HEADER: nonce,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature,
    }
