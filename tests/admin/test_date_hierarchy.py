"""The audit log's date links: Django's date hierarchy without its DISTINCT over every row."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devices.models import Lookup
from tests.admin.audit import CHANGELIST, make_lookup


class TestDateHierarchy:
    """The same links as Django's date hierarchy tag, without its DISTINCT over every row."""

    @pytest.fixture
    def spread(self, lead):
        zone = timezone.get_current_timezone()
        times = [
            datetime(2025, 3, 15, 9, 30, tzinfo=zone),
            datetime(2025, 3, 15, 23, 59, tzinfo=zone),  # still the 15th in local time
            datetime(2025, 3, 20, 0, 1, tzinfo=zone),
            datetime(2025, 5, 2, 12, 0, tzinfo=zone),
            datetime(2026, 1, 10, 8, 0, tzinfo=zone),
        ]
        for moment in times:
            row = make_lookup(lead)
            Lookup.objects.filter(pk=row.pk).update(created_at=moment)

    @pytest.mark.parametrize(
        "params",
        [
            {},
            {"created_at__year": "2025"},
            {"created_at__year": "2025", "created_at__month": "3"},
            {"created_at__year": "2025", "created_at__month": "3", "created_at__day": "15"},
            {"q": "876ABCDEF0347", "created_at__year": "2026"},
            {"q": "no-such-value"},
        ],
    )
    def test_it_shows_what_djangos_tag_would(self, client, lead, spread, params):
        client.force_login(lead)
        response = client.get(CHANGELIST, params)
        changelist = response.context["cl"]
        assert response.context["date_links"] == django_date_hierarchy(changelist)

    @pytest.mark.parametrize(
        "params",
        [
            {"created_at__month": "3"},
            {"created_at__day": "5"},
            {"created_at__year": "2025", "created_at__day": "5"},
            {"created_at__year": "2025", "created_at__month": "2", "created_at__day": "31"},
            {"created_at__year": "x"},
        ],
    )
    def test_a_partial_or_impossible_date_in_the_url_is_not_an_error(
        self, client, lead, spread, params
    ):
        client.force_login(lead)

        response = client.get(CHANGELIST, params)

        assert response.status_code in (200, 302)

    def test_a_single_month_opens_on_its_days(self, client, lead):
        make_lookup(lead)
        client.force_login(lead)
        links = client.get(CHANGELIST).context["date_links"]
        assert links["back"]["title"] == str(timezone.localdate().year)
        assert len(links["choices"]) == 1

    def test_the_links_are_on_the_page(self, client, lead, spread):
        client.force_login(lead)
        html = client.get(CHANGELIST, {"created_at__year": "2025"}).content.decode()
        assert "?created_at__month=3&amp;created_at__year=2025" in html
        assert "?created_at__month=5&amp;created_at__year=2025" in html

    def test_no_query_reads_every_row_for_distinct_dates(self, client, lead, spread):
        client.force_login(lead)
        for params in (
            {},
            {"created_at__year": "2025"},
            {"created_at__year": "2025", "created_at__month": "3"},
        ):
            with CaptureQueriesContext(connection) as queries:
                client.get(CHANGELIST, params)
            assert not [q for q in queries if "DISTINCT" in q["sql"].upper()], params


def django_date_hierarchy(changelist) -> dict:
    from django.contrib.admin.templatetags.admin_list import date_hierarchy

    return date_hierarchy(changelist)
