"""The audit log's CSV export: who may export, exactly the rows shown, formula-safe cells."""

import pytest

from devices.admin import export
from tests.admin.audit import (
    CHANGELIST,
    EXPORT,
    export_rows,
    exported_ids,
    make_lookup,
    perm,
)

# What makes a spreadsheet run a cell (OWASP "CSV injection"), named for the test ids.
FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]
FORMULA_START_NAMES = ["equals", "plus", "minus", "at", "tab", "carriage-return"]
# Every free-text column of the export: header -> (field, what follows the formula character).
FREE_TEXT = {
    "username": ("username", "cmd|' /C calc'!A0"),
    "value searched": ("value", 'HYPERLINK("http://evil.example","x")'),
    "owner's user id": ("owner_id", "9223371981234556044"),
    "credential": ("credential_name", "SUM(A1:A9)"),
    "vendor message": ("vendor_message", 'HYPERLINK("http://evil.example")'),
    "vendor requestId": ("request_id", "6029eee2-02a9-4431-99eb-038aefe387ad"),
    "ticket / reason": ("reason", "1 from ticket"),
    "ticket number": ("ticket", "1"),
    "failure code": ("failure_code", "cmd"),
    "request id": ("http_request_id", "A1"),
}


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

    @pytest.mark.parametrize("start", FORMULA_STARTS, ids=FORMULA_START_NAMES)
    def test_every_free_text_cell_starting_like_a_formula_is_made_text(self, client, lead, start):
        # Vendor values (requestId, message, owner id) are exported as the vendor sent them,
        # typed values as typed, the request id as a proxy sent it: a tab or carriage return
        # at the start is as real as "=".
        values = {column: f"{start}{payload}" for column, (_field, payload) in FREE_TEXT.items()}
        make_lookup(lead, **{FREE_TEXT[column][0]: value for column, value in values.items()})
        client.force_login(lead)

        header, line = export_rows(client.get(EXPORT))

        cell = dict(zip(header, line, strict=True))
        assert {column: cell[column] for column in values} == {
            column: "'" + value for column, value in values.items()
        }

    def test_a_tab_or_carriage_return_inside_a_cell_is_left_alone(self, client, lead):
        make_lookup(lead, value="876ABCDEF0347", reason="ticket\t42\rsee above")
        client.force_login(lead)

        header, line = export_rows(client.get(EXPORT))

        assert dict(zip(header, line, strict=True))["ticket / reason"] == "ticket\t42\rsee above"

    def test_the_ticket_number_failure_code_and_followed_lookup_are_columns(self, client, lead):
        page = make_lookup(lead, value="876ABCDEF0347", reason="Zendesk #4711: offline")
        make_lookup(
            lead,
            value="876ABCDEF0347",
            ticket="4711",
            failure_code="vendor_unavailable",
            follows=page,
            channel="watch",
        )
        client.force_login(lead)
        header, *lines = export_rows(client.get(EXPORT, {"channel__exact": "watch"}))
        (cell,) = [dict(zip(header, line, strict=True)) for line in lines]
        assert cell["ticket number"] == "4711"
        assert cell["failure code"] == "vendor_unavailable"
        assert cell["follow-up of"] == str(page.pk)

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
        clerk.user_permissions.add(perm("export_lookups"))
        own = make_lookup(clerk)
        client.force_login(clerk)
        assert exported_ids(client.get(EXPORT)) == {own.pk}

    def test_it_reads_the_rows_in_chunks(self, client, lead, monkeypatch):
        for n in range(5):
            make_lookup(lead, value=f"SN{n}")
        monkeypatch.setattr(export, "EXPORT_CHUNK_ROWS", 2)
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
