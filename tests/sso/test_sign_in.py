"""Company sign-in against a real OpenID provider process: the code flow with PKCE, users and
groups from the provider at every sign-in, and the people SupportDesk refuses."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth.models import Group, User

from devices.models import SignInMethod, SsoIdentity
from devices.sso.method import SESSION_KEY
from tests.conftest import PASSWORD
from tests.helpers import page_text
from tests.sso.flow import at_provider, person, sign_in, start

pytestmark = pytest.mark.django_db


def groups_of(username: str) -> set[str]:
    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


def test_start_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(client, sso):
    response = start(client)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    query = {key: value[0] for key, value in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}" == sso.issuer
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"]
    assert query["scope"] == "openid email profile groups"
    stored = client.session["oidc_states"][query["state"]]
    assert stored["code_verifier"] and stored["nonce"] == query["nonce"]


def test_a_first_sign_in_creates_the_user_with_the_mapped_group(client, sso, settings):
    mei = person("mei", groups=["support-staff", "canteen"])
    sso.set_people([mei])

    response = sign_in(client, sso, mei)

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(username="mei")
    assert (user.email, user.first_name, user.last_name) == ("mei@example.com", "Mei", "Example")
    assert not user.has_usable_password()
    assert groups_of("mei") == {"Support staff"}
    assert not user.is_staff
    identity = SsoIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (sso.issuer, "sub-mei")
    assert client.session[SESSION_KEY] == SignInMethod.SSO
    assert client.session.get_expiry_age() == settings.OIDC_SESSION_MAX_AGE
    assert client.get("/").status_code == 200


def test_the_sign_in_page_offers_the_company_sign_in_before_the_password_form(client, sso):
    content = client.get("/accounts/login/?next=/lookups/").content.decode()

    assert "Sign in with Example SSO" in content
    assert 'href="/accounts/sso/start/?next=/lookups/"' in content
    assert content.index("Sign in with Example SSO") < content.index('name="password"')
    assert "Administrators: sign in with a password" in content


def test_a_sign_in_returns_to_the_page_asked_for(client, sso):
    mei = person("mei", groups=["support-staff"])
    sso.set_people([mei])

    response = sign_in(client, sso, mei, next_url="/lookups/")

    assert response["Location"] == "/lookups/"


def test_a_lead_gets_the_lead_group_and_staff_status(client, sso):
    lan = person("lan", groups=["support-leads"])
    sso.set_people([lan])

    sign_in(client, sso, lan)

    assert groups_of("lan") == {"Support lead"}
    assert User.objects.get(username="lan").is_staff
    assert client.get("/admin/devices/lookup/").status_code == 200


def test_groups_follow_the_provider_at_every_sign_in(client, sso):
    mei = person("mei", groups=["support-staff"])
    sso.set_people([mei])
    sign_in(client, sso, mei)
    kept = Group.objects.create(name="Night shift")  # not in OIDC_GROUP_MAP: left alone
    User.objects.get(username="mei").groups.add(kept)
    client.logout()

    mei.claims["groups"] = ["support-leads"]
    sso.set_people([mei])
    sign_in(client, sso, mei)
    assert groups_of("mei") == {"Support lead", "Night shift"}
    assert User.objects.get(username="mei").is_staff
    client.logout()

    mei.claims["groups"] = []
    sso.set_people([mei])
    response = sign_in(client, sso, mei)

    assert groups_of("mei") == {"Night shift"}
    assert not User.objects.get(username="mei").is_staff
    assert response["Location"] == "/accounts/sso/no-access/"
    assert client.get("/").status_code == 403
    assert User.objects.filter(username="mei").count() == 1


def test_someone_in_no_mapped_group_signs_in_and_is_told_whom_to_ask(client, sso):
    bo = person("bo", groups=["canteen"])
    sso.set_people([bo])

    response = sign_in(client, sso, bo)

    assert response["Location"] == "/accounts/sso/no-access/"
    page = client.get(response["Location"])
    text = page_text(page)
    assert page.status_code == 200
    assert "You are signed in, but have no access yet" in text
    assert "Ask the IT helpdesk (it@example.com) to add you" in text
    assert "support-staff" in text and "support-leads" in text
    assert client.get("/").status_code == 403
    assert client.get("/lookups/").status_code == 200


def test_the_no_access_page_reads_in_chinese(client, sso):
    bo = person("bo", groups=[])
    sso.set_people([bo])
    sign_in(client, sso, bo)

    text = page_text(client.get("/accounts/sso/no-access/", HTTP_ACCEPT_LANGUAGE="zh-CN"))

    assert "您已登录，但还没有访问权限" in text


def test_a_group_claim_nested_in_another_claim_is_read(client, sso, settings):
    settings.OIDC_GROUPS_CLAIM = "realm_access.roles"
    settings.OIDC_RP_SCOPES = "openid email profile roles"
    mei = person("mei", groups=["support-leads"])
    mei.claims["realm_access"] = {"roles": ["support-staff"]}
    sso.set_people([mei])

    sign_in(client, sso, mei)

    assert groups_of("mei") == {"Support staff"}


def test_the_same_subject_keeps_its_account_when_its_username_changes(client, sso):
    mei = person("mei", groups=["support-staff"])
    sso.set_people([mei])
    sign_in(client, sso, mei)
    client.logout()

    mei.claims["preferred_username"] = "mei.wang"
    sso.set_people([mei])
    sign_in(client, sso, mei)

    assert list(User.objects.values_list("username", flat=True)) == ["mei"]
    assert client.session["_auth_user_id"] == str(User.objects.get(username="mei").pk)


def test_a_local_account_with_the_same_name_is_never_taken_over(client, sso, superuser):
    impostor = person("Root", groups=["support-leads"], email="root@example.com")
    sso.set_people([impostor])

    response = sign_in(client, sso, impostor)

    assert response.status_code == 403
    assert "already has an account named “Root”" in page_text(response)
    assert "_auth_user_id" not in client.session
    assert not SsoIdentity.objects.exists()
    assert not superuser.groups.exists()


def test_a_username_the_provider_does_not_send_refuses_the_sign_in(client, sso, settings):
    settings.OIDC_USERNAME_CLAIM = "employee_id"
    mei = person("mei", groups=["support-staff"])
    sso.set_people([mei])

    response = sign_in(client, sso, mei)

    assert response.status_code == 403
    assert "did not tell SupportDesk a usable username (the “employee_id” claim)" in page_text(
        response
    )
    assert not User.objects.filter(username="mei").exists()


def test_a_deactivated_person_cannot_sign_in_and_loses_their_session(client, sso):
    mei = person("mei", groups=["support-staff"])
    sso.set_people([mei])
    sign_in(client, sso, mei)
    User.objects.filter(username="mei").update(is_active=False)

    assert client.get("/").status_code == 302  # the session no longer signs anyone in
    response = sign_in(client, sso, mei)

    assert response.status_code == 403
    assert client.get("/").status_code == 302


def test_the_provider_saying_no_shows_the_failed_page(client, sso):
    sent = start(client)
    state = parse_qs(urlsplit(sent["Location"]).query)["state"][0]

    response = client.get("/accounts/sso/callback/", {"error": "access_denied", "state": state})

    assert response.status_code == 403
    assert "Sign-in with Example SSO did not complete" in page_text(response)


def test_an_answer_for_another_sign_in_attempt_is_refused(client, sso):
    mei = person("mei", groups=["support-staff"])
    sso.set_people([mei])
    start(client)

    response = client.get("/accounts/sso/callback/", {"code": "abc", "state": "not-ours"})

    assert response.status_code == 403
    assert "Sign-in with Example SSO did not complete" in page_text(response)
    assert "_auth_user_id" not in client.session


def test_a_code_used_twice_is_refused_by_the_provider(client, sso):
    mei = person("mei", groups=["support-staff"])
    sso.set_people([mei])
    sign_in(client, sso, mei)
    client.logout()

    # The provider's answer to a code it already exchanged: a failed page, not an error.
    sent = start(client)
    back = at_provider(requests.Session(), sent["Location"], mei)
    parts = urlsplit(back.headers["Location"])
    query = parse_qs(parts.query)
    assert client.get(parts.path, query)["Location"] == "/"
    client.logout()
    session = client.session
    session["oidc_states"] = {query["state"][0]: {"nonce": "x", "code_verifier": "y" * 64}}
    session.save()

    response = client.get(parts.path, query)

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_provider_being_down_shows_a_clear_page_and_break_glass_still_works(
    client, sso, settings, superuser
):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens on the discard port

    response = start(client)

    assert response.status_code == 503
    text = page_text(response)
    assert "Example SSO is not answering" in text
    assert "Administrators can still sign in with their SupportDesk password" in text
    signed_in = client.post("/accounts/login/", {"username": "root", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.session[SESSION_KEY] == SignInMethod.LOCAL


def test_the_provider_stopping_between_start_and_callback_shows_the_same_page(client, sso):
    mei = person("mei", groups=["support-staff"])
    sso.set_people([mei])
    sent = start(client)
    back = at_provider(requests.Session(), sent["Location"], mei)
    sso.stop()
    try:
        parts = urlsplit(back.headers["Location"])
        response = client.get(parts.path, parse_qs(parts.query))
    finally:
        sso.start()

    assert response.status_code == 503
    assert "_auth_user_id" not in client.session


def test_the_company_sign_in_pages_are_absent_while_it_is_off(client, db):
    assert client.get("/accounts/sso/start/").status_code == 404
    assert client.get("/accounts/sso/callback/?code=x&state=y").status_code == 404
    assert "Sign in with" not in client.get("/accounts/login/").content.decode()
