"""Company sign-in in a real browser: Chromium, gunicorn and a real OpenID provider process.

The authorization-code flow with PKCE from the sign-in page to the search page and back out
through the provider's logout; someone without a mapped group; the provider down, with the
break-glass superuser signing in by password and setting up two-factor for the credentials.
Screenshots land in var/screenshots/sso-*.png.
"""

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from devices.sandbox.data import device_by_key
from tests.e2e.conftest import ADMIN_USERNAME
from tests.oidc_provider import Person

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}


def someone(login: str, groups: list[str]) -> Person:
    return Person(
        login=login,
        password=f"pw-{login}",
        sub=f"sub-{login}",
        claims={"preferred_username": login, "email": f"{login}@example.com", "groups": groups},
    )


@pytest.fixture
def page(browser, sso_live_app):
    context = browser.new_context(viewport=DESKTOP, locale="en-US", base_url=sso_live_app.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    yield page
    context.close()
    # Our pages only: the provider's pages carry inline scripts our CSP would not allow anyway.
    assert not [p for p in problems if "Content Security Policy" in p], problems


def provider_password_page(page, who: Person) -> None:
    page.get_by_label("Email or username").fill(who.login)
    page.get_by_label("Password").fill(who.password)
    page.get_by_role("button", name="Continue").click()


def test_a_support_person_signs_in_with_the_company_provider_and_out_again(
    page, sso_live_app, screenshots
):
    lin = someone("lin", ["support-staff"])
    sso_live_app.provider.set_people([lin])

    page.goto("/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/$"))
    screenshots(page, "sso-01-sign-in-page")
    page.get_by_role("link", name="Sign in with Example SSO").click()
    page.wait_for_url(re.compile(rf"^{sso_live_app.provider.issuer}/interaction/"))
    provider_password_page(page, lin)
    page.wait_for_url(f"{sso_live_app.url}/")
    expect(page.locator(".who")).to_have_text("lin")
    screenshots(page, "sso-02-signed-in")

    device = device_by_key("online-wifi-mains")
    page.get_by_label("Serial number, device id or user id", exact=True).fill(device.sn)
    page.get_by_role("button", name="Look up").click()
    page.wait_for_url(f"**/devices/sn/{device.sn}/")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(rf"^{sso_live_app.provider.issuer}/session/end"))
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{sso_live_app.url}/accounts/login/")
    page.goto("/")
    page.wait_for_url(re.compile(r"/accounts/login/"))

    # The provider's session ended too: it asks for the password again.
    page.get_by_role("link", name="Sign in with Example SSO").click()
    expect(page.get_by_label("Password")).to_be_visible()


def test_someone_in_no_mapped_group_is_told_whom_to_ask(page, sso_live_app, screenshots):
    bo = someone("bo", ["canteen"])
    sso_live_app.provider.set_people([bo])

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with Example SSO").click()
    provider_password_page(page, bo)

    page.wait_for_url(f"{sso_live_app.url}/accounts/sso/no-access/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You are signed in, but have no access yet"
    )
    expect(page.locator(".next-step")).to_contain_text("Ask the IT helpdesk to add you")
    screenshots(page, "sso-03-no-access")


def test_with_the_provider_down_an_admin_signs_in_by_password_and_sets_up_two_factor(
    page, sso_live_app, screenshots
):
    sso_live_app.provider.stop()
    try:
        page.goto("/accounts/login/")
        page.get_by_role("link", name="Sign in with Example SSO").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Example SSO is not answering")
        screenshots(page, "sso-04-provider-down")

        page.get_by_role("link", name="Back to the sign-in page").click()
        page.get_by_label("Username").fill(ADMIN_USERNAME)
        page.get_by_label("Password", exact=True).fill(sso_live_app.password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(f"{sso_live_app.url}/")

        page.goto("/admin/devices/credential/")
        page.wait_for_url(re.compile(r"/accounts/two-factor/\?next="))
        screenshots(page, "sso-05-two-factor-enrolment")
        secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
        totp = TOTP(b32decode(secret))
        totp.time = time.time()
        page.get_by_label("Code").fill(f"{totp.token():06d}")
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
        screenshots(page, "sso-06-recovery-codes")
        page.get_by_role("link", name="Continue").click()

        page.wait_for_url(f"{sso_live_app.url}/admin/devices/credential/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("vendor credential")
    finally:
        sso_live_app.provider.start()
