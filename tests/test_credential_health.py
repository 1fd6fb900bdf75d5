"""Credential health that tells the truth: the check, the health column, the region picker.

Only a good answer or "not found" passes a check; any other code is a failure with its code and
message, and a credential the vendor refuses is "failing" wherever it is shown.
"""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from devices import credential_services
from devices.admin.credentials import credential_health
from devices.models import Credential
from tests.helpers import inject, page_text, sign_in_verified

CHANGELIST = reverse("admin:devices_credential_changelist")


def wrong_token(credential: Credential) -> Credential:
    Credential.objects.filter(pk=credential.pk).update(app_token="not-the-token")
    credential.refresh_from_db()
    return credential


def test_a_check_with_a_wrong_app_token_fails_with_the_vendors_code_and_message(credential):
    check = credential_services.credential_check(credential=wrong_token(credential))

    assert not check.accepted
    assert check.message.startswith(
        "The vendor rejected the credential with code 10003: appToken invalid (requestId "
    )
    credential.refresh_from_db()
    assert credential.is_failing
    assert credential.last_error == check.message
    assert credential_health(credential) == "failing"


def test_a_credential_that_worked_turns_failing_when_its_token_is_refused(credential):
    assert credential_services.credential_check(credential=credential).accepted
    credential.refresh_from_db()
    assert credential_health(credential) == "working"

    credential_services.credential_check(credential=wrong_token(credential))

    credential.refresh_from_db()
    assert credential_health(credential) == "failing"


@pytest.mark.parametrize(
    ("code", "msg"), [(10500, "system busy"), (10002, "param error"), (10015, "frequent")]
)
def test_any_other_code_fails_the_check_with_its_code_and_message(credential, sandbox, code, msg):
    inject(sandbox, "code", code=code, msg=msg)

    check = credential_services.credential_check(credential=credential)

    assert not check.accepted
    assert f"code {code}: {msg}" in check.message
    credential.refresh_from_db()
    assert credential.is_failing


@pytest.mark.parametrize("code", [10010, 10012])
def test_not_found_passes_the_check(credential, sandbox, code):
    inject(sandbox, "code", code=code, msg="no record found")

    check = credential_services.credential_check(credential=credential)

    assert check.accepted
    assert f"answered code {code}" in check.message
    credential.refresh_from_db()
    assert not credential.is_failing


def test_the_check_reads_in_the_readers_language(credential):
    from django.utils import translation

    check = credential_services.credential_check(credential=wrong_token(credential))

    with translation.override("zh-hans"):
        assert check.text().startswith("厂商以代码 10003 拒绝了该凭据：appToken invalid")
    assert check.message.isascii()


class TestAdmin:
    def test_test_connection_reports_a_refused_token_as_an_error_with_its_code(
        self, client, superuser, credential
    ):
        wrong_token(credential)
        sign_in_verified(client, superuser)
        url = reverse("admin:devices_credential_test_connection", args=[credential.pk])

        response = client.post(url)

        [message] = list(get_messages(response.wsgi_request))
        assert message.level_tag == "error"
        assert str(message).startswith(
            "sandbox: The vendor rejected the credential with code 10003: appToken invalid"
        )
        listing = page_text(client.get(CHANGELIST))
        assert "failing" in listing
        assert "working" not in listing

    def test_test_connection_speaks_chinese_to_a_chinese_admin(self, client, superuser, credential):
        wrong_token(credential)
        sign_in_verified(client, superuser)
        url = reverse("admin:devices_credential_test_connection", args=[credential.pk])

        response = client.post(url, HTTP_ACCEPT_LANGUAGE="zh-hans")

        [message] = list(get_messages(response.wsgi_request))
        assert "厂商以代码 10003 拒绝了该凭据" in str(message)


class TestRegionPicker:
    @pytest.fixture
    def regions(self, credential):
        eu = Credential.objects.create(
            name="eu",
            region="EU",
            base_url=credential.base_url,
            app_id=credential.app_id,
            app_token="t",
            app_key="k",
        )
        return credential, eu

    def test_a_failing_credential_is_marked_in_the_region_picker(self, staff_client, regions):
        working, failing = regions
        now = timezone.now()
        Credential.objects.filter(pk=working.pk).update(last_ok_at=now)
        Credential.objects.filter(pk=failing.pk).update(last_error_at=now, last_error="x")

        content = staff_client.get("/").content.decode()

        assert '<option value="eu">eu (EU) (not working: tell an admin)</option>' in content
        assert '<option value="sandbox">sandbox (test)</option>' in content

    def test_a_credential_that_recovered_is_not_marked(self, staff_client, regions):
        _working, recovered = regions
        now = timezone.now()
        Credential.objects.filter(pk=recovered.pk).update(
            last_error_at=now - timedelta(minutes=5), last_ok_at=now
        )

        content = staff_client.get("/").content.decode()

        assert '<option value="eu">eu (EU)</option>' in content
        assert "not working" not in content
