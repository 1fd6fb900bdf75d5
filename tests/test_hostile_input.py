"""Hostile input (issue 14): other digit scripts, format characters, values that do not fit the
audit log's columns, the search box's share of the per-person limit, and refused attempts
folded into one row."""

import csv
import io

import pytest
from django.urls import reverse

from devices import gwell, services
from devices.audit import AuditContext, auditable
from devices.forms import normalise, normalise_reason
from devices.models import Lookup
from devices.sandbox.data import device_by_key
from tests.helpers import vendor_requests

pytestmark = pytest.mark.django_db

USER_ID = "-9223371981234556044"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("-९२२३३७१९८१२३४५५६०४४", USER_ID),  # Devanagari
        ("٣٤٣٥١٧٨٢٠٣٩٤٤", "3435178203944"),  # Arabic-Indic
        ("۳۴۳۵۱۷۸۲۰۳۹۴۴", "3435178203944"),  # Extended Arabic-Indic (Persian)
        ("৩৪৩৫১৭৮২০৩৯৪৪", "3435178203944"),  # Bengali
    ],
)
def test_digits_of_any_script_become_ascii_digits(typed, expected):
    assert normalise(typed) == expected


def test_a_device_id_in_arabic_indic_digits_is_sent_and_stored_in_ascii(staff_client, sandbox):
    dev_id = str(device_by_key("online-wifi-mains").dev_id)
    arabic = "".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in dev_id)

    response = staff_client.post("/", {"q": arabic, "kind": "detect"}, follow=True)

    assert response.redirect_chain == [(f"/devices/id/{dev_id}/", 302)]
    assert Lookup.objects.get().value == dev_id


@pytest.mark.parametrize("mark", ["\u202e", "\u202d", "\u2066", "\u200f", "\u200b", "\ufeff"])
def test_bidi_and_other_format_characters_leave_free_text(mark):
    assert normalise_reason(f"T-1{mark} refund{mark}") == "T-1 refund"
    assert auditable(f"T-1{mark}2", 20) == "T-12"


def test_a_reason_with_a_bidi_override_is_stored_without_it(staff_client, sandbox):
    sn = device_by_key("online-wifi-mains").sn
    staff_client.get(f"/devices/sn/{sn}/", {"reason": "T-7\u202egnp.exe"})

    assert Lookup.objects.get().reason == "T-7gnp.exe"


@pytest.mark.parametrize(
    "error",
    [
        gwell.VendorRefused(code=99999999999, vendor_message="huge", request_id="r-1"),
        gwell.VendorRefused(code=-(2**40), vendor_message="tiny", request_id="r-2"),
        gwell.VendorRefused(code=10500, vendor_message="long", request_id="x" * 150),
        gwell.VendorRefused(code=10500, vendor_message="nul\x00here", request_id="a\x00b"),
        gwell.VendorRefused(code=10500, vendor_message="line\nforged", request_id="c\nd"),
    ],
    ids=["huge code", "negative code", "long requestId", "NUL", "newline"],
)
def test_vendor_values_that_do_not_fit_the_columns_are_fitted_not_a_crash(
    staff, credential, monkeypatch, error
):
    def refusing_client(credential):
        class Client:
            def device_info(self, **kwargs):
                raise error

        return Client()

    monkeypatch.setattr(services, "vendor_client", refusing_client)

    result = services.lookup_device(audit=AuditContext(user=staff), kind="sn", value="876A")

    row = Lookup.objects.get()
    assert row.outcome == "vendor_error"
    assert result.error is error
    assert len(row.request_id) <= 100
    assert "\x00" not in row.request_id + row.vendor_message
    assert "\n" not in row.request_id + row.vendor_message
    if error.code is not None and abs(error.code) > 2**31:
        assert row.vendor_code is None
        assert f"(vendor code {error.code})" in row.vendor_message
    else:
        assert row.vendor_code == error.code


class TestTheSearchBoxSharesThePerPersonLimit:
    def test_bad_searches_count_against_the_limit_and_then_are_refused(
        self, staff_client, settings
    ):
        settings.LOOKUP_USER_RATE = "3/m"
        for _ in range(3):
            assert staff_client.post("/", {"q": "!!", "kind": "detect"}).status_code == 200

        response = staff_client.post("/", {"q": "!!", "kind": "detect"})

        assert response.status_code == 429
        assert Lookup.objects.filter(outcome="invalid_input").count() == 3
        assert Lookup.objects.filter(outcome="rate_limited").count() == 1

    def test_a_good_search_is_counted_once_by_the_page_it_opens(
        self, staff_client, sandbox, settings
    ):
        settings.LOOKUP_USER_RATE = "2/m"
        sn = device_by_key("online-wifi-mains").sn

        first = staff_client.post("/", {"q": sn, "kind": "detect"}, follow=True)
        second = staff_client.post("/", {"q": sn, "kind": "detect"}, follow=True)

        assert [first.status_code, second.status_code] == [200, 200]

    def test_repeated_attempts_over_the_limit_make_one_row_with_a_count(
        self, staff_client, sandbox, settings
    ):
        settings.LOOKUP_USER_RATE = "1/h"  # an hour: no window edge inside the test
        sn = device_by_key("online-wifi-mains").sn
        staff_client.get(f"/devices/sn/{sn}/")

        for _ in range(5):
            assert staff_client.get(f"/devices/sn/{sn}/").status_code == 429
        for _ in range(3):
            assert staff_client.post("/", {"q": sn, "kind": "detect"}).status_code == 429

        refused = Lookup.objects.get(outcome="rate_limited")
        assert refused.attempts == 8
        assert vendor_requests(sandbox) == 1

    def test_the_fold_is_per_person(self, client, staff, lead, credential, settings):
        settings.LOOKUP_USER_RATE = "1/h"  # an hour: no window edge inside the test
        for person in (staff, lead):
            client.force_login(person)
            for _ in range(3):  # one bad search, then two refused by the limit
                client.post("/", {"q": "!!"})

        rows = Lookup.objects.filter(outcome="rate_limited").order_by("username")
        assert [(row.username, row.attempts) for row in rows] == [("lead", 2), ("staff", 2)]


def test_a_vendor_retry_after_of_years_pauses_everyone_for_a_minute_at_most(
    staff, credential, monkeypatch
):
    paused = []
    monkeypatch.setattr(
        services.get_limiter(), "pause", lambda key, seconds: paused.append(seconds)
    )

    def rate_limited_client(credential):
        class Client:
            def device_info(self, **kwargs):
                raise gwell.VendorRateLimited(retry_after=99999999999.0)

        return Client()

    monkeypatch.setattr(services, "vendor_client", rate_limited_client)

    result = services.lookup_device(audit=AuditContext(user=staff), kind="sn", value="876A")

    assert paused == [services.MAX_PAUSE_SECONDS]
    assert result.retry_after == services.MAX_PAUSE_SECONDS


def test_the_export_counts_the_attempts_a_refused_row_stands_for(client, lead, settings):
    settings.LOOKUP_USER_RATE = "1/h"  # an hour: no window edge inside the test
    client.force_login(lead)
    for _ in range(4):  # one bad search, then three refused by the limit
        client.post("/", {"q": "!!"})

    export = client.get(reverse("admin:devices_lookup_export"))

    header, *rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    counted = [dict(zip(header, row, strict=True)) for row in rows]
    assert sorted((row["outcome"], row["attempts"]) for row in counted) == [
        ("invalid_input", "1"),
        ("rate_limited", "3"),
    ]
