"""The sandbox's own check of the vendor's request signature (docs/vendor-api.md#signing).

Written independently of the client's signer (devices/gwell) on purpose: shared code would sign
and verify a mistake in agreement. docs/vendor-api.md#known-answer-vectors pins both.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping
from enum import IntEnum

HEADER_ACCESS_ID = "X-IotVideo-AccessID"
HEADER_NONCE = "X-IotVideo-Nonce"
HEADER_TIMESTAMP = "X-IotVideo-Timestamp"
HEADER_SIGNATURE = "X-IotVideo-Signature"
SIGNED_HEADERS = (HEADER_ACCESS_ID, HEADER_NONCE, HEADER_TIMESTAMP)

# "More than 5 minutes away from the server's clock": 300 s itself is still accepted.
MAX_CLOCK_SKEW_SECONDS = 300


class SignatureFault(IntEnum):
    """The X of the vendor's "signature validate fail:X"."""

    UNREADABLE = -1
    EXPIRED = -2
    MISMATCH = -3


def string_to_sign(*, host: str, body: bytes, signer_id: str, nonce: str, timestamp: str) -> str:
    params = {
        "Host": host,
        "Payload": hashlib.sha256(body).hexdigest(),
        HEADER_ACCESS_ID: signer_id,
        HEADER_NONCE: nonce,
        HEADER_TIMESTAMP: timestamp,
    }
    # Plain code-point order is ASCII order here; empty values are left out.
    return "\n".join(f"{name}:{value}" for name, value in sorted(params.items()) if value)


def signature_of(text: str, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def check_signature(
    *, headers: Mapping[str, str], body: bytes, secret: str, now: float
) -> SignatureFault | None:
    """None when the request is signed correctly for `secret` at time `now`.

    `headers` are the request headers as received (any mapping; names are matched without
    regard to case). The nonce is not checked here: replay needs state, the vendor keeps it.
    """
    received = {name.lower(): value for name, value in headers.items()}
    signer_id = received.get(HEADER_ACCESS_ID.lower())
    nonce = received.get(HEADER_NONCE.lower(), "")
    timestamp = received.get(HEADER_TIMESTAMP.lower(), "")
    signature = received.get(HEADER_SIGNATURE.lower(), "")
    if signer_id is None or not nonce or not signature:
        return SignatureFault.UNREADABLE
    if not (timestamp.isascii() and timestamp.isdigit()):
        return SignatureFault.UNREADABLE
    if abs(int(timestamp) - now) > MAX_CLOCK_SKEW_SECONDS:
        return SignatureFault.EXPIRED
    text = string_to_sign(
        host=received.get("host", ""),
        body=body,
        signer_id=signer_id,
        nonce=nonce,
        timestamp=timestamp,
    )
    expected = signature_of(text, secret)
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return SignatureFault.MISMATCH
    return None
