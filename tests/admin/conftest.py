"""Fixtures of the admin tests: a clerk and a few audit rows (people are in tests/conftest.py)."""

import pytest
from django.contrib.auth.models import User

from devices.models import Lookup
from tests.admin.audit import make_lookup, perm


@pytest.fixture
def clerk(db) -> User:
    """In admin, may view lookups but not everyone's, and may not export."""
    user = User.objects.create_user("clerk", "clerk@example.com", "x", is_staff=True)
    user.user_permissions.add(perm("view_lookup"))
    return user


@pytest.fixture
def rows(staff, lead):
    """A few lookups by two people, with different kinds, outcomes and times."""
    return {
        "staff_sn": make_lookup(
            staff, value="876ABCDEF0347", request_id="6029eee2-02a9-4431-99eb-038aefe387ad"
        ),
        "staff_user": make_lookup(
            staff,
            kind=Lookup.Kind.USER,
            value="-9223371981234556044",
            outcome=Lookup.Outcome.NOT_FOUND,
        ),
        "lead_sn": make_lookup(
            lead,
            value="876ABCDEF0347",
            owner_id="-9223371981234500001",
            request_id="91245e99-b5fa-4e19-a7ae-0d5a99ee406c",
        ),
        "lead_prefix": make_lookup(lead, value="876ABC", outcome=Lookup.Outcome.VENDOR_ERROR),
        "lead_old": make_lookup(
            lead, kind=Lookup.Kind.DEVICE_ID, value="3435123453944", days_ago=40
        ),
    }
