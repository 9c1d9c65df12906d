from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "jigi.audit"
    label = "audit"
    verbose_name = _("Journal d'audit")

    def ready(self) -> None:
        from jigi.audit import services  # noqa: F401  (registers the verification job)
