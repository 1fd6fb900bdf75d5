"""The per-person limit: one budget for a person's pages and API calls (LOOKUP_USER_RATE)."""

import pytest

from devices.api.tokens import token_create
from devices.models import Lookup
from devices.sandbox.data import device_by_key
from tests.api.test_devices import sn_path
from tests.helpers import sn_url, vendor_requests

pytestmark = pytest.mark.django_db


def test_too_many_api_lookups_is_429_rate_limited_without_a_vendor_call(api, sandbox, settings):
    settings.LOOKUP_USER_RATE = "2/m"
    api.get(sn_path("online-wifi-mains"))
    api.get(sn_path("offline-hours"))

    response = api.get(sn_path("unbound"))

    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert error["retry_after"] == int(response["Retry-After"])
    assert vendor_requests(sandbox) == 2
    refused = Lookup.objects.first()
    assert (refused.outcome, refused.value, refused.channel) == (
        "rate_limited",
        device_by_key("unbound").sn,
        "api",
    )


def test_pages_and_api_calls_of_one_person_share_the_budget(api, client, staff, sandbox, settings):
    settings.LOOKUP_USER_RATE = "2/m"
    client.force_login(staff)
    assert client.get(sn_url("online-wifi-mains")).status_code == 200
    assert api.get(sn_path("offline-hours")).status_code == 200

    assert api.get(sn_path("unbound")).status_code == 429
    assert client.get(sn_url("unbound")).status_code == 429


def test_another_persons_token_has_its_own_budget(api, client, lead, sandbox, settings):
    settings.LOOKUP_USER_RATE = "1/m"
    api.get(sn_path("online-wifi-mains"))
    token = token_create(name="lead-script", user=lead)[1]

    response = client.get(sn_path("offline-hours"), headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
