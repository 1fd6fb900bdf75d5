"""Helpers for the view tests (no tests here): sandbox device pages, faults, a page's words.

Fixtures (people, the sandbox, the signed-in `staff_client`) are in conftest.py.
"""

import html
import re
from urllib.parse import urlencode

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from devices.sandbox import FaultPlan
from devices.sandbox.data import device_by_key


def sn_url(key: str, **query: str) -> str:
    """The device page of a sandbox device, by its case key ("sim-expired")."""
    url = f"/devices/sn/{device_by_key(key).sn}/"
    return url + (f"?{urlencode(query)}" if query else "")


def id_url(key: str, **query: str) -> str:
    url = f"/devices/id/{device_by_key(key).dev_id}/"
    return url + (f"?{urlencode(query)}" if query else "")


def inject(sandbox, mode: str, **options) -> None:
    """Make the sandbox misbehave for the rest of the test (the fixture clears it after)."""
    sandbox.vendor.set_faults(FaultPlan(mode=mode, **options))


def vendor_requests(sandbox) -> int:
    return sandbox.vendor.stats()["requests"]


def words(markup: str) -> str:
    """The words of an HTML fragment without its tags, one space between them."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def page_text(response) -> str:
    """The page's words without tags, one space between them."""
    return words(response.content.decode())


def verdict_text(response) -> str:
    """The page's one-sentence verdict (a device's, or the summary of a user's devices)."""
    # The device page's verdict is its h1; the user's page summary a paragraph.
    match = re.search(
        r'<(h1|p)[^>]*class="verdict-text"[^>]*>(.*?)</\1>', response.content.decode(), re.S
    )
    assert match, "no verdict on the page"
    return match.group(2).strip()


def sign_in_verified(client, user) -> TOTPDevice:
    """Sign in with a local password and a verified second factor (TOTP), as the admin's
    credential and people pages ask of a superuser (devices.twofactor)."""
    client.force_login(user)
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="authenticator", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
