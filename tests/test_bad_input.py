"""Bad input, generated: a validation message or a 404, never a 500, never echoed unescaped.

Covers the search form and every URL parameter of the lookup pages. The vendor behind them is
the sandbox over a socket, so inputs that look valid really travel to it.
"""

from urllib.parse import quote, urlencode

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.models import Lookup

NASTY = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "'; DROP TABLE devices_lookup; --",
    "A" * 10_000,
    str(2**64),
    str(-(2**70)),
    "-9223372036854775809",
    "\x00",
    "abc\x00def",
    "\r\nSet-Cookie: x=1",
    "１２３４５６７８９０１２３",
    "８７６ＡＢＣＤＥＦ０３４７",
    "../../etc/passwd",
    "%00",
    "\u202e\u200b",
    "😀" * 50,
    " ",
    "",
]

inputs = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OK_STATUSES = {200, 302, 400, 404, 429, 502, 503}


@pytest.fixture(autouse=True)
def no_per_person_limit(settings):
    # Each generated example is a request; the per-person limit is not what is under test here.
    settings.LOOKUP_USER_RATE = "100000/m"


def assert_safe(response, value: str) -> None:
    assert response.status_code in OK_STATUSES, response.status_code
    if any(c in value for c in "<>\"'") and len(value) > 3:
        assert value not in response.content.decode(errors="replace")


@SETTINGS
@given(q=inputs, kind=st.sampled_from(["", "detect", "sn", "dev_id", "user", "nonsense"]))
def test_the_search_form_answers_bad_input_with_a_message(staff_client, q, kind):
    response = staff_client.post(reverse("search"), {"q": q, "kind": kind, "reason": q[:500]})
    assert_safe(response, q)


@SETTINGS
@given(value=inputs, route=st.sampled_from(["device_by_sn", "device_by_id", "user_devices"]))
def test_lookup_urls_answer_bad_identifiers_without_a_server_error(staff_client, value, route):
    if not value.strip("/") or "/" in value:
        return  # such a path never reaches the view: the URL pattern answers 404 by itself
    path = reverse(route, args=["PLACEHOLDER"]).replace("PLACEHOLDER", quote(value, safe=""))
    response = staff_client.get(path)
    assert_safe(response, value)


PAGES = [
    reverse("device_by_sn", args=["876ABCDEF0347"]),
    reverse("device_by_id", args=["1234567890123"]),
    reverse("user_devices", args=["-9223371981234556044"]),
]


@SETTINGS
@given(
    page=st.sampled_from(PAGES),
    access_id=inputs,
    credential=inputs,
    refresh=st.sampled_from(["1", "0", "yes", "", "２", "<b>"]),
    reason=inputs,
)
def test_lookup_query_parameters_answer_bad_input_without_a_server_error(
    staff_client, page, access_id, credential, refresh, reason
):
    query = urlencode(
        {"access_id": access_id, "credential": credential, "refresh": refresh, "reason": reason}
    )
    response = staff_client.get(page + "?" + query)
    assert_safe(response, access_id)
    assert_safe(response, credential)
    assert_safe(response, reason)


def test_every_refused_input_is_audited(staff_client):
    staff_client.post(reverse("search"), {"q": "<script>", "kind": "dev_id"})

    row = Lookup.objects.get()

    assert row.outcome == "invalid_input"
    assert row.value == "<script>"
