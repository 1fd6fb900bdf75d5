"""Vendor credentials in admin: superusers only, write-only secrets, health, one default."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse

from devices.models import Credential
from tests.helpers import sign_in_verified

CHANGELIST = reverse("admin:devices_credential_changelist")
ADD = reverse("admin:devices_credential_add")
# Mixed case and digits: no 4-character piece of these turns up in admin HTML by chance.
TOKEN = "Qj7zXw2KvP9mLr4TgH6n"
KEY = "Yb3RkN8sVq5WcZ1xMf4J"


def change_url(credential: Credential) -> str:
    return reverse("admin:devices_credential_change", args=[credential.pk])


def form_data(**overrides) -> dict:
    data = {
        "name": "cn",
        "region": "China",
        "base_url": "https://cn.vendor.example",
        "app_id": "app-cn",
        "app_token": "",
        "app_key": "",
        "signer_id": "",
        "enabled": "on",
        "is_default": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def raw_secrets(credential: Credential) -> tuple[str, str]:
    table = Credential._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app_token, app_key FROM {table} WHERE id = %s", [credential.pk])  # noqa: S608
        return cursor.fetchone()


def shown_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def stored(db) -> Credential:
    return Credential.objects.create(
        name="cn",
        region="China",
        base_url="https://cn.vendor.example",
        app_id="app-cn",
        app_token=TOKEN,
        app_key=KEY,
        is_default=True,
    )


class TestOnlySuperusersManageCredentials:
    def test_support_staff_and_outsiders_are_sent_to_the_login(
        self, client, staff, outsider, stored
    ):
        for person in (staff, outsider):
            client.force_login(person)
            for url in (CHANGELIST, ADD, change_url(stored)):
                response = client.get(url)
                assert response.status_code == 302, url
                assert "login" in response["Location"]

    def test_a_lead_is_refused(self, client, lead, stored):
        client.force_login(lead)
        for url in (
            CHANGELIST,
            ADD,
            change_url(stored),
            reverse("admin:devices_credential_delete", args=[stored.pk]),
        ):
            assert client.get(url).status_code == 403, url
        response = client.post(change_url(stored), form_data(app_token="stolen"))
        assert response.status_code == 403
        assert Credential.objects.get(pk=stored.pk).app_token == TOKEN

    def test_a_lead_does_not_see_credentials_on_the_admin_index(self, client, lead, stored):
        client.force_login(lead)
        html = client.get(reverse("admin:index")).content.decode()
        assert CHANGELIST not in html
        assert reverse("admin:devices_lookup_changelist") in html

    def test_a_superuser_may_list_add_and_change(self, client, superuser, stored):
        sign_in_verified(client, superuser)
        for url in (CHANGELIST, ADD, change_url(stored)):
            assert client.get(url).status_code == 200, url


class TestSecretsAreWriteOnly:
    @pytest.fixture(autouse=True)
    def signed_in(self, client, superuser):
        sign_in_verified(client, superuser)

    def test_the_change_page_never_shows_the_secrets_not_even_partly(self, client, stored):
        html = client.get(change_url(stored)).content.decode()
        assert 'name="app_token"' in html
        assert 'name="app_key"' in html
        for secret in (TOKEN, KEY):
            pieces = {secret[i : i + 4] for i in range(len(secret) - 3)}
            leaked = sorted(piece for piece in pieces if piece in html)
            assert leaked == [], f"parts of a secret are in the page: {leaked}"

    def test_the_list_never_shows_the_secrets(self, client, stored):
        html = client.get(CHANGELIST).content.decode()
        assert TOKEN[:8] not in html
        assert KEY[:8] not in html

    def test_the_secrets_are_encrypted_in_the_database(self, stored):
        token, key = raw_secrets(stored)
        # A Fernet token: version byte 0x80, urlsafe base64, so it starts with "gAAAAA".
        assert token.startswith("gAAAAA")
        assert key.startswith("gAAAAA")
        assert TOKEN not in token
        assert KEY not in key

    def test_an_empty_secret_on_edit_keeps_the_stored_one(self, client, stored):
        before = raw_secrets(stored)
        response = client.post(change_url(stored), form_data(region="Mainland"))
        assert response.status_code == 302, response.context["adminform"].form.errors
        stored.refresh_from_db()
        assert stored.region == "Mainland"
        assert (stored.app_token, stored.app_key) == (TOKEN, KEY)
        # Not even re-encrypted: the form never read the stored secrets.
        assert raw_secrets(stored) == before

    def test_a_new_secret_on_edit_replaces_only_that_one(self, client, stored):
        response = client.post(change_url(stored), form_data(app_key="a-new-key-value"))
        assert response.status_code == 302
        stored.refresh_from_db()
        assert stored.app_key == "a-new-key-value"
        assert stored.app_token == TOKEN
        assert raw_secrets(stored)[1].startswith("gAAAAA")

    def test_both_secrets_are_required_when_adding(self, client):
        response = client.post(ADD, form_data(app_token=TOKEN))
        assert response.status_code == 200
        assert "app_key" in response.context["adminform"].form.errors
        assert not Credential.objects.exists()

    def test_a_new_credential_is_stored_encrypted(self, client):
        response = client.post(ADD, form_data(app_token=TOKEN, app_key=KEY))
        assert response.status_code == 302
        credential = Credential.objects.get(name="cn")
        assert (credential.app_token, credential.app_key) == (TOKEN, KEY)
        assert all(value.startswith("gAAAAA") for value in raw_secrets(credential))

    def test_the_page_opens_even_when_a_secret_cannot_be_decrypted(self, client, settings, stored):
        from cryptography.fernet import Fernet

        settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
        assert client.get(CHANGELIST).status_code == 200
        assert client.get(change_url(stored)).status_code == 200
        # Entering the secrets again with the new key repairs the credential.
        response = client.post(change_url(stored), form_data(app_token=TOKEN, app_key=KEY))
        assert response.status_code == 302
        assert Credential.objects.get(pk=stored.pk).app_key == KEY


class TestExactlyOneDefault:
    @pytest.fixture(autouse=True)
    def signed_in(self, client, superuser):
        sign_in_verified(client, superuser)

    def defaults(self) -> list[str]:
        return list(Credential.objects.filter(is_default=True).values_list("name", flat=True))

    def test_a_new_default_takes_over_from_the_old_one(self, client, stored):
        response = client.post(
            ADD, form_data(name="eu", app_id="app-eu", app_token=TOKEN, app_key=KEY)
        )
        assert response.status_code == 302
        assert self.defaults() == ["eu"]

    def test_the_first_credential_becomes_the_default_even_if_not_ticked(self, client):
        response = client.post(ADD, form_data(is_default=None, app_token=TOKEN, app_key=KEY))
        assert response.status_code == 302
        assert self.defaults() == ["cn"]

    def test_a_second_credential_not_ticked_leaves_the_default_alone(self, client, stored):
        response = client.post(
            ADD,
            form_data(name="eu", app_id="app-eu", is_default=None, app_token=TOKEN, app_key=KEY),
        )
        assert response.status_code == 302
        assert self.defaults() == ["cn"]

    def test_unticking_the_default_is_refused_with_an_explanation(self, client, stored):
        response = client.post(change_url(stored), form_data(is_default=None))
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors["is_default"]
        assert "tick “default” on another credential" in errors[0]
        assert self.defaults() == ["cn"]

    def test_deleting_the_default_makes_another_one_the_default(self, client, stored):
        Credential.objects.create(
            name="eu", base_url="https://eu.example", app_id="e", app_token="t", app_key="k"
        )
        url = reverse("admin:devices_credential_delete", args=[stored.pk])
        assert client.post(url, {"post": "yes"}).status_code == 302
        assert self.defaults() == ["eu"]


class TestHealthAndConnection:
    def test_the_list_shows_the_last_good_and_failed_calls(self, client, superuser, credential):
        from django.utils import timezone

        Credential.objects.filter(pk=credential.pk).update(
            last_ok_at=timezone.now(), last_error_at=None
        )
        sign_in_verified(client, superuser)
        response = client.get(CHANGELIST)
        html = response.content.decode()
        assert "working" in html
        Credential.objects.filter(pk=credential.pk).update(
            last_error_at=timezone.now(), last_error="The vendor rejected the signature: 10007"
        )
        html = client.get(CHANGELIST).content.decode()
        assert "failing" in html
        assert "The vendor rejected the signature: 10007" in html

    def test_the_action_reports_an_accepted_credential(self, client, superuser, credential):
        sign_in_verified(client, superuser)
        response = client.post(
            CHANGELIST, {"action": "test_connection", "_selected_action": [credential.pk]}
        )
        assert response.status_code == 302
        [message] = shown_messages(response)
        assert message.startswith("sandbox: The vendor accepted the signature")
        credential.refresh_from_db()
        assert credential.last_ok_at is not None

    def test_the_action_reports_a_wrong_key_as_rejected(self, client, superuser, credential):
        credential.app_key = "0" * 32
        credential.save()
        sign_in_verified(client, superuser)
        response = client.post(
            CHANGELIST, {"action": "test_connection", "_selected_action": [credential.pk]}
        )
        [message] = shown_messages(response)
        assert message.startswith("sandbox: The vendor rejected the signature")
        credential.refresh_from_db()
        assert credential.last_error_at is not None

    def test_the_button_on_the_change_page_runs_the_same_check(self, client, superuser, credential):
        sign_in_verified(client, superuser)
        url = reverse("admin:devices_credential_test_connection", args=[credential.pk])
        assert url in client.get(change_url(credential)).content.decode()
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"] == change_url(credential)
        [message] = shown_messages(response)
        assert "The vendor accepted the signature" in message

    def test_the_button_is_refused_to_a_lead(self, client, lead, credential):
        client.force_login(lead)
        url = reverse("admin:devices_credential_test_connection", args=[credential.pk])
        assert client.post(url).status_code == 403
