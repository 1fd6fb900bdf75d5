from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulkConfig(AppConfig):
    name = "devices.bulk"
    label = "bulk"
    verbose_name = _("Bulk lookups")
    default_auto_field = "django.db.models.BigAutoField"
