"""My lookups: the signed-in person's own trail, newest first, each one re-openable."""

from datetime import timedelta

import pytest
from django.utils import timezone

from devices.models import Lookup
from devices.sandbox.data import FAMILY

pytestmark = pytest.mark.django_db


def make_lookup(user, minutes_ago: int = 0, **fields) -> Lookup:
    defaults = dict(
        user=user,
        username=user.get_username(),
        kind="sn",
        value="876ABCDEF0347",
        outcome="ok",
        credential_name="sandbox",
    )
    row = Lookup.objects.create(**(defaults | fields))
    Lookup.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return row


def test_it_lists_my_lookups_newest_first_with_links_back(client, staff):
    make_lookup(staff, minutes_ago=10, value="876OLDER00001")
    make_lookup(staff, minutes_ago=1, kind="user", value=str(FAMILY), reason="T-5")
    client.force_login(staff)
    response = client.get("/lookups/")
    assert response.status_code == 200
    content = response.content.decode()
    newer = content.index(f'href="/users/{FAMILY}/devices/?credential=sandbox&amp;reason=T-5"')
    older = content.index('href="/devices/sn/876OLDER00001/?credential=sandbox"')
    assert newer < older
    assert "T-5" in content
    assert "1 minute ago" in content


def test_it_shows_the_outcome_and_the_vendors_code_in_the_readers_language(client, staff):
    make_lookup(staff, outcome="not_found", vendor_message="The vendor found no such device")
    make_lookup(staff, outcome="vendor_error", vendor_code=10500, vendor_message="busy")
    client.force_login(staff)
    content = client.get("/lookups/").content.decode()
    chinese = client.get("/lookups/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'class="badge badge-warn">Not found<' in content
    assert "Vendor code 10500" in content
    assert "厂商返回码 10500" in chinese
    assert "The vendor found no such device" not in content


def test_an_invalid_lookup_reopens_the_search_filled_in(client, staff):
    make_lookup(staff, outcome="invalid_input", value="876/ABC")
    client.force_login(staff)
    content = client.get("/lookups/").content.decode()
    assert 'href="/?q=876%2FABC&amp;kind=sn"' in content


def test_it_shows_nobody_elses_lookups(client, staff, lead):
    make_lookup(lead, value="876LEADS00001")
    make_lookup(staff, value="876STAFF00001")
    client.force_login(staff)
    content = client.get("/lookups/").content.decode()
    assert "876STAFF00001" in content
    assert "876LEADS00001" not in content


def test_someone_without_the_lookup_permission_still_sees_their_own_trail(client, outsider):
    client.force_login(outsider)
    response = client.get("/lookups/")
    assert response.status_code == 200
    assert "No lookups yet." in response.content.decode()


def test_it_needs_a_login(client):
    response = client.get("/lookups/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/lookups/")


@pytest.mark.parametrize("count", [1, 30])
def test_the_number_of_queries_does_not_grow_with_the_rows(
    client, staff, count, django_assert_num_queries
):
    for index in range(count):
        make_lookup(staff, minutes_ago=index, value=f"876ROW{index:07d}")
    client.force_login(staff)
    # Session, user, and the lookups themselves: the same for 1 row as for 30.
    with django_assert_num_queries(3):
        response = client.get("/lookups/")
    assert response.content.decode().count('href="/devices/sn/876ROW') == count
