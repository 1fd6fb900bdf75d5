"""Every failure of an API lookup: its code and status from the failure table, one audit row."""

import pytest

from devices import services
from devices.models import Lookup
from devices.ratelimit import get_limiter
from devices.sandbox.data import device_by_key
from tests.api.test_devices import sn_path
from tests.helpers import inject, vendor_requests

pytestmark = pytest.mark.django_db


def error_of(response) -> dict:
    return response.json()["error"]


def test_an_unknown_device_is_404_not_found(api):
    response = api.get("/api/v1/devices/sn/876NOSUCH0001/")

    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "not_found"
    assert error["message"] == "The vendor has no device with serial number 876NOSUCH0001."
    assert error["next_step"].startswith("Check the number with the customer")
    assert error["retry_after"] is None
    assert error["lookup_id"] == str(Lookup.objects.get().pk)
    assert "Retry-After" not in response


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/api/v1/devices/sn/a/", "A serial number is 4 to 40"),
        ("/api/v1/devices/id/12ab/", "A device id is a whole number"),
        ("/api/v1/users/12ab/devices/", "A user id is a whole number"),
    ],
)
def test_an_identifier_that_cannot_be_is_400_invalid_input_without_a_vendor_call(
    api, sandbox, path, problem
):
    response = api.get(path)

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_input"
    assert error_of(response)["message"].startswith(problem)
    assert vendor_requests(sandbox) == 0
    row = Lookup.objects.get()
    assert (row.outcome, row.channel) == ("invalid_input", "api")


def test_a_bad_owner_in_the_query_is_400_too(api):
    response = api.get(sn_path("online-wifi-mains"), access_id="abc")

    assert response.status_code == 400
    assert "The owner's user id must be a whole number" in error_of(response)["message"]


def test_a_page_and_the_api_answer_bad_input_with_the_same_status(api, staff_client):
    assert (
        api.get("/api/v1/devices/sn/a/").status_code
        == staff_client.get("/devices/sn/a/").status_code
    )


@pytest.mark.parametrize(
    ("mode", "status", "code"),
    [
        ("http500", 502, "vendor_unavailable"),
        ("drop", 502, "vendor_unavailable"),
        ("malformed", 502, "vendor_unavailable"),
    ],
)
def test_a_broken_vendor_is_vendor_unavailable(api, sandbox, mode, status, code):
    inject(sandbox, mode)

    response = api.get(sn_path("online-wifi-mains"))

    assert (response.status_code, error_of(response)["code"]) == (status, code)
    assert Lookup.objects.get().outcome == "unavailable"


def test_a_vendor_that_does_not_answer_in_time_is_504_vendor_timeout(api, sandbox, settings):
    settings.VENDOR_TIMEOUT = 0.3
    inject(sandbox, "stall", seconds=1.5)

    response = api.get(sn_path("online-wifi-mains"))

    assert (response.status_code, error_of(response)["code"]) == (504, "vendor_timeout")


def test_the_vendor_refusing_us_as_too_frequent_is_503_vendor_busy_with_retry_after(api, sandbox):
    inject(sandbox, "http429")

    response = api.get(sn_path("online-wifi-mains"))

    assert (response.status_code, error_of(response)["code"]) == (503, "vendor_busy")
    assert response["Retry-After"] == "1"
    assert error_of(response)["retry_after"] == 1


def test_no_slot_in_the_shared_budget_is_503_vendor_busy_saying_how_long(
    api, sandbox, credential, settings
):
    settings.VENDOR_MAX_WAIT = 0.1
    get_limiter().pause(credential.app_id, 30)

    response = api.get(sn_path("online-wifi-mains"))

    assert (response.status_code, error_of(response)["code"]) == (503, "vendor_busy")
    assert 25 <= int(response["Retry-After"]) <= 30
    assert error_of(response)["retry_after"] == int(response["Retry-After"])
    assert vendor_requests(sandbox) == 0


def test_another_vendor_code_is_502_vendor_refused_with_its_request_id(api, sandbox):
    inject(sandbox, "code", code=10500, msg="system busy, please try again later")

    response = api.get(sn_path("online-wifi-mains"))

    assert (response.status_code, error_of(response)["code"]) == (502, "vendor_refused")
    assert error_of(response)["message"] == (
        "The vendor answered code 10500: system busy, please try again later"
    )
    row = Lookup.objects.get()
    assert row.request_id and error_of(response)["vendor_request_id"] == row.request_id


def test_a_wrong_app_key_is_502_credential_failing(api, credential):
    credential.app_key = "not-the-key"
    credential.save()

    response = api.get(sn_path("online-wifi-mains"))

    assert (response.status_code, error_of(response)["code"]) == (502, "credential_failing")
    assert "not-the-key" not in response.content.decode()


def test_an_unknown_region_is_503_credential_failing(api):
    response = api.get(sn_path("online-wifi-mains"), credential="eu")

    assert (response.status_code, error_of(response)["code"]) == (503, "credential_failing")
    assert error_of(response)["message"] == "There is no enabled vendor credential named “eu”."


def test_no_credential_at_all_is_503_credential_failing(api, credential):
    credential.delete()

    response = api.get(sn_path("online-wifi-mains"))

    assert (response.status_code, error_of(response)["code"]) == (503, "credential_failing")
    assert error_of(response)["message"] == "No vendor credential is configured or enabled."


def test_a_bug_of_ours_is_503_and_says_so_without_details(api, monkeypatch):
    def broken(credential):
        raise KeyError("secret internal detail")

    monkeypatch.setattr(services, "vendor_client", broken)

    response = api.get(sn_path("online-wifi-mains"))

    assert (response.status_code, error_of(response)["code"]) == (503, "vendor_unavailable")
    assert "inside SupportDesk" in error_of(response)["message"]
    assert "secret internal detail" not in response.content.decode()


def test_an_error_is_in_the_requests_language(api):
    response = api.client.get(
        "/api/v1/devices/sn/876NOSUCH0001/",
        headers={"Authorization": f"Bearer {api.token}", "Accept-Language": "zh-Hans"},
    )

    assert error_of(response)["code"] == "not_found"
    assert not error_of(response)["message"].isascii()


def test_a_failed_lookup_leaves_one_audit_row_with_channel_and_token(api, sandbox):
    inject(sandbox, "http500")

    api.get(f"/api/v1/devices/sn/{device_by_key('online-wifi-mains').sn}/")

    row = Lookup.objects.get()
    assert (row.outcome, row.channel, row.token_name) == ("unavailable", "api", "zendesk-prod")
