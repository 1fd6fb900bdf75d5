"""The vendor budget meter: an admin page for superusers and leads."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from devices import ratelimit
from devices.admin.meter import meter_panel
from devices.models import Credential
from tests.helpers import sign_in_verified

METER = reverse("admin:devices_credential_meter")


@pytest.fixture
def regions(db) -> list[Credential]:
    return [
        Credential.objects.create(
            name=name,
            region=name.upper(),
            base_url="https://x.example",
            app_id=f"app-{name}",
            app_token="t",
            app_key="k",
            enabled=enabled,
        )
        for name, enabled in (("cn", True), ("eu", True), ("old", False))
    ]


def test_it_renders_for_a_superuser_with_a_panel_per_enabled_credential(client, superuser, regions):
    sign_in_verified(client, superuser)
    response = client.get(METER)
    assert response.status_code == 200
    names = [panel.credential.name for panel in response.context["panels"]]
    assert names == ["cn", "eu"]


def test_it_renders_for_a_lead(client, lead, regions):
    client.force_login(lead)
    assert client.get(METER).status_code == 200


def test_support_staff_and_outsiders_are_sent_to_the_login(client, staff, outsider):
    for person in (staff, outsider):
        client.force_login(person)
        response = client.get(METER)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_an_admin_user_who_is_not_a_lead_is_refused(client, staff):
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get(METER).status_code == 403


def test_leads_find_the_meter_from_the_audit_log_and_others_do_not(client, lead, staff):
    changelist = reverse("admin:devices_lookup_changelist")
    client.force_login(lead)
    assert METER in client.get(changelist).content.decode()
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(Permission.objects.get(codename="view_lookup"))
    client.force_login(staff)
    response = client.get(changelist)
    assert response.status_code == 200
    assert METER not in response.content.decode()


def test_it_shows_what_the_limiter_admitted(client, superuser, regions):
    for _ in range(3):
        ratelimit.acquire_vendor_slot("app-cn")()  # a call admitted, then over
    sign_in_verified(client, superuser)
    response = client.get(METER)
    cn, eu = response.context["panels"]
    assert cn.total_calls == 3
    assert cn.peak in (2, 3)  # the three calls may straddle a second boundary
    assert len(cn.bars) in (1, 2)
    assert eu.total_calls == 0
    assert eu.bars == []


def test_the_page_has_no_inline_style_or_script(client, superuser, regions):
    ratelimit.acquire_vendor_slot("app-cn")()
    sign_in_verified(client, superuser)
    html = client.get(METER).content.decode()
    assert "<svg" in html
    assert '<rect class="meter-bar' in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)
    assert "devices/admin-meter.css" in html


def test_a_panel_scales_bars_flags_seconds_over_the_limit_and_drops_old_ones(settings):
    settings.VENDOR_RATE = "10/s"
    now = 1_700_000_000
    credential = Credential(name="cn")
    reading = {
        "calls_per_second": [(now - 400, 10), (now - 299, 5), (now - 1, 10), (now, 12)],
        "wait_p50": 0.0125,
        "wait_p95": 0.9,
        "refusals": 2,
    }
    panel = meter_panel(credential, reading, now)
    assert [bar.calls for bar in panel.bars] == [5, 10, 12]
    assert [bar.over for bar in panel.bars] == [False, False, True]
    assert panel.bars[-1].x == panel.chart_width - panel.bar_width
    assert panel.bars[0].x == 0
    # The scale tops out at 1.5x the limit (15): 10 calls reach two thirds of the height.
    assert panel.limit_y == panel.chart_height - round(10 / 15 * panel.chart_height)
    assert panel.bars[1].y == panel.limit_y
    assert panel.bars[1].time == datetime.fromtimestamp(now - 1, tz=UTC)
    assert (panel.total_calls, panel.peak) == (27, 12)
    assert (panel.wait_p50_ms, panel.wait_p95_ms, panel.refusals) == (12, 900, 2)


def test_a_limiter_store_that_does_not_answer_is_reported_not_a_500(
    client, superuser, regions, monkeypatch
):
    def broken(key, *, minutes=5):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(ratelimit, "meter", broken)
    sign_in_verified(client, superuser)
    response = client.get(METER)
    assert response.status_code == 200
    assert "No reading for cn (CN): the limiter store did not answer" in response.content.decode()


def test_credentials_sharing_an_app_id_are_said_to_share_one_budget(client, superuser, regions):
    Credential.objects.create(
        name="cn-backup",
        base_url="https://y.example",
        app_id="app-cn",
        app_token="t",
        app_key="k",
    )
    sign_in_verified(client, superuser)
    response = client.get(METER)
    sharing = {
        panel.credential.name: panel.shares_budget_with for panel in response.context["panels"]
    }
    assert sharing == {"cn": ["cn-backup"], "cn-backup": ["cn"], "eu": []}
    text = " ".join(response.content.decode().split())
    assert "One budget with cn-backup: the same app id" in text
    assert "One budget with cn: the same app id" in text
    assert text.count("One budget with") == 2


def test_the_meter_refreshes_itself_with_a_script_file(client, superuser, regions):
    sign_in_verified(client, superuser)
    content = client.get(METER).content.decode()
    assert re.search(r'<script src="/static/devices/admin-meter\.js" defer></script>', content)
    assert 'data-refresh-seconds="5"' in content
    assert "This page refreshes itself every 5 seconds." in content
    chinese = client.get(METER, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "每 5 秒自动刷新" in chinese
