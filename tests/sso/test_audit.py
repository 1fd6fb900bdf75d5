"""The audit log says how the person behind each lookup signed in, and admin shows it."""

import pytest

from devices.api.tokens import token_create
from devices.models import Lookup, SignInMethod
from devices.sandbox.data import device_by_key
from tests.conftest import PASSWORD
from tests.helpers import sn_url
from tests.sso.flow import person, sign_in

pytestmark = pytest.mark.django_db


def test_a_lookup_after_a_company_sign_in_is_marked_sso(client, sso, credential):
    mei = person("mei", groups=["support-staff"])
    sso.set_people([mei])
    sign_in(client, sso, mei)

    assert client.get(sn_url("online-wifi-mains")).status_code == 200

    row = Lookup.objects.get()
    assert (row.username, row.signed_in_via) == ("mei", SignInMethod.SSO)


def test_a_lookup_after_a_password_sign_in_is_marked_local(client, staff, credential):
    client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})

    client.get(sn_url("online-wifi-mains"))

    assert Lookup.objects.get().signed_in_via == SignInMethod.LOCAL


def test_admin_lists_and_filters_by_how_people_signed_in(client, sso, credential, lead):
    mei = person("mei", groups=["support-staff"])
    sso.set_people([mei])
    sign_in(client, sso, mei)
    client.get(sn_url("online-wifi-mains"))
    client.force_login(lead)
    client.get(sn_url("online-wifi-mains"))

    everything = client.get("/admin/devices/lookup/").content.decode()
    only_sso = client.get("/admin/devices/lookup/?signed_in_via__exact=sso").content.decode()

    assert "company sign-in (SSO)" in everything and "local password" in everything
    assert only_sso.count('class="field-username"') == 1
    assert "mei" in only_sso


def test_an_api_lookup_has_no_sign_in_method_even_from_a_signed_in_browser(
    client, staff, credential
):
    client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    token = token_create(name="zendesk", user=staff)[1]
    sn = device_by_key("online-wifi-mains").sn

    answer = client.get(f"/api/v1/devices/sn/{sn}/", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 200

    row = Lookup.objects.get()
    assert (row.channel, row.signed_in_via) == (Lookup.Channel.API, "")
