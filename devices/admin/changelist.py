"""The audit log's changelist: query strings the database cannot take get Django's `?e=1`.

Django answers a filter it cannot build with a redirect to `?e=1`; some values get past that
and fail later with a 500: NUL (PostgreSQL text cannot hold it), a date-hierarchy year beyond
what a datetime holds, a date before year 1 in UTC (SQLite), a client IP that is not an address
(PostgreSQL), an integer beyond 64 bits in `__in` or `__range` (SQLite). Here they fail before
any query. A number beyond its column's range elsewhere is no error: nothing can match, so the
list is empty.
"""

from __future__ import annotations

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

NUL = "\x00"
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


def has_nul(request: HttpRequest) -> bool:
    """Whether any name or value in the query string carries a NUL character."""
    return any(NUL in text for name, values in request.GET.lists() for text in (name, *values))


class CheckedChangeList(ChangeList):
    """Django's changelist, with every filter value checked before the first query."""

    def get_queryset(self, request: HttpRequest, exclude_parameters=None) -> QuerySet:
        if has_nul(request):
            raise IncorrectLookupParameters("NUL character in the query string")
        try:
            queryset = super().get_queryset(request, exclude_parameters)
        except OverflowError as error:  # Django's date hierarchy catches ValueError only
            raise IncorrectLookupParameters(error) from error
        try:
            # Compiling converts every value for the database, without a query.
            _sql, params = queryset.query.get_compiler(queryset.db).as_sql()
        except EmptyResultSet:
            return queryset
        except (ValueError, OverflowError, ValidationError) as error:
            raise IncorrectLookupParameters(error) from error
        if any(
            isinstance(value, int) and not BIGINT_MIN <= value <= BIGINT_MAX for value in params
        ):
            raise IncorrectLookupParameters("an integer beyond 64 bits")
        return queryset
