"""The groups created by the data migration, and what their members may do."""

import importlib

from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

MIGRATION = "0002_support_groups"
migration = importlib.import_module(f"devices.migrations.{MIGRATION}")


def codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def member_of(group_name: str, username: str, *, is_staff: bool = False) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", "x", is_staff=is_staff)
    user.groups.add(Group.objects.get(name=group_name))
    return User.objects.get(pk=user.pk)  # a fresh object: no stale permission cache


def test_support_staff_may_only_look_up_devices(db):
    assert codenames("Support staff") == {"devices.lookup_devices"}


def test_support_leads_may_also_see_and_export_everyones_lookups(db):
    assert codenames("Support lead") == {
        "devices.lookup_devices",
        "devices.view_lookup",
        "devices.view_all_lookups",
        "devices.export_lookups",
        "bulk.run_bulk_lookups",
        "bulk.view_bulkjob",
    }


def test_no_group_may_manage_credentials(db):
    for group in Group.objects.all():
        assert not any("credential" in name for name in codenames(group.name)), group.name


def test_the_migration_is_reversible(db):
    state_apps = MigrationLoader(connection).project_state(("devices", MIGRATION)).apps

    class Editor:  # what RunPython functions use of the schema editor
        pass

    editor = Editor()
    editor.connection = connection
    migration.remove_groups(state_apps, editor)
    assert not Group.objects.filter(name__in=["Support staff", "Support lead"]).exists()
    migration.create_groups(state_apps, editor)
    assert codenames("Support staff") == {"devices.lookup_devices"}
    assert len(codenames("Support lead")) == 4
    assert migration.Migration.operations[0].reversible


def test_a_lead_with_staff_status_uses_the_audit_log_and_exports(client, db):
    lead = member_of("Support lead", "alice", is_staff=True)
    client.force_login(lead)
    assert client.get(reverse("admin:devices_lookup_changelist")).status_code == 200
    assert client.get(reverse("admin:devices_lookup_export")).status_code == 200
    assert client.get(reverse("admin:devices_credential_changelist")).status_code == 403


def test_a_lead_without_staff_status_cannot_enter_admin(client, db):
    client.force_login(member_of("Support lead", "alice"))
    assert client.get(reverse("admin:devices_lookup_changelist")).status_code == 302


def test_support_staff_do_not_see_the_audit_log_even_with_staff_status(client, db):
    person = member_of("Support staff", "bob", is_staff=True)
    assert person.has_perm("devices.lookup_devices")
    client.force_login(person)
    assert client.get(reverse("admin:devices_lookup_changelist")).status_code == 403
    assert client.get(reverse("admin:devices_lookup_export")).status_code == 403
