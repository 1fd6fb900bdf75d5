"""The two groups support people are put in.

- "Support staff": may look up devices and users at the vendor, and see their own lookups on
  /lookups/. Not the admin audit log (no view_lookup): the log shows other people's lookups.
- "Support lead": also sees everyone's lookups in admin and exports them as CSV.

Only superusers manage vendor credentials; no group grants that.

Admin entry needs the "staff status" flag as well as the group: when putting someone in
"Support lead", also tick "Staff status" (is_staff) on their user, or they cannot open /admin/.
Support staff need no staff status.

Permissions are normally created after all migrations ran (post_migrate), too late for this
migration on a fresh database, so it creates them first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Support staff": ["lookup_devices"],
    "Support lead": ["lookup_devices", "view_lookup", "view_all_lookups", "export_lookups"],
}


def create_groups(apps, schema_editor):
    app_config = apps.get_app_config("devices")
    # A migration's app config has no models module, which makes create_permissions a no-op.
    app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    finally:
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    for name, codenames in GROUPS.items():
        group, _created = Group.objects.using(db).get_or_create(name=name)
        permissions = Permission.objects.using(db).filter(
            content_type__app_label="devices", codename__in=codenames
        )
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
