"""GET /api/v1/users/<access_id>/devices/ against the sandbox vendor."""

import pytest

from devices.models import Lookup
from devices.sandbox.data import FAMILY, FARM, NO_DEVICES, device_by_key

pytestmark = pytest.mark.django_db


def users_path(user_id: int) -> str:
    return f"/api/v1/users/{user_id}/devices/"


def test_every_device_of_the_account_with_the_pages_summary(api):
    response = api.get(users_path(FAMILY))

    assert response.status_code == 200
    body = response.json()
    assert body["user_id"] == str(FAMILY)
    assert body["summary"] == {
        "text": "5 devices, all owned by this user; 1 needs attention",
        "tone": "warn",
    }
    assert len(body["devices"]) == 5
    assert all(isinstance(device["device_id"], str) for device in body["devices"])


def test_problems_come_first_with_their_plan_state(api):
    first = api.get(users_path(FAMILY)).json()["devices"][0]

    assert first["device_id"] == str(device_by_key("storage-expiring-soon").dev_id)
    assert first["problem"] is True
    assert first["cloud_storage"]["status"]["text"] == "Expires in 3 days"
    assert first["cloud_storage"]["ends_at"].endswith("+08:00")
    assert (first["relation"], first["relation_label"]) == (1, "Owner")


def test_a_data_bundle_is_in_mb_with_what_is_left(api):
    devices = api.get(users_path(FARM)).json()["devices"]
    dev_id = str(device_by_key("sim-data-bundle").dev_id)

    bundle = next(device for device in devices if device["device_id"] == dev_id)["data_bundle"]

    assert bundle == {
        "used_mb": 3172,
        "total_mb": 10240,
        "left_mb": 7068,
        "nearly_used_up": False,
        "label": "3,172 MB of 10,240 MB used",
    }


def test_each_device_links_to_its_page_and_its_api_answer_for_this_owner(api):
    devices = api.get(users_path(FAMILY), reason="T-3").json()["devices"]
    dev_id = str(device_by_key("online-wifi-mains").dev_id)

    links = next(device for device in devices if device["device_id"] == dev_id)["links"]

    query = f"access_id={FAMILY}&credential=sandbox&reason=T-3"
    assert links["page"] == f"http://testserver/devices/id/{dev_id}/?{query}"
    assert links["api"] == f"http://testserver/api/v1/devices/id/{dev_id}/?{query}"


def test_the_api_link_of_a_device_answers(api):
    devices = api.get(users_path(FAMILY)).json()["devices"]

    response = api.client.get(
        devices[0]["links"]["api"], headers={"Authorization": f"Bearer {api.token}"}
    )

    assert response.status_code == 200
    assert response.json()["device"]["owner_id"] == str(FAMILY)


def test_an_account_without_devices_is_an_empty_list(api):
    body = api.get(users_path(NO_DEVICES)).json()

    assert body["devices"] == []
    assert body["summary"]["text"] == "No device on this account."


def test_the_audit_row_is_a_user_lookup_through_the_api(api):
    api.get(users_path(FAMILY))

    row = Lookup.objects.get()
    assert (row.kind, row.value, row.channel, row.token_name) == (
        "user",
        str(FAMILY),
        "api",
        "zendesk-prod",
    )


def test_a_required_reason_missing_is_400_invalid_input_and_audited(api, settings, sandbox):
    settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS = True

    response = api.get(users_path(FAMILY))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert "required to look up a user" in response.json()["error"]["message"]
    assert Lookup.objects.get().outcome == "invalid_input"
    assert api.get(users_path(FAMILY), reason="T-1").status_code == 200
