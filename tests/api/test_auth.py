"""Who may call the API: a live token of an active user with the lookup permission."""

import pytest
from django.contrib.auth.models import Group

from devices.api.models import ApiToken
from devices.api.tokens import token_create, token_revoke
from devices.models import Lookup
from tests.api.test_devices import sn_path
from tests.helpers import vendor_requests

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/devices/sn/876ABCDEF0347/",
    "/api/v1/devices/id/3435178203944/",
    "/api/v1/users/-9223371981234556044/devices/",
]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path", PATHS)
def test_no_token_is_401_with_a_bearer_challenge(client, credential, sandbox, path):
    response = client.get(path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["error"]["code"] == "not_authenticated"
    assert vendor_requests(sandbox) == 0
    assert not Lookup.objects.exists()


@pytest.mark.parametrize(
    "header",
    [
        "Bearer sdk_not-a-token-we-made",
        "Bearer not-even-our-prefix",
        "Bearer",
        "Bearer two words",
    ],
)
def test_a_bad_token_is_401(client, credential, staff_token, header):
    response = client.get(PATHS[0], headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert not Lookup.objects.exists()


def test_a_revoked_token_is_401(client, credential, staff, sandbox):
    row, token = token_create(name="old", user=staff)
    token_revoke(tokens=ApiToken.objects.filter(pk=row.pk))

    response = client.get(PATHS[0], headers=bearer(token))

    assert response.status_code == 401


def test_the_token_of_an_inactive_user_is_401(client, credential, staff, staff_token):
    staff.is_active = False
    staff.save()

    assert client.get(PATHS[0], headers=bearer(staff_token)).status_code == 401


def test_a_signed_in_session_is_not_enough(staff_client):
    response = staff_client.get(PATHS[0])

    assert response.status_code == 401


@pytest.mark.parametrize("path", PATHS)
def test_a_user_without_the_lookup_permission_is_403(client, credential, outsider, sandbox, path):
    token = token_create(name="outsider", user=outsider)[1]

    response = client.get(path, headers=bearer(token))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert vendor_requests(sandbox) == 0
    assert not Lookup.objects.exists()


def test_a_token_acts_with_its_users_permissions_as_they_change(client, credential, outsider):
    token = token_create(name="growing", user=outsider)[1]
    assert client.get(sn_path("online-wifi-mains"), headers=bearer(token)).status_code == 403

    outsider.groups.add(Group.objects.get(name="Support staff"))

    response = client.get(sn_path("online-wifi-mains"), headers=bearer(token))
    assert response.status_code == 200


def test_a_token_notes_its_last_use(api):
    row = ApiToken.objects.get()
    assert row.last_used_at is None

    api.get(sn_path("online-wifi-mains"))

    row.refresh_from_db()
    assert row.last_used_at is not None


def test_only_the_digest_of_a_token_is_stored(staff):
    row, token = token_create(name="secret", user=staff)

    stored = ApiToken.objects.filter(pk=row.pk).values().get()
    assert token not in str(stored)
    assert len(row.digest) == 64
    assert token.startswith(row.hint) and len(row.hint) < len(token) // 4


def test_a_post_is_405(api):
    response = api.client.post(sn_path("online-wifi-mains"), headers=bearer(api.token))

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
