"""The audit log's paginator: exact counts for small lists, the planner's estimate for huge ones."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from devices.admin import paging
from devices.models import Lookup
from tests.admin.audit import CHANGELIST


class TestCounting:
    """Exact counts for small lists, the planner's estimate for huge ones (PostgreSQL)."""

    def paginator(self):
        return paging.EstimatedCountPaginator(Lookup.objects.all(), 50)

    def test_a_small_list_is_counted_exactly(self, rows):
        assert self.paginator().count == len(rows)

    def test_a_huge_list_takes_the_estimate_without_counting(self, rows, monkeypatch):
        monkeypatch.setattr(paging, "planner_row_estimate", lambda queryset: 2_000_000)
        with CaptureQueriesContext(connection) as queries:
            assert self.paginator().count == 2_000_000
        assert not [q for q in queries if "COUNT(" in q["sql"].upper()]

    def test_an_estimate_under_the_threshold_is_checked_by_counting(self, rows, monkeypatch):
        monkeypatch.setattr(paging, "planner_row_estimate", lambda queryset: 90_000)
        assert self.paginator().count == len(rows)

    def test_the_changelist_uses_it(self, client, lead, rows, monkeypatch):
        monkeypatch.setattr(paging, "planner_row_estimate", lambda queryset: 1_234_567)
        client.force_login(lead)
        assert client.get(CHANGELIST).context["cl"].result_count == 1_234_567

    def test_the_planner_estimate_is_read_on_postgresql_only(self, rows):
        estimate = paging.planner_row_estimate(Lookup.objects.filter(kind="sn"))
        if connection.vendor == "postgresql":
            assert isinstance(estimate, int)
            assert estimate >= 1
        else:
            assert estimate is None

    def test_a_filter_that_can_match_nothing_is_estimated_at_zero_on_postgresql(self, rows):
        beyond_the_column = Lookup.objects.filter(pk=99999999999999999999)
        estimate = paging.planner_row_estimate(beyond_the_column)
        assert estimate == (0 if connection.vendor == "postgresql" else None)
        assert paging.EstimatedCountPaginator(beyond_the_column, 50).count == 0
