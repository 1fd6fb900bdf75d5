"""The vendor's codes: the defaults come from its apps' tables, and the sandbox answers with them.

docs/vendor-api.md#error-codes says where each one comes from.
"""

from django.conf import settings

from devices.gwell import errors
from devices.sandbox import vendor


def test_the_settings_default_to_the_codes_of_the_vendors_apps():
    assert settings.VENDOR_NOT_FOUND_CODES == [10010, 10012]
    assert settings.VENDOR_RATE_LIMIT_CODES == [10015]
    assert settings.VENDOR_CREDENTIAL_CODES == [10001, 10003, 10026]


def test_the_client_defaults_are_the_same_codes():
    assert list(errors.NOT_FOUND_CODES) == settings.VENDOR_NOT_FOUND_CODES
    assert list(errors.RATE_LIMIT_CODES) == settings.VENDOR_RATE_LIMIT_CODES
    assert list(errors.CREDENTIAL_CODES) == settings.VENDOR_CREDENTIAL_CODES


def test_the_sandbox_answers_with_the_codes_the_settings_read():
    assert vendor.CODE_DEVICE_NOT_EXIST in settings.VENDOR_NOT_FOUND_CODES
    assert vendor.CODE_TOO_FREQUENT in settings.VENDOR_RATE_LIMIT_CODES
    assert vendor.CODE_APP_NOT_EXIST in settings.VENDOR_CREDENTIAL_CODES
    assert vendor.CODE_TOKEN_INVALID in settings.VENDOR_CREDENTIAL_CODES
    assert vendor.CODE_SIGNATURE_FAIL == errors.SIGNATURE_REJECTED_CODE
