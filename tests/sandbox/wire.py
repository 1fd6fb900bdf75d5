"""The tests' own signer and caller for the sandbox.

Deliberately a third implementation of docs/vendor-api.md#signing: it imports neither the
client's signer (devices/gwell) nor the sandbox's verifier, so a mistake shared by either of those
and this one would have to be made three times. The known-answer vectors pin all of them.
"""

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from devices.sandbox import SandboxApp

DEV_INFO = "/openapi/custCloud/oss/devInfo"
DEV_LIST = "/openapi/custCloud/oss/devList"


def sign(*, secret: str, host: str, body: bytes, signer_id: str, nonce: str, timestamp: str) -> str:
    lines = [
        ("Host", host),
        ("Payload", hashlib.sha256(body).hexdigest()),
        ("X-IotVideo-AccessID", signer_id),
        ("X-IotVideo-Nonce", nonce),
        ("X-IotVideo-Timestamp", timestamp),
    ]
    text = "\n".join(f"{name}:{value}" for name, value in sorted(lines) if value)
    mac = hmac.new(secret.encode(), text.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def new_nonce() -> str:
    return str(secrets.randbelow(2**62) + 1)


def body_for(app: SandboxApp, action: str, **fields: Any) -> bytes:
    return json.dumps(
        {"action": action, "appId": app.app_id, "appToken": app.app_token, **fields},
        separators=(",", ":"),
    ).encode()


def signed_headers(
    app: SandboxApp,
    body: bytes,
    *,
    host: str,
    now: float,
    nonce: str | None = None,
    signer_id: str | None = None,
    key: str | None = None,
) -> dict[str, str]:
    nonce = nonce or new_nonce()
    timestamp = str(int(now))
    signer_id = app.app_id if signer_id is None else signer_id
    signature = sign(
        secret=app.app_key if key is None else key,
        host=host,
        body=body,
        signer_id=signer_id,
        nonce=nonce,
        timestamp=timestamp,
    )
    return {
        "X-IotVideo-AccessID": signer_id,
        "X-IotVideo-Nonce": nonce,
        "X-IotVideo-Timestamp": timestamp,
        "X-IotVideo-Signature": signature,
        "Content-Type": "application/json",
    }


def post(
    base_url: str,
    path: str,
    app: SandboxApp,
    *,
    now: float,
    body: bytes | None = None,
    fields: Mapping[str, Any] | None = None,
    signed_body: bytes | None = None,
    sign_host: str | None = None,
    omit: Iterable[str] = (),
    timeout: float = 5.0,
    session: requests.Session | None = None,
    **signing: Any,
) -> requests.Response:
    """POST to the sandbox, signed at `now` over `signed_body` (default: the body sent).

    `body` defaults to the action's payload with `fields`; `sign_host` signs another Host than
    the one sent; `omit` drops headers after signing.
    """
    action = path.rsplit("/", 1)[1]
    if body is None:
        body = body_for(app, action, **(fields or {}))
    host = urlsplit(base_url).netloc
    headers = signed_headers(
        app,
        body if signed_body is None else signed_body,
        host=sign_host or host,
        now=now,
        **signing,
    )
    for name in omit:
        del headers[name]
    return (session or requests).post(base_url + path, data=body, headers=headers, timeout=timeout)


def dev_info(base_url: str, app: SandboxApp, *, now: float, **fields: Any) -> requests.Response:
    fields.setdefault("accessId", "-1")
    fields.setdefault("devId", "")
    return post(base_url, DEV_INFO, app, now=now, fields=fields)


def dev_list(base_url: str, app: SandboxApp, user_id: str, *, now: float) -> requests.Response:
    return post(base_url, DEV_LIST, app, now=now, fields={"accessId": user_id})
