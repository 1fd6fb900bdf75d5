"""Support leads may run bulk lookups ("Can run bulk lookups", bulk.run_bulk_lookups) and see
every bulk job in admin (bulk.view_bulkjob).

Permissions are normally created after all migrations ran (post_migrate), too late for this
migration on a fresh database, so it creates them first (as devices' 0002_support_groups does).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Support lead"
CODENAMES = ["run_bulk_lookups", "view_bulkjob"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("bulk")
    app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    finally:
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    group, _created = Group.objects.using(db).get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.using(db).filter(content_type__app_label="bulk", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    for group in Group.objects.using(db).filter(name=GROUP):
        group.permissions.remove(
            *Permission.objects.using(db).filter(
                content_type__app_label="bulk", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("bulk", "0001_initial"),
        ("devices", "0002_support_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
