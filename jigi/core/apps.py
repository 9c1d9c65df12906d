from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jigi.core"
    label = "core"
    verbose_name = _("Référentiel")

    def ready(self) -> None:
        # Job handlers register themselves when their module is imported.
        from jigi.core import refdata  # noqa: F401
