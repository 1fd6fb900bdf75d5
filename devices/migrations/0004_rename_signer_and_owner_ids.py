# "access id" meant three things; each now has its own name (see docs/vendor-api.md).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0003_credential_url_schemes"),
    ]

    operations = [
        # The index names its field; it is rebuilt on the renamed column.
        migrations.RemoveIndex(model_name="lookup", name="lookup_owner_idx"),
        migrations.RenameField(
            model_name="lookup",
            old_name="owner_access_id",
            new_name="owner_id",
        ),
        migrations.AddIndex(
            model_name="lookup",
            index=models.Index(fields=["owner_id"], name="lookup_owner_idx"),
        ),
        migrations.RenameField(
            model_name="credential",
            old_name="access_id",
            new_name="signer_id",
        ),
        migrations.AlterField(
            model_name="credential",
            name="signer_id",
            field=models.CharField(
                blank=True,
                help_text="Sent as X-IotVideo-AccessID. Empty: the app id.",
                max_length=100,
                verbose_name="signer id",
            ),
        ),
    ]
