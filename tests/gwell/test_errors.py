import pickle

import pytest

from devices.gwell import (
    BodyUnreadable,
    DeviceNotFound,
    SignatureExpired,
    SignatureInvalid,
    SignatureRejected,
    VendorError,
    VendorRateLimited,
    VendorRefused,
    VendorUnavailable,
    errors,
)


@pytest.mark.parametrize(
    ("vendor_message", "error_class", "reason"),
    [
        ("signature validate fail:-1", BodyUnreadable, -1),
        ("signature validate fail:-2", SignatureExpired, -2),
        ("signature validate fail: -3", SignatureInvalid, -3),
        ("signature validate fail:-4", SignatureRejected, -4),
        ("signature validate fail", SignatureRejected, None),
        (None, SignatureRejected, None),
    ],
)
def test_the_factory_picks_the_error_for_the_reason(vendor_message, error_class, reason):
    error = SignatureRejected.from_vendor(vendor_message, request_id="r-1")

    assert type(error) is error_class
    assert error.reason == reason
    assert error.code == errors.SIGNATURE_REJECTED_CODE
    assert error.request_id == "r-1"


def test_a_signature_error_without_a_vendor_message_still_reads_well():
    assert str(SignatureRejected()) == "The vendor refused the request signature (no reason given)"


@pytest.mark.parametrize(
    ("error", "parents"),
    [
        (SignatureExpired(), (SignatureRejected, VendorError)),
        (DeviceNotFound(code=0), (VendorRefused, VendorError)),
        (VendorRateLimited(), (VendorError,)),
        (VendorUnavailable(reason="timeout"), (VendorError,)),
    ],
)
def test_every_error_is_a_vendor_error(error, parents):
    for parent in parents:
        assert isinstance(error, parent)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": "timeout"}, "The vendor did not answer in time"),
        ({"reason": "connection"}, "Could not connect to the vendor"),
        ({"reason": "http_status", "status": 503}, "The vendor answered HTTP 503"),
        ({"reason": "bad_response"}, "The vendor's answer was not valid JSON"),
    ],
)
def test_an_unavailable_error_built_from_its_reason_reads_well(kwargs, message):
    assert str(VendorUnavailable(**kwargs)) == message


def test_an_unavailable_error_needs_a_known_reason():
    with pytest.raises(ValueError):
        VendorUnavailable(reason="gremlins")


def test_the_timeout_message_names_the_seconds():
    assert str(VendorUnavailable.timeout(5.0)) == "The vendor did not answer within 5 s"
    assert str(VendorUnavailable.timeout(2.5)) == "The vendor did not answer within 2.5 s"


def test_the_request_id_is_appended_to_any_message():
    error = VendorRefused(code=3, vendor_message="no", request_id="abc")

    assert str(error) == "The vendor answered code 3: no (requestId abc)"
    assert repr(error) == "VendorRefused('The vendor answered code 3: no (requestId abc)')"


def test_errors_survive_pickling():
    error = SignatureRejected.from_vendor("signature validate fail:-2", request_id="r")

    # Our own object, round-tripped: nothing untrusted is unpickled.
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301

    assert type(copy) is SignatureExpired
    assert (str(copy), copy.reason, copy.code, copy.request_id) == (str(error), -2, 10007, "r")
