"""Two-factor (TOTP and recovery codes) on the admin pages that manage credentials and people,
for sessions signed in with a local password."""

import re
import time
from base64 import b32decode

import pytest
from django.contrib.auth.models import User
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from devices.models import SsoIdentity
from tests.conftest import PASSWORD
from tests.helpers import page_text, sign_in_verified
from tests.sso.flow import person, sign_in

pytestmark = pytest.mark.django_db

CREDENTIALS = "/admin/devices/credential/"


def code(key: bytes, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for this key now (or a few 30 s steps later)."""
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def wait_out_the_throttle() -> None:
    """django-otp refuses every code for 1 s after a wrong one (then 2 s, 4 s...)."""
    time.sleep(1.1)


def sign_in_with_password(client, username="root"):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def shown_key(response) -> bytes:
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', response.content.decode())
    assert secret, "no key on the enrolment page"
    return b32decode(secret.group(1).replace(" ", ""))


def enrol(client) -> list[str]:
    page = client.get("/accounts/two-factor/?next=" + CREDENTIALS)
    done = client.post(
        "/accounts/two-factor/", {"token": code(shown_key(page)), "next": CREDENTIALS}
    )
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", done.content.decode())
    assert len(codes) == 10, "enrolment did not finish"
    return codes


def test_a_superuser_without_a_second_factor_is_sent_to_enrol_first(client, superuser):
    sign_in_with_password(client)

    response = client.get(CREDENTIALS)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/?next=%2Fadmin%2Fdevices%2Fcredential%2F"


def test_enrolment_shows_a_qr_code_and_the_key_then_recovery_codes(client, superuser):
    sign_in_with_password(client)
    page = client.get("/accounts/two-factor/?next=" + CREDENTIALS)

    assert 'src="data:image/svg+xml' in page.content.decode()
    assert len(shown_key(page)) == 20
    wrong = client.post("/accounts/two-factor/", {"token": "000000", "next": CREDENTIALS})
    assert "That code did not match" in page_text(wrong)
    assert not TOTPDevice.objects.filter(user=superuser, confirmed=True).exists()
    wait_out_the_throttle()

    codes = enrol(client)

    assert len(set(codes)) == 10
    assert TOTPDevice.objects.filter(user=superuser, confirmed=True).count() == 1
    assert client.get(CREDENTIALS).status_code == 200


def test_the_next_session_must_verify_with_the_app(client, superuser):
    sign_in_with_password(client)
    page = client.get("/accounts/two-factor/")
    key = shown_key(page)
    client.post("/accounts/two-factor/", {"token": code(key)})
    client.logout()
    sign_in_with_password(client)

    sent = client.get(CREDENTIALS)
    assert (
        sent["Location"] == "/accounts/two-factor/verify/?next=%2Fadmin%2Fdevices%2Fcredential%2F"
    )
    refused = client.post("/accounts/two-factor/verify/", {"token": "123456", "next": CREDENTIALS})
    assert "That code did not match" in page_text(refused)
    assert client.get(CREDENTIALS).status_code == 302
    wait_out_the_throttle()

    # The code just used at enrolment cannot be replayed; the app's next one works.
    verified = client.post(
        "/accounts/two-factor/verify/", {"token": code(key, steps_ahead=1), "next": CREDENTIALS}
    )

    assert verified["Location"] == CREDENTIALS
    assert client.get(CREDENTIALS).status_code == 200


def test_a_recovery_code_works_once(client, superuser):
    sign_in_with_password(client)
    codes = enrol(client)
    client.logout()

    sign_in_with_password(client)
    used = client.post("/accounts/two-factor/verify/", {"token": codes[0], "next": CREDENTIALS})
    assert used["Location"] == CREDENTIALS
    client.logout()
    sign_in_with_password(client)
    again = client.post("/accounts/two-factor/verify/", {"token": codes[0], "next": CREDENTIALS})

    assert again.status_code == 200
    assert StaticToken.objects.filter(device__user=superuser).count() == 9


def test_new_recovery_codes_replace_the_old_ones_and_need_a_verified_session(client, superuser):
    sign_in_with_password(client)
    old = enrol(client)

    status = client.get("/accounts/two-factor/recovery-codes/")
    assert "You have 10 unused recovery codes" in page_text(status)
    new = re.findall(
        r"<li>([a-z2-7]{8})</li>",
        client.post("/accounts/two-factor/recovery-codes/").content.decode(),
    )

    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    client.logout()
    sign_in_with_password(client)
    assert client.post("/accounts/two-factor/recovery-codes/")["Location"].startswith(
        "/accounts/two-factor/verify/"
    )
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)


def test_someone_with_the_password_alone_cannot_enrol_a_new_authenticator(client, superuser):
    sign_in_with_password(client)
    enrol(client)
    client.logout()
    sign_in_with_password(client)

    response = client.get("/accounts/two-factor/")

    assert response["Location"].startswith("/accounts/two-factor/verify/")
    assert client.post("/accounts/two-factor/", {"token": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=superuser).count() == 1


@pytest.mark.parametrize(
    "url",
    [
        CREDENTIALS,
        "/admin/devices/credential/add/",
        "/admin/devices/credential/meter/",
        "/admin/auth/user/",
        "/admin/auth/",
        "/admin/auth/group/",
        "/admin/otp_totp/totpdevice/",
        "/admin/otp_static/staticdevice/",
        "/admin/devices/ssoidentity/",
    ],
)
def test_every_page_that_manages_credentials_or_people_asks_for_it(client, superuser, url):
    sign_in_with_password(client)

    assert client.get(url)["Location"].startswith("/accounts/two-factor/")


@pytest.mark.parametrize("url", ["/admin/", "/admin/devices/lookup/", "/"])
def test_other_pages_do_not(client, superuser, credential, url):
    sign_in_with_password(client)

    assert client.get(url).status_code == 200


def test_a_verified_session_opens_them(client, superuser):
    sign_in_verified(client, superuser)

    assert client.get("/admin/auth/user/").status_code == 200


def test_a_lead_is_not_asked(client, lead):
    client.force_login(lead)

    assert client.get("/admin/devices/lookup/").status_code == 200
    assert client.get(CREDENTIALS).status_code == 403


def test_a_superuser_who_came_through_company_sign_in_is_not_asked_again(client, sso, superuser):
    root = person("root-at-company", groups=[])
    sso.set_people([root])
    SsoIdentity.objects.create(user=superuser, issuer=sso.issuer, subject=root.sub)

    sign_in(client, sso, root)

    assert client.get(CREDENTIALS).status_code == 200
    assert User.objects.get(pk=superuser.pk).is_superuser


def test_verification_never_sends_anyone_to_another_site(client, superuser):
    sign_in_with_password(client)
    codes = enrol(client)
    client.logout()
    sign_in_with_password(client)

    response = client.post(
        "/accounts/two-factor/verify/", {"token": codes[1], "next": "https://evil.example/"}
    )

    assert response["Location"] == "/admin/"


def test_the_enrolment_page_reads_in_chinese(client, superuser):
    sign_in_with_password(client)

    text = page_text(client.get("/accounts/two-factor/", HTTP_ACCEPT_LANGUAGE="zh-CN"))

    assert "设置双重验证登录" in text
