from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Devices and lookups")

    def ready(self) -> None:
        # Records how each session signed in (a user_logged_in receiver).
        from devices.sso import method  # noqa: F401
