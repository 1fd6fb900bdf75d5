"""Rows written before the ticket and failure-code columns, brought to the rule the search asks
by: serial numbers upper-cased, the ticket number taken out of the reason."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migration_named(executor: MigrationExecutor, ending: str) -> tuple[str, str]:
    # By the end of the name: the numbers change when branches are merged.
    [key] = [
        key
        for key in executor.loader.graph.nodes
        if key[0] == "devices" and key[1].endswith(ending)
    ]
    return key


@pytest.mark.django_db(transaction=True)
def test_older_rows_get_upper_case_serial_numbers_and_their_tickets():
    executor = MigrationExecutor(connection)
    schema = migration_named(executor, "_lookup_ticket_and_failure_code")
    backfill = migration_named(executor, "_lookup_serials_upper_case_and_tickets")
    [before] = executor.loader.graph.node_map[schema].parents
    executor.migrate([before.key])
    old = executor.loader.project_state([before.key]).apps.get_model("devices", "Lookup")
    rows = {
        "serial": old.objects.create(kind="sn", value="876abcdef0347", reason="Zendesk #4821"),
        "not_serial": old.objects.create(kind="sn", value="876abc!", reason="no ticket"),
        "user": old.objects.create(kind="user", value="-9223371981234556044", reason="RMA-20931"),
    }

    executor = MigrationExecutor(connection)
    executor.migrate([backfill])

    new = executor.loader.project_state([backfill]).apps.get_model("devices", "Lookup")
    found = {name: new.objects.get(pk=row.pk) for name, row in rows.items()}
    assert (found["serial"].value, found["serial"].ticket) == ("876ABCDEF0347", "4821")
    assert (found["not_serial"].value, found["not_serial"].ticket) == ("876abc!", "")
    assert (found["user"].value, found["user"].ticket) == ("-9223371981234556044", "RMA-20931")
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
