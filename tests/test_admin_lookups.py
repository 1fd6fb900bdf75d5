"""The audit log in admin: who may see it, read-only, search, filters, CSV export."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devices import admin as devices_admin
from devices.models import Credential, Lookup

CHANGELIST = reverse("admin:devices_lookup_changelist")
EXPORT = reverse("admin:devices_lookup_export")
BOM = "\ufeff"


def _perm(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="devices", codename=codename)


def make_lookup(user: User | None, *, days_ago: float = 0, **fields) -> Lookup:
    fields.setdefault("kind", Lookup.Kind.SERIAL)
    fields.setdefault("value", "876ABCDEF0347")
    fields.setdefault("outcome", Lookup.Outcome.OK)
    lookup = Lookup.objects.create(
        user=user, username=user.get_username() if user else "gone", **fields
    )
    if days_ago:
        Lookup.objects.filter(pk=lookup.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
        lookup.refresh_from_db()
    return lookup


def shown(response) -> set[int]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def export_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM))))


def exported_ids(response) -> set[int]:
    header, *rows = export_rows(response)
    id_column = header.index("id")
    return {int(row[id_column]) for row in rows}


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root", "root@example.com", "x")


@pytest.fixture
def clerk(db) -> User:
    """In admin, may view lookups but not everyone's, and may not export."""
    user = User.objects.create_user("clerk", "clerk@example.com", "x", is_staff=True)
    user.user_permissions.add(_perm("view_lookup"))
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
        s
        for s in response.context["cl"].filter_specs
        if isinstance(s, devices_admin.CredentialListFilter)
    )
    return spec.lookup_choices


class TestExport:
    def test_a_lead_gets_a_stream_with_a_header_and_every_row(self, client, lead, rows):
        client.force_login(lead)
        response = client.get(EXPORT)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response["Content-Disposition"]
        header, *lines = export_rows(client.get(EXPORT))
        assert header[:4] == ["time", "username", "kind", "value searched"]
        assert len(lines) == len(rows)

    def test_it_exports_exactly_the_filtered_and_searched_rows(self, client, lead, rows):
        client.force_login(lead)
        response = client.get(EXPORT, {"q": "876ABCDEF0347", "user__id__exact": lead.pk})
        assert exported_ids(response) == {rows["lead_sn"].pk}
        response = client.get(EXPORT, {"outcome__exact": "ok"})
        assert exported_ids(response) == {
            rows["staff_sn"].pk,
            rows["lead_sn"].pk,
            rows["lead_old"].pk,
        }

    def test_the_button_on_the_changelist_carries_the_current_filters(self, client, lead, rows):
        client.force_login(lead)
        response = client.get(CHANGELIST, {"outcome__exact": "ok", "q": "876ABCDEF0347"})
        assert f'href="{EXPORT}?outcome__exact=ok&amp;q=876ABCDEF0347"' in (
            response.content.decode()
        )

    def test_cells_a_spreadsheet_would_run_as_formulas_are_made_text(self, client, lead):
        make_lookup(
            lead,
            value='=HYPERLINK("http://evil.example","x")',
            owner_id="-9223371981234556044",
            reason="+1 from ticket",
            request_id="@SUM(A1)",
        )
        client.force_login(lead)
        header, line = export_rows(client.get(EXPORT))
        cell = dict(zip(header, line, strict=True))
        assert cell["value searched"] == '\'=HYPERLINK("http://evil.example","x")'
        assert cell["owner's user id"] == "'-9223371981234556044"
        assert cell["ticket / reason"] == "'+1 from ticket"
        assert cell["vendor requestId"] == "'@SUM(A1)"
        assert cell["username"] == "lead"

    def test_non_ascii_survives_as_utf8(self, client, lead):
        make_lookup(lead, value="876ABCDEF0347", reason="客户投诉 #42")
        client.force_login(lead)
        header, line = export_rows(client.get(EXPORT))
        assert dict(zip(header, line, strict=True))["ticket / reason"] == "客户投诉 #42"

    def test_it_is_refused_without_the_export_permission(self, client, clerk, rows):
        client.force_login(clerk)
        assert client.get(EXPORT).status_code == 403
        response = client.get(CHANGELIST)
        assert EXPORT not in response.content.decode()

    def test_it_is_refused_to_people_outside_admin(self, client, staff, outsider):
        for person in (staff, outsider):
            client.force_login(person)
            assert client.get(EXPORT).status_code == 302

    def test_without_view_all_it_exports_only_ones_own_rows(self, client, clerk, rows):
        clerk.user_permissions.add(_perm("export_lookups"))
        own = make_lookup(clerk)
        client.force_login(clerk)
        assert exported_ids(client.get(EXPORT)) == {own.pk}

    def test_it_reads_the_rows_in_chunks(self, client, lead, monkeypatch):
        for n in range(5):
            make_lookup(lead, value=f"SN{n}")
        monkeypatch.setattr(devices_admin, "EXPORT_CHUNK_ROWS", 2)
        client.force_login(lead)
        response = client.get(EXPORT)
        chunks = list(response.streaming_content)
        # The header, then rows 2 + 2 + 1.
        assert [c.decode().count("\r\n") for c in chunks] == [1, 2, 2, 1]

    def test_bad_filter_parameters_send_back_to_the_changelist(self, client, lead):
        client.force_login(lead)
        response = client.get(EXPORT, {"created_at__gte": "not a date"})
        assert response.status_code == 302
        assert response["Location"] == f"{CHANGELIST}?e=1"


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


class TestCounting:
    """Exact counts for small lists, the planner's estimate for huge ones (PostgreSQL)."""

    def paginator(self):
        return devices_admin.EstimatedCountPaginator(Lookup.objects.all(), 50)

    def test_a_small_list_is_counted_exactly(self, rows):
        assert self.paginator().count == len(rows)

    def test_a_huge_list_takes_the_estimate_without_counting(self, rows, monkeypatch):
        monkeypatch.setattr(devices_admin, "planner_row_estimate", lambda queryset: 2_000_000)
        with CaptureQueriesContext(connection) as queries:
            assert self.paginator().count == 2_000_000
        assert not [q for q in queries if "COUNT(" in q["sql"].upper()]

    def test_an_estimate_under_the_threshold_is_checked_by_counting(self, rows, monkeypatch):
        monkeypatch.setattr(devices_admin, "planner_row_estimate", lambda queryset: 90_000)
        assert self.paginator().count == len(rows)

    def test_the_changelist_uses_it(self, client, lead, rows, monkeypatch):
        monkeypatch.setattr(devices_admin, "planner_row_estimate", lambda queryset: 1_234_567)
        client.force_login(lead)
        assert client.get(CHANGELIST).context["cl"].result_count == 1_234_567

    def test_the_planner_estimate_is_read_on_postgresql_only(self, rows):
        estimate = devices_admin.planner_row_estimate(Lookup.objects.filter(kind="sn"))
        if connection.vendor == "postgresql":
            assert isinstance(estimate, int)
            assert estimate >= 1
        else:
            assert estimate is None


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
