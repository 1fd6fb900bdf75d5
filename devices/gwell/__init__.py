"""Client for the vendor's after-sales (oss) OpenAPI (docs/vendor-api.md). No Django, on purpose."""

from .client import AppCredentials, VendorClient, shared_session
from .errors import (
    BodyUnreadable,
    CredentialRejected,
    DeviceNotFound,
    SignatureExpired,
    SignatureInvalid,
    SignatureRejected,
    VendorError,
    VendorRateLimited,
    VendorRefused,
    VendorUnavailable,
)
from .results import (
    DeviceInfo,
    DeviceList,
    DeviceListEntry,
    DeviceReport,
    SimPlan,
    StoragePlan,
)
from .signing import (
    compute_signature,
    host_header,
    payload_hash,
    sign,
    signed_headers,
    string_to_sign,
)

__all__ = [
    "AppCredentials",
    "BodyUnreadable",
    "CredentialRejected",
    "DeviceInfo",
    "DeviceList",
    "DeviceListEntry",
    "DeviceNotFound",
    "DeviceReport",
    "SignatureExpired",
    "SignatureInvalid",
    "SignatureRejected",
    "SimPlan",
    "StoragePlan",
    "VendorClient",
    "VendorError",
    "VendorRateLimited",
    "VendorRefused",
    "VendorUnavailable",
    "compute_signature",
    "host_header",
    "payload_hash",
    "shared_session",
    "sign",
    "signed_headers",
    "string_to_sign",
]
