"""Local passwords beside company sign-in (OIDC_LOCAL_LOGIN): break-glass superusers only,
everyone, or nobody; failed attempts stay throttled."""

import pytest

from tests.conftest import PASSWORD
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


def sign_in(client, username, password=PASSWORD):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="203.0.113.9"
    )


def test_a_superuser_signs_in_with_a_password_for_break_glass(client, sso, superuser):
    assert sign_in(client, "root").status_code == 302


def test_support_staff_are_sent_to_the_company_sign_in(client, sso, staff):
    response = sign_in(client, "staff")

    assert response.status_code == 200
    assert "Passwords here are for SupportDesk administrators only. Sign in with Example SSO" in (
        page_text(response)
    )
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_says_only_that_it_did_not_match(client, sso, staff):
    text = page_text(sign_in(client, "staff", "wrong"))

    assert "The username and password did not match" in text
    assert "administrators only" not in text


def test_everyone_may_use_a_password_when_it_says_all(client, sso, settings, staff):
    settings.OIDC_LOCAL_LOGIN = "all"

    assert sign_in(client, "staff").status_code == 302
    client.logout()
    assert "Or sign in with a password" in client.get("/accounts/login/").content.decode()


def test_nobody_may_use_a_password_when_it_is_off(client, sso, settings, superuser):
    settings.OIDC_LOCAL_LOGIN = "off"

    page = client.get("/accounts/login/").content.decode()
    response = sign_in(client, "root")

    assert 'name="password"' not in page
    assert "Sign in with Example SSO" in page
    assert response.status_code == 200
    assert "Sign-in with a password is switched off" in page_text(response)
    assert "_auth_user_id" not in client.session


def test_the_policy_does_not_apply_while_company_sign_in_is_off(client, settings, staff):
    settings.OIDC_LOCAL_LOGIN = "off"

    assert sign_in(client, "staff").status_code == 302


def test_failed_passwords_are_still_throttled_beside_company_sign_in(
    client, sso, settings, superuser
):
    settings.LOGIN_FAILURES_PER_USERNAME = "2/5m"
    for _ in range(2):
        assert sign_in(client, "root", "wrong").status_code == 200

    response = sign_in(client, "root")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_helpdesk_sidebar_follows_the_same_rule(client, sso, staff):
    client.get("/embed/login/")

    response = client.post("/embed/login/", {"username": "staff", "password": PASSWORD})

    assert response.status_code == 200
    assert "Passwords here are for SupportDesk administrators only" in page_text(response)
