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
    # Session, user, their permissions (two: the top bar's links depend on them) and the
    # lookups themselves: the same for 1 row as for 30.
    with django_assert_num_queries(5):
        response = client.get("/lookups/")
    assert response.content.decode().count('href="/devices/sn/876ROW') == count


# A verdict per row.


def test_a_device_lookup_keeps_its_verdict_in_every_language(staff_client, staff):
    from tests.helpers import sn_url, verdict_text

    page = staff_client.get(sn_url("sim-expired"))

    row = Lookup.objects.get(endpoint="devInfo")  # the owner's list has a row of its own
    assert row.verdict["tone"] == "bad"
    assert row.verdict["text"]["en"] == verdict_text(page)
    assert row.verdict["text"]["zh-hans"] == "已离线 20 天；4G 流量套餐已于 20 天前到期"
    english = staff_client.get("/lookups/").content.decode()
    chinese = staff_client.get("/lookups/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'<span class="row-verdict verdict-bad">{verdict_text(page)}</span>' in english
    assert "已离线 20 天；4G 流量套餐已于 20 天前到期" in chinese


def test_a_user_lookup_keeps_the_summary_of_the_account(staff_client):
    from devices.sandbox.data import devices_of_user
    from tests.helpers import verdict_text

    page = staff_client.get(f"/users/{FAMILY}/devices/")

    row = Lookup.objects.get()
    count = len(devices_of_user(FAMILY))
    assert row.verdict["text"]["en"] == verdict_text(page)
    assert row.verdict["text"]["en"].startswith(f"{count} devices")
    assert row.verdict["text"]["zh-hans"].startswith(f"共 {count} 台设备")


def test_a_failed_lookup_says_what_went_wrong(client, staff):
    make_lookup(staff, minutes_ago=2, outcome="unavailable")
    make_lookup(staff, minutes_ago=1, outcome="unavailable", source="last_good", value="876B")
    client.force_login(staff)
    text = " ".join(client.get("/lookups/").content.decode().split())
    assert "The vendor was not answering." in text
    assert "The vendor was not answering; its last good answer was shown." in text


# Repeats folded.


def test_consecutive_repeats_of_one_lookup_fold_into_one_row(client, staff):
    make_lookup(staff, minutes_ago=30, value="876OTHER00001")
    for minutes in (20, 10, 5):
        make_lookup(staff, minutes_ago=minutes)
    client.force_login(staff)
    content = client.get("/lookups/").content.decode()
    assert content.count('href="/devices/sn/876ABCDEF0347/') == 1
    assert content.count("<tr>") == 1 + 2  # the header and two rows
    assert "3 times, first 20 minutes ago" in content


def test_repeats_apart_or_with_another_outcome_are_not_folded(client, staff):
    make_lookup(staff, minutes_ago=30)
    make_lookup(staff, minutes_ago=20, value="876OTHER00001")
    make_lookup(staff, minutes_ago=10)
    make_lookup(staff, minutes_ago=5, outcome="unavailable")
    client.force_login(staff)
    content = client.get("/lookups/").content.decode()
    assert content.count('href="/devices/sn/876ABCDEF0347/') == 3
    assert " times, first " not in content


# Search.


@pytest.mark.parametrize(
    "typed", ["876abcdef", "ＡＢＣＤＥＦ０３４７", "ticket-77", "TICKET-77", "-92233719"]
)
def test_search_finds_a_lookup_by_value_ticket_or_owner_in_any_case(client, staff, typed):
    make_lookup(staff, minutes_ago=3, reason="Ticket-77", owner_id="-9223371981234556044")
    make_lookup(staff, minutes_ago=2, value="876ZZZZZZ0001")
    client.force_login(staff)
    content = client.get("/lookups/", {"q": typed}).content.decode()
    assert 'href="/devices/sn/876ABCDEF0347/' in content
    assert "876ZZZZZZ0001" not in content


def test_a_search_that_finds_nothing_says_so(client, staff):
    make_lookup(staff)
    client.force_login(staff)
    text = " ".join(client.get("/lookups/", {"q": "nothing-like-it"}).content.decode().split())
    assert "None of your lookups matches “nothing-like-it”." in text


def test_search_never_finds_someone_elses_lookups(client, staff, lead):
    make_lookup(lead, value="876LEADS00001", reason="T-1")
    client.force_login(staff)
    assert "876LEADS00001" not in client.get("/lookups/", {"q": "T-1"}).content.decode()


# Paging past 50.


def _rows_on(content: str) -> list[str]:
    import re

    return re.findall(r'href="/devices/sn/(876ROW\d+)/', content)


def test_it_pages_past_fifty(client, staff):
    for index in range(60):
        make_lookup(staff, minutes_ago=index, value=f"876ROW{index:07d}")
    client.force_login(staff)

    first = client.get("/lookups/").content.decode()
    assert _rows_on(first) == [f"876ROW{index:07d}" for index in range(50)]
    newest = Lookup.objects.get(value="876ROW0000049")
    assert f'href="/lookups/?before={newest.pk}" rel="next"' in first
    assert "← Newest" not in first

    second = client.get("/lookups/", {"before": newest.pk}).content.decode()
    assert _rows_on(second) == [f"876ROW{index:07d}" for index in range(50, 60)]
    assert 'rel="next"' not in second
    assert 'href="/lookups/">← Newest</a>' in second


def test_a_run_of_repeats_is_never_split_across_pages(client, staff):
    for index in range(49):
        make_lookup(staff, minutes_ago=index, value=f"876ROW{index:07d}")
    for index in range(49, 55):
        make_lookup(staff, minutes_ago=index, value="876ROW0000049")
    make_lookup(staff, minutes_ago=60, value="876ROW0000060")
    client.force_login(staff)

    first = client.get("/lookups/").content.decode()
    assert _rows_on(first)[-1] == "876ROW0000049"
    assert "6 times, first " in first
    oldest_repeat = Lookup.objects.filter(value="876ROW0000049").order_by("created_at").first()
    assert f"before={oldest_repeat.pk}" in first
    second = client.get("/lookups/", {"before": oldest_repeat.pk}).content.decode()
    assert _rows_on(second) == ["876ROW0000060"]


def test_paging_keeps_the_search(client, staff):
    for index in range(55):
        make_lookup(staff, minutes_ago=index, value=f"876ROW{index:07d}", reason="T-9")
    client.force_login(staff)
    content = client.get("/lookups/", {"q": "t-9"}).content.decode()
    last = Lookup.objects.get(value="876ROW0000049")
    assert f'href="/lookups/?q=t-9&amp;before={last.pk}"' in content
    second = client.get("/lookups/", {"q": "t-9", "before": last.pk}).content.decode()
    assert len(_rows_on(second)) == 5


@pytest.mark.parametrize("before", ["abc", "-1", "99999999999999999999999"])
def test_a_broken_page_link_shows_the_newest(client, staff, before):
    make_lookup(staff, value="876ROW0000001")
    client.force_login(staff)
    response = client.get("/lookups/", {"before": before})
    assert response.status_code == 200
    assert _rows_on(response.content.decode()) == ["876ROW0000001"]


def test_a_page_link_to_someone_elses_lookup_shows_my_newest(client, staff, lead):
    theirs = make_lookup(lead, value="876LEADS00001")
    make_lookup(staff, value="876ROW0000001")
    client.force_login(staff)
    content = client.get("/lookups/", {"before": theirs.pk}).content.decode()
    assert _rows_on(content) == ["876ROW0000001"]
