"""set_credential, check_credential and rotate_credentials_key, run as an admin would."""

import json
import logging
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from devices import crypto
from devices.models import Credential


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def stored_columns(name: str) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app_token, app_key FROM devices_credential WHERE name = %s", [name])
        return cursor.fetchone()


@pytest.fixture
def fresh_fernet():
    crypto._fernet.cache_clear()
    yield
    crypto._fernet.cache_clear()


class TestSetCredential:
    def test_it_creates_a_credential_with_secrets_from_the_environment(self, db, monkeypatch):
        monkeypatch.setenv("GWELL_APP_TOKEN", "token-from-env")
        monkeypatch.setenv("GWELL_APP_KEY", "key-from-env")

        out = run("set_credential", "cn", base_url="https://cn.example.com", app_id="app-cn")

        credential = Credential.objects.get(name="cn")
        assert (credential.app_token, credential.app_key) == ("token-from-env", "key-from-env")
        assert credential.is_default
        assert "Created credential cn (default)." in out
        assert "token-from-env" not in out

    def test_it_stores_the_secrets_encrypted(self, db):
        run(
            "set_credential",
            "cn",
            base_url="https://x.example.com",
            app_id="a",
            app_token="plain-token",
            app_key="plain-key",
        )

        token, key = stored_columns("cn")

        assert "plain-token" not in token and "plain-key" not in key
        assert crypto.decrypt(token) == "plain-token"

    def test_it_refuses_a_new_credential_without_a_secret(self, db, monkeypatch):
        monkeypatch.delenv("GWELL_APP_KEY", raising=False)
        with pytest.raises(CommandError, match="--app-key is required"):
            run("set_credential", "cn", base_url="https://x.example.com", app_id="a", app_token="t")
        assert not Credential.objects.exists()

    def test_updating_without_secrets_keeps_the_stored_ones(self, db):
        run(
            "set_credential",
            "cn",
            base_url="https://x.example.com",
            app_id="a",
            app_token="t1",
            app_key="k1",
        )

        run("set_credential", "cn", region="cn")

        credential = Credential.objects.get(name="cn")
        assert (credential.app_token, credential.app_key, credential.region) == ("t1", "k1", "cn")

    def test_default_moves_to_the_new_credential(self, db):
        run(
            "set_credential",
            "cn",
            base_url="https://x.example.com",
            app_id="a",
            app_token="t",
            app_key="k",
        )
        run(
            "set_credential",
            "sg",
            base_url="https://y.example.com",
            app_id="b",
            app_token="t",
            app_key="k",
            default=True,
        )

        assert list(Credential.objects.filter(is_default=True).values_list("name", flat=True)) == [
            "sg"
        ]


class TestCheckCredential:
    def test_it_says_the_vendor_accepted_the_signature(self, credential):
        out = run("check_credential", "sandbox")

        assert "sandbox: The vendor accepted the signature (requestId " in out
        credential.refresh_from_db()
        assert credential.last_ok_at is not None

    def test_it_fails_with_the_reason_when_the_key_is_wrong(self, credential):
        Credential.objects.filter(pk=credential.pk).update(app_key="not-the-real-key-42")

        with pytest.raises(CommandError, match="rejected the signature") as error:
            run("check_credential")

        assert "not-the-real-key-42" not in str(error.value)
        assert credential.app_token not in str(error.value)

    def test_it_names_a_credential_that_does_not_exist(self, db):
        with pytest.raises(CommandError, match="no enabled vendor credential named 'eu'"):
            run("check_credential", "eu")


class TestRotateCredentialsKey:
    def test_secrets_move_to_the_new_key_and_survive_dropping_the_old(
        self, db, settings, fresh_fernet
    ):
        run(
            "set_credential",
            "cn",
            base_url="https://x.example.com",
            app_id="a",
            app_token="t1",
            app_key="k1",
        )
        old_key = settings.CREDENTIALS_KEY
        new_key = Fernet.generate_key().decode()
        settings.CREDENTIALS_KEY = f"{new_key},{old_key}"
        crypto._fernet.cache_clear()

        out = run("rotate_credentials_key")

        settings.CREDENTIALS_KEY = new_key
        crypto._fernet.cache_clear()
        credential = Credential.objects.get(name="cn")
        assert (credential.app_token, credential.app_key) == ("t1", "k1")
        assert "Re-encrypted the secrets of 1 credential(s)." in out

    def test_without_rotation_a_new_key_cannot_read_the_secrets(self, db, settings, fresh_fernet):
        run(
            "set_credential",
            "cn",
            base_url="https://x.example.com",
            app_id="a",
            app_token="t1",
            app_key="k1",
        )
        settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
        crypto._fernet.cache_clear()

        with pytest.raises(crypto.SecretUnavailable):
            Credential.objects.get(name="cn")


def test_a_bad_credentials_key_is_a_clear_configuration_error(settings, fresh_fernet):
    settings.CREDENTIALS_KEY = "not-a-fernet-key"
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="Fernet keys") as error:
        crypto.encrypt("x")
    assert "not-a-fernet-key" not in str(error.value)


def test_each_lookup_logs_one_structured_line_with_the_request_id(
    client, staff, credential, caplog, settings
):
    settings.BEHIND_PROXY = True
    client.force_login(staff)
    with caplog.at_level(logging.INFO, logger="supportdesk.lookups"):
        response = client.get("/devices/sn/876ABCDEF0347/", HTTP_X_REQUEST_ID="ticket-req-12345")

    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "supportdesk.lookups"]
    assert response["X-Request-ID"] == "ticket-req-12345"
    assert len(lines) == 1
    assert lines[0]["request_id"] == "ticket-req-12345"
    assert lines[0]["outcome"] == "ok"
    assert lines[0]["user"] == "staff"
    assert credential.app_token not in caplog.text and credential.app_key not in caplog.text


def test_a_credential_whose_secrets_cannot_be_read_is_reported_and_repairable(
    credential, settings, fresh_fernet
):
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
    crypto._fernet.cache_clear()

    with pytest.raises(CommandError, match="cannot be decrypted"):
        run("check_credential", "sandbox")
    run("set_credential", "sandbox", app_token=credential.app_token, app_key=credential.app_key)
    out = run("check_credential", "sandbox")

    assert "accepted the signature" in out


def test_a_base_url_that_is_not_http_is_refused(db):
    with pytest.raises(CommandError, match="base_url: Enter a valid URL"):
        run(
            "set_credential",
            "ftp",
            base_url="ftp://vendor.example.com",
            app_id="a",
            app_token="t",
            app_key="k",
        )
    assert not Credential.objects.exists()
