"""The audit log in admin: who may see it, read-only, search, filters."""

import pytest
from cryptography.fernet import Fernet
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from devices.admin.lookups import CredentialListFilter
from devices.links import reopen_url
from devices.models import Credential, Lookup
from tests.admin.audit import CHANGELIST, audited, export_rows, make_lookup, shown


class TestWhoSeesTheAuditLog:
    def test_support_staff_and_outsiders_cannot_enter_admin(self, client, staff, outsider):
        for person in (staff, outsider):
            client.force_login(person)
            response = client.get(CHANGELIST)
            assert response.status_code == 302
            assert "login" in response["Location"]

    def test_a_lead_sees_everyones_lookups(self, client, lead, rows):
        client.force_login(lead)
        assert shown(client.get(CHANGELIST)) == {row.pk for row in rows.values()}

    def test_a_superuser_sees_everyones_lookups(self, client, superuser, rows):
        client.force_login(superuser)
        assert shown(client.get(CHANGELIST)) == {row.pk for row in rows.values()}

    def test_view_permission_alone_shows_only_ones_own_lookups(self, client, clerk, rows):
        own = make_lookup(clerk, value="OWN0000000001")
        client.force_login(clerk)
        assert shown(client.get(CHANGELIST)) == {own.pk}

    def test_someone_elses_lookup_is_not_reachable_without_view_all(self, client, clerk, rows):
        client.force_login(clerk)
        response = client.get(reverse("admin:devices_lookup_change", args=[rows["lead_sn"].pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")

    def test_an_is_staff_user_without_view_permission_is_refused(self, client, staff):
        staff.is_staff = True
        staff.save()
        client.force_login(staff)
        assert client.get(CHANGELIST).status_code == 403


class TestTheLogIsReadOnly:
    def test_the_change_view_shows_the_row_without_a_save_button(self, client, lead, rows):
        client.force_login(lead)
        response = client.get(reverse("admin:devices_lookup_change", args=[rows["lead_sn"].pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "91245e99-b5fa-4e19-a7ae-0d5a99ee406c" in html
        assert 'name="_save"' not in html
        assert "deletelink" not in html

    def test_posting_to_the_change_view_is_refused_even_for_a_superuser(
        self, client, superuser, rows
    ):
        client.force_login(superuser)
        row = rows["lead_sn"]
        url = reverse("admin:devices_lookup_change", args=[row.pk])
        response = client.post(url, {"value": "tampered", "outcome": "ok", "kind": "sn"})
        assert response.status_code == 403
        row.refresh_from_db()
        assert row.value == "876ABCDEF0347"

    @pytest.mark.parametrize("view", ["add", "delete"])
    def test_add_and_delete_are_refused_even_for_a_superuser(self, client, superuser, rows, view):
        client.force_login(superuser)
        args = [] if view == "add" else [rows["lead_sn"].pk]
        url = reverse(f"admin:devices_lookup_{view}", args=args)
        assert client.get(url).status_code == 403
        assert client.post(url, {"post": "yes"}).status_code == 403
        assert Lookup.objects.filter(pk=rows["lead_sn"].pk).exists()

    def test_the_changelist_has_no_add_button_and_no_bulk_actions(self, client, superuser, rows):
        client.force_login(superuser)
        response = client.get(CHANGELIST)
        html = response.content.decode()
        assert reverse("admin:devices_lookup_add") not in html
        assert 'name="action"' not in html
        assert response.context["cl"].model_admin.get_actions(response.wsgi_request) == {}


class TestSearch:
    @pytest.fixture(autouse=True)
    def signed_in(self, client, lead):
        client.force_login(lead)

    def test_a_request_id_finds_exactly_its_row(self, client, rows):
        found = shown(client.get(CHANGELIST, {"q": "91245e99-b5fa-4e19-a7ae-0d5a99ee406c"}))
        assert found == {rows["lead_sn"].pk}

    def test_a_value_finds_exact_matches_and_not_longer_or_shorter_values(self, client, rows):
        assert shown(client.get(CHANGELIST, {"q": "876ABCDEF0347"})) == {
            rows["staff_sn"].pk,
            rows["lead_sn"].pk,
        }
        assert shown(client.get(CHANGELIST, {"q": "876ABC"})) == {rows["lead_prefix"].pk}
        assert shown(client.get(CHANGELIST, {"q": "876ABCDEF"})) == set()

    def test_an_owner_user_id_finds_the_lookups_made_for_that_owner(self, client, rows):
        found = shown(client.get(CHANGELIST, {"q": "-9223371981234500001"}))
        assert found == {rows["lead_sn"].pk}

    def test_a_username_finds_that_persons_lookups(self, client, rows):
        found = shown(client.get(CHANGELIST, {"q": "staff"}))
        assert found == {rows["staff_sn"].pk, rows["staff_user"].pk}

    def test_a_deleted_persons_username_still_finds_their_lookups(self, client, staff, rows):
        staff.delete()
        found = shown(client.get(CHANGELIST, {"q": "staff"}))
        assert found == {rows["staff_sn"].pk, rows["staff_user"].pk}

    def test_the_search_is_an_indexable_equality_not_a_pattern(self, client, rows):
        with CaptureQueriesContext(connection) as queries:
            client.get(CHANGELIST, {"q": "876ABCDEF0347"})
        searches = [q["sql"] for q in queries if "876ABCDEF0347" in q["sql"]]
        assert searches
        for sql in searches:
            assert "LIKE" not in sql.upper()
            assert "UPPER(" not in sql.upper()


class TestFilters:
    @pytest.fixture(autouse=True)
    def signed_in(self, client, lead):
        client.force_login(lead)

    def test_by_outcome(self, client, rows):
        found = shown(client.get(CHANGELIST, {"outcome__exact": "not_found"}))
        assert found == {rows["staff_user"].pk}

    def test_by_kind(self, client, rows):
        found = shown(client.get(CHANGELIST, {"kind__exact": "dev_id"}))
        assert found == {rows["lead_old"].pk}

    def test_by_staff_user(self, client, staff, rows):
        found = shown(client.get(CHANGELIST, {"user__id__exact": staff.pk}))
        assert found == {rows["staff_sn"].pk, rows["staff_user"].pk}

    def test_by_credential(self, client, rows):
        credential = Credential.objects.create(
            name="eu", base_url="https://eu.example.com", app_id="a", app_token="t", app_key="k"
        )
        Lookup.objects.filter(pk=rows["lead_prefix"].pk).update(credential=credential)
        found = shown(client.get(CHANGELIST, {"credential__id__exact": credential.pk}))
        assert found == {rows["lead_prefix"].pk}

    def test_by_date_past_seven_days(self, client, rows):
        changelist = client.get(CHANGELIST).context["cl"]
        spec = next(s for s in changelist.filter_specs if isinstance(s, admin.DateFieldListFilter))
        [past_week] = [c for c in spec.choices(changelist) if c["display"] == "Past 7 days"]
        found = shown(client.get(CHANGELIST + past_week["query_string"]))
        assert found == {row.pk for name, row in rows.items() if name != "lead_old"}

    def test_the_credential_filter_does_not_decrypt_secrets(self, client, settings, rows):
        Credential.objects.create(
            name="eu", base_url="https://eu.example.com", app_id="a", app_token="t", app_key="k"
        )
        # A key change without rotation makes the stored secrets unreadable...
        settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
        # ...which must not break the audit log.
        response = client.get(CHANGELIST)
        assert response.status_code == 200
        assert "eu" in {title for _pk, title in _credential_choices(response)}

    def test_the_page_makes_the_same_number_of_queries_for_3_rows_as_for_30(
        self, client, lead, django_assert_num_queries
    ):
        for _ in range(3):
            make_lookup(lead)
        with CaptureQueriesContext(connection) as few:
            client.get(CHANGELIST)
        for _ in range(27):
            make_lookup(lead)
        with django_assert_num_queries(len(few)):
            client.get(CHANGELIST)


def _credential_choices(response):
    spec = next(
        s for s in response.context["cl"].filter_specs if isinstance(s, CredentialListFilter)
    )
    return spec.lookup_choices


def test_a_lookup_opens_even_when_its_credential_cannot_be_decrypted(client, lead, settings):
    from devices import crypto

    credential = Credential.objects.create(
        name="cn", base_url="https://cn.example.com", app_id="a", app_token="t", app_key="k"
    )
    row = make_lookup(lead, credential=credential, credential_name="cn")
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
    crypto._fernet.cache_clear()
    client.force_login(lead)
    try:
        response = client.get(reverse("admin:devices_lookup_change", args=[row.pk]))
    finally:
        crypto._fernet.cache_clear()

    assert response.status_code == 200
    assert "cn" in response.text


class TestChannel:
    def test_a_lead_filters_the_audit_log_by_channel(self, client, lead):
        web = make_lookup(lead)
        api = make_lookup(lead, channel=Lookup.Channel.API, token_name="zendesk")
        client.force_login(lead)

        assert shown(client.get(CHANGELIST, {"channel__exact": "api"})) == {api.pk}
        assert shown(client.get(CHANGELIST, {"channel__exact": "web"})) == {web.pk}

    def test_the_export_says_the_channel_and_the_token(self, client, lead):
        make_lookup(lead, channel=Lookup.Channel.API, token_name="zendesk")
        client.force_login(lead)

        header, row = export_rows(client.get(reverse("admin:devices_lookup_export")))

        cells = dict(zip(header, row, strict=True))
        assert (cells["channel"], cells["API token"]) == ("api", "zendesk")


class TestEachRowOpensItsLookupAgain:
    def test_a_device_row_links_to_its_page_with_its_region_owner_and_ticket(self, client, lead):
        row = audited(
            lead,
            value="876abcdef0347",
            owner_id="-9223371981234500001",
            credential_name="cn",
            reason="Zendesk #4821",
        )
        client.force_login(lead)

        html = client.get(CHANGELIST).content.decode()

        link = (
            "/devices/sn/876ABCDEF0347/?access_id=-9223371981234500001&amp;credential=cn"
            "&amp;reason=Zendesk+%234821"
        )
        assert f'<a href="{link}" class="reopen"' in html
        assert link.replace("&amp;", "&") == reopen_url(row)

    def test_a_user_row_links_to_the_users_devices(self, client, lead):
        audited(lead, kind="user", value="-9223371981234556044", reason="RMA-20931")
        client.force_login(lead)

        html = client.get(CHANGELIST).content.decode()

        assert 'href="/users/-9223371981234556044/devices/?reason=RMA-20931" class="reopen"' in html

    def test_a_refused_input_opens_the_search_form_filled_in(self, client, lead):
        audited(lead, value="876abc!", outcome=Lookup.Outcome.INVALID_INPUT)
        client.force_login(lead)

        html = client.get(CHANGELIST).content.decode()

        assert 'href="/?q=876abc%21&amp;kind=sn" class="reopen"' in html

    def test_the_rows_own_page_has_the_link_too(self, client, lead):
        row = audited(lead, value="876ABCDEF0347")
        client.force_login(lead)

        response = client.get(reverse("admin:devices_lookup_change", args=[row.pk]))

        assert f'<a href="{reopen_url(row)}" class="reopen">Open this lookup again</a>' in (
            response.content.decode()
        )

    def test_someone_who_may_not_look_things_up_sees_the_value_unlinked(self, client, clerk):
        audited(clerk, value="876ABCDEF0347")
        client.force_login(clerk)

        html = client.get(CHANGELIST).content.decode()

        assert "876ABCDEF0347" in html
        assert 'class="reopen"' not in html


class TestFailuresInTheReadersLanguage:
    @pytest.fixture
    def failed(self, lead):
        return {
            "timeout": audited(
                lead,
                outcome=Lookup.Outcome.UNAVAILABLE,
                failure_code="vendor_timeout",
                vendor_message="The vendor did not answer in time (timeout after 5 s).",
            ),
            "refused": audited(
                lead,
                outcome=Lookup.Outcome.VENDOR_ERROR,
                failure_code="vendor_refused",
                vendor_code=10002,
                vendor_message="param error",
            ),
            "limit": audited(
                lead, outcome=Lookup.Outcome.RATE_LIMITED, failure_code="person_limit"
            ),
        }

    def test_a_chinese_reader_reads_the_failure_in_chinese(self, client, lead, failed):
        client.force_login(lead)

        response = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")

        html = response.content.decode()
        assert "厂商响应超时" in html
        assert "厂商拒绝了这次查询（厂商返回码 10002）" in html
        assert "此人的查询次数超过了上限" in html
        assert "did not answer in time" not in html
        assert "失败原因" in html  # the column's header

    def test_an_english_reader_reads_it_in_english_with_the_vendors_code(
        self, client, lead, failed
    ):
        client.force_login(lead)

        html = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()

        assert "The vendor did not answer in time" in html
        assert "The vendor refused the lookup (vendor code 10002)" in html
        assert "Over the person&#x27;s limit on lookups" in html

    def test_a_row_from_before_the_codes_shows_the_english_it_stored(self, client, lead):
        make_lookup(
            lead,
            outcome=Lookup.Outcome.NOT_FOUND,
            vendor_message="The vendor has no device with serial number 876ABCDEF0347.",
        )
        ok = make_lookup(lead)
        client.force_login(lead)

        response = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="zh-CN")

        assert "The vendor has no device with serial number 876ABCDEF0347." in response.text
        assert response.context["cl"].model_admin.failure(ok) is None


class TestTheListFitsAScreen:
    def test_the_list_shows_when_who_what_how_and_why_and_not_every_column(self, client, lead):
        audited(lead)
        client.force_login(lead)

        changelist = client.get(CHANGELIST).context["cl"]

        assert list(changelist.list_display) == [
            "when",
            "username",
            "looked_up",
            "outcome",
            "failure",
            "reason",
        ]

    def test_the_list_loads_the_admin_stylesheet_and_gives_up_the_nav_sidebar(self, client, lead):
        client.force_login(lead)

        html = client.get(CHANGELIST).content.decode()

        assert "devices/admin.css" in html
        assert 'id="nav-sidebar"' not in html
