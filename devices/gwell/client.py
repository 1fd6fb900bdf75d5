"""The vendor's after-sales (oss) OpenAPI: one method per endpoint (layer 3), on the transport of
transport.py. The calls, fields and codes: docs/vendor-api.md.
"""

import json
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import requests

from .errors import (
    CREDENTIAL_CODES,
    NOT_FOUND_CODES,
    RATE_LIMIT_CODES,
    SIGNATURE_REJECTED_CODE,
    CredentialRejected,
    DeviceNotFound,
    SignatureRejected,
    VendorError,
    VendorRateLimited,
    VendorRefused,
    VendorUnavailable,
)
from .results import (
    DeviceList,
    DeviceReport,
    parse_device_list,
    parse_device_report,
    request_id_of,
    to_str,
)
from .signing import host_header, signed_headers
from .transport import (
    MAX_BODY_BYTES,
    HttpAnswer,
    parse_retry_after,
    post_envelope,
    shared_session,
)

logger = logging.getLogger("devices.gwell")


DEV_INFO_PATH = "/openapi/custCloud/oss/devInfo"
DEV_LIST_PATH = "/openapi/custCloud/oss/devList"


# Layer 3: one method per endpoint.


@dataclass(frozen=True)
class AppCredentials:
    """An app registered with the vendor, for one region: where to call and how to sign.

    `signer_id` is the X-IotVideo-AccessID header (who signs), the appId when left empty. It is
    not the `accessId` in a request body, which is a vendor-cloud user id (an owner, or the user
    whose devices are listed).
    """

    base_url: str
    app_id: str
    app_token: str = field(repr=False)
    app_key: str = field(repr=False)
    signer_id: str = ""

    def __post_init__(self) -> None:
        if not self.base_url.lower().startswith(("https://", "http://")):
            raise ValueError("The vendor base URL must start with https:// or http://")

    @property
    def signer(self) -> str:
        """The id the requests are signed as."""
        return self.signer_id or self.app_id

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


