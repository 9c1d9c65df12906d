from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtectionConfig(AppConfig):
    name = "jigi.protection"
    label = "protection"
    verbose_name = _("Protection (VBG)")

    def ready(self) -> None:
        from jigi.protection import checks  # noqa: F401 (registers the deployment key check)
