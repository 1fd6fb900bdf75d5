from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Devices and lookups")

    def ready(self) -> None:
        from devices import preferences  # noqa: F401 (connects its sign-in receiver)
        from devices.embed import framing  # noqa: F401 - registers its system check
        from devices.sso import method  # noqa: F401 - records how each session signed in