class VendorClient:
    """The two oss endpoints, called with one app's credentials.

    `before_send` (the shared rate limiter) is called right before every request; when it raises,
    nothing is sent. When it returns a callable, that is called once the request is over,
    answered or failed (the limiter counts the call until then). Codes in `not_found_codes`
    raise DeviceNotFound, codes in `rate_limit_codes` raise VendorRateLimited, codes in
    `credential_codes` raise CredentialRejected (10007 is always SignatureRejected). The
    defaults are the codes of the vendor's apps (docs/vendor-api.md#error-codes).
    """

    def __init__(
        self,
        app: AppCredentials,
        *,
        timeout: float = 5.0,
        session: requests.Session | None = None,
        before_send: Callable[[], object] | None = None,
        not_found_codes: Collection[int] = NOT_FOUND_CODES,
        rate_limit_codes: Collection[int] = RATE_LIMIT_CODES,
        credential_codes: Collection[int] = CREDENTIAL_CODES,
        max_body_bytes: int = MAX_BODY_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not timeout > 0:
            raise ValueError("The timeout must be a positive number of seconds")
        if not max_body_bytes > 0:
            raise ValueError("The body size limit must be a positive number of bytes")
        self.app = app
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self.session = session
        self.before_send = before_send
        self.not_found_codes = frozenset(not_found_codes)
        self.rate_limit_codes = frozenset(rate_limit_codes)
        self.credential_codes = frozenset(credential_codes)
        self.clock = clock

    def __repr__(self) -> str:
        return f"VendorClient({self.app!r}, timeout={self.timeout!r})"

    def device_info(self, *, sn: str = "", dev_id: str = "", owner_id: str = "-1") -> DeviceReport:
        """Device, cloud storage plan and SIM plan of one device, by sn or by devId.

        docs/vendor-api.md#device-info. Code 0 with no deviceInfo raises DeviceNotFound.
        """
        if bool(sn) == bool(dev_id):
            raise ValueError("Give exactly one of sn and dev_id")
        body = {
            "action": "devInfo",
            "appId": self.app.app_id,
            "appToken": self.app.app_token,
            "sn": sn,
            "devId": dev_id,
            "accessId": owner_id,
        }
        lookup = f"sn {sn}" if sn else f"devId {dev_id}"
        envelope = self._call(DEV_INFO_PATH, body, lookup=lookup)
        try:
            report = parse_device_report(envelope)
        except ValueError as exc:
            raise VendorUnavailable.not_envelope(
                "unreadable deviceInfo", request_id=request_id_of(envelope)
            ) from exc
        if report is None:
            raise DeviceNotFound(
                code=0,
                lookup=lookup,
                vendor_message=to_str(envelope.get("msg")),
                request_id=request_id_of(envelope),
            )
        return report

    def device_list(self, *, user_id: str) -> DeviceList:
        """The devices of one vendor-cloud user (owned and shared with them).

        docs/vendor-api.md#device-list.
        """
        if not user_id:
            raise ValueError("user_id is required")
        body = {
            "action": "devList",
            "appId": self.app.app_id,
            "appToken": self.app.app_token,
            "accessId": user_id,
        }
        envelope = self._call(DEV_LIST_PATH, body, lookup=f"accessId {user_id}")
        try:
            return parse_device_list(envelope)
        except ValueError as exc:
            raise VendorUnavailable.not_envelope(
                "unreadable deviceList", request_id=request_id_of(envelope)
            ) from exc

    def _call(self, path: str, body: dict[str, str], *, lookup: str) -> dict[str, Any]:
        """Sign and send `body`; the envelope when its code is 0, else the matching error."""
        url = self.app.url(path)
        # Serialised once: these exact bytes are hashed into the signature and sent.
        body_bytes = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        # Before signing, so that a wait in the limiter does not age the timestamp. It may
        # hand back a callable, called once the call is over (answered or failed): the shared
        # limiter holds the slot until then.
        finished = self.before_send() if self.before_send is not None else None
        try:
            return self._send(url, body_bytes, lookup=lookup)
        finally:
            if callable(finished):
                finished()

    def _send(self, url: str, body_bytes: bytes, *, lookup: str) -> dict[str, Any]:
        headers = signed_headers(
            secret=self.app.app_key,
            host=host_header(url),
            body=body_bytes,
            signer_id=self.app.signer,
            timestamp=int(self.clock()),
        )
        session = self.session if self.session is not None else shared_session()
        started = time.monotonic()
        try:
            envelope, answer = post_envelope(
                session,
                url,
                body=body_bytes,
                headers=headers,
                timeout=self.timeout,
                max_body_bytes=self.max_body_bytes,
                secrets=(self.app.app_token, self.app.app_key),
                clock=self.clock,
            )
        except VendorError as exc:
            # repr, here and below: vendor text must not be able to start a log line of its own.
            logger.info(
                "vendor POST %s failed after %.0f ms: %r",
                url,
                (time.monotonic() - started) * 1000,
                exc,
            )
            raise
        code = envelope["code"]
        logger.debug(
            "vendor POST %s: HTTP %s, code %r, requestId %r, %.0f ms",
            url,
            answer.status,
            code,
            request_id_of(envelope),
            (time.monotonic() - started) * 1000,
        )
        if code != 0:
            raise self._error_for(envelope, answer, lookup=lookup)
        return envelope

    def _error_for(
        self, envelope: dict[str, Any], answer: HttpAnswer, *, lookup: str
    ) -> VendorError:
        code = envelope["code"]
        vendor_message = to_str(envelope.get("msg"))
        request_id = request_id_of(envelope)
        if code == SIGNATURE_REJECTED_CODE:
            return SignatureRejected.from_vendor(vendor_message, request_id=request_id)
        if code in self.rate_limit_codes:
            return VendorRateLimited(
                retry_after=parse_retry_after(answer.headers.get("Retry-After"), self.clock),
                code=code,
                vendor_message=vendor_message,
                request_id=request_id,
            )
        if code in self.not_found_codes:
            return DeviceNotFound(
                code=code, lookup=lookup, vendor_message=vendor_message, request_id=request_id
            )
        if code in self.credential_codes:
            return CredentialRejected(
                code=code, vendor_message=vendor_message, request_id=request_id
            )
        return VendorRefused(code=code, vendor_message=vendor_message, request_id=request_id)
