"""The audit log's search: a lead finds a lookup by its ticket number, and by a serial number
typed in any case or width, with exact matches on indexed columns only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devices.models import Lookup
from tests.admin.audit import CHANGELIST, audited, shown


@pytest.fixture(autouse=True)
def signed_in(client, lead):
    client.force_login(lead)


@pytest.fixture
def tickets(staff, lead):
    return {
        "zendesk": audited(staff, value="876abcdef0347", reason="Zendesk #4821"),
        "chinese": audited(lead, kind="user", value="-9223371981234556044", reason="工单 52190"),
        "rma": audited(lead, value="8762U6LYVUQ48", reason="RMA-20931 swap"),
        "none": audited(staff, value="876NB4DU7GCPH"),
    }


@pytest.mark.parametrize(
    "typed", ["4821", "#4821", "Zendesk #4821", "zendesk  #4821", "＃４８２１"]
)
def test_a_ticket_number_finds_the_lookups_made_for_it(client, tickets, typed):
    assert shown(client.get(CHANGELIST, {"q": typed})) == {tickets["zendesk"].pk}


def test_ticket_numbers_with_letters_or_from_chinese_reasons_are_found(client, tickets):
    assert shown(client.get(CHANGELIST, {"q": "rma-20931"})) == {tickets["rma"].pk}
    assert shown(client.get(CHANGELIST, {"q": "52190"})) == {tickets["chinese"].pk}
    assert shown(client.get(CHANGELIST, {"q": "482"})) == set()


@pytest.mark.parametrize(
    "typed", ["876abcdef0347", "876ABCDEF0347", "876AbcDef0347", " ８７６ａｂｃｄｅｆ０３４７ "]
)
def test_a_serial_number_is_found_whatever_case_or_width_was_typed(client, tickets, typed):
    assert shown(client.get(CHANGELIST, {"q": typed})) == {tickets["zendesk"].pk}


def test_an_older_row_kept_in_lower_case_is_still_found_as_typed(client, staff):
    older = Lookup.objects.create(user=staff, username="staff", kind="sn", value="876old0001")

    assert shown(client.get(CHANGELIST, {"q": "876old0001"})) == {older.pk}


def test_a_term_with_nothing_to_match_does_not_find_every_row_without_a_ticket(client, tickets):
    # "#" has no ticket number in it: it must not match the empty ticket (or owner) column.
    assert shown(client.get(CHANGELIST, {"q": "#"})) == set()
    assert shown(client.get(CHANGELIST, {"q": "  "})) == {row.pk for row in tickets.values()}


def test_a_username_is_found_in_any_case(client, tickets):
    assert shown(client.get(CHANGELIST, {"q": "Staff"})) == {
        tickets["zendesk"].pk,
        tickets["none"].pk,
    }


@pytest.mark.parametrize("typed", ["876abcdef0347", "Zendesk #4821", "staff"])
def test_every_search_is_an_exact_match_an_index_can_answer(client, tickets, typed):
    with CaptureQueriesContext(connection) as queries:
        client.get(CHANGELIST, {"q": typed})
    searches = [q["sql"] for q in queries if "devices_lookup" in q["sql"] and " IN (" in q["sql"]]
    assert searches
    for sql in searches:
        assert "LIKE" not in sql.upper()
        assert "UPPER(" not in sql.upper()
        assert "LOWER(" not in sql.upper()
