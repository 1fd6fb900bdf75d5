"""A person's own time zone: picked on the settings page, followed by every page and the admin."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User

from devices.models import Lookup, Profile
from devices.preferences import TimeZoneMiddleware, zone_names
from tests.conftest import PASSWORD
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

# 2025-03-10 04:00 UTC: 12:00 in Shanghai, 09:30 in Kolkata (UTC+5:30 all year).
AT = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)


@pytest.fixture
def looked_up(staff) -> Lookup:
    row = Lookup.objects.create(
        user=staff, username="staff", kind="sn", value="876ABCDEF0347", outcome="ok"
    )
    Lookup.objects.filter(pk=row.pk).update(created_at=AT)
    return row


def choose(client, zone: str):
    return client.post("/settings/", {"time_zone": zone})


def test_times_are_in_the_sites_zone_until_a_person_picks_theirs(client, staff, looked_up):
    client.force_login(staff)
    text = page_text(client.get("/lookups/"))
    assert "2025-03-10 12:00 UTC+8" in text
    assert "Times are in Asia/Shanghai (UTC+8)." in text
    assert "selected>Asia/Shanghai (UTC+8)</option>" in client.get("/settings/").content.decode()


def test_a_person_in_another_zone_sees_every_time_in_it(client, staff, looked_up):
    client.force_login(staff)

    response = choose(client, "Asia/Kolkata")

    assert response.status_code == 302
    assert Profile.objects.get(user=staff).time_zone == "Asia/Kolkata"
    text = page_text(client.get(response["Location"]))
    assert "Times are in Asia/Kolkata (UTC+5:30)." in text  # the confirmation and the footer
    lookups = page_text(client.get("/lookups/"))
    assert "2025-03-10 09:30 UTC+5:30" in lookups
    assert "12:00 UTC+8" not in lookups


def test_the_admin_follows_the_persons_zone(client, lead):
    row = Lookup.objects.create(
        user=lead, username="lead", kind="sn", value="876ABCDEF0347", outcome="ok"
    )
    Lookup.objects.filter(pk=row.pk).update(created_at=AT)
    client.force_login(lead)
    choose(client, "Asia/Kolkata")

    listing = page_text(client.get("/admin/devices/lookup/"))

    # The audit list shows "when" as date and time in the reader's zone (noon in Shanghai).
    assert "2025-03-10 09:30" in listing
    assert "12:00" not in listing


def test_the_zone_follows_the_person_to_a_new_sign_in(client, staff, looked_up):
    Profile.objects.create(user=staff, time_zone="Asia/Kolkata")

    client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})

    assert "2025-03-10 09:30 UTC+5:30" in page_text(client.get("/lookups/"))


def test_choosing_the_sites_zone_is_the_same_as_none(client, staff):
    client.force_login(staff)
    choose(client, "Asia/Kolkata")
    choose(client, "Asia/Shanghai")
    assert Profile.objects.get(user=staff).time_zone == ""


def test_an_unknown_zone_is_refused_with_a_reason(client, staff):
    client.force_login(staff)
    response = choose(client, "Mars/Olympus_Mons")
    assert response.status_code == 200
    assert "Choose one of the listed time zones." in page_text(response)
    assert not Profile.objects.filter(user=staff).exists()


def test_one_persons_zone_is_not_anothers(client, staff, looked_up):
    client.force_login(staff)
    choose(client, "Asia/Kolkata")
    other = User.objects.create_user("mei", password=PASSWORD)
    Lookup.objects.filter(pk=looked_up.pk).update(user=other, username="mei")

    client.force_login(other)

    assert "2025-03-10 12:00 UTC+8" in page_text(client.get("/lookups/"))


def test_the_page_is_linked_from_the_header_and_reads_in_chinese(client, outsider):
    client.force_login(outsider)
    assert 'href="/settings/"' in client.get("/lookups/").content.decode()
    text = page_text(client.get("/settings/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "页面和管理后台中的所有时间都按此时区显示。" in text


def test_it_needs_a_login(client):
    response = client.get("/settings/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_zone_list_holds_real_regions_only():
    names = zone_names()
    assert "Asia/Shanghai" in names and "Europe/Berlin" in names
    assert not any(name.startswith("Etc/") or "/" not in name for name in names)


def test_a_zone_no_longer_known_falls_back_to_the_sites(rf, staff):
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    request = rf.get("/")
    request.user = staff
    request.session = SessionStore()
    request.session["time_zone"] = [staff.pk, "Gone/Away"]
    seen = []

    TimeZoneMiddleware(lambda r: seen.append(timezone.get_current_timezone_name()))(request)

    assert seen == ["Asia/Shanghai"]
