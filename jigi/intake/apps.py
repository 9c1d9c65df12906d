from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "jigi.intake"
    label = "intake"
    verbose_name = _("Collecte et import")

    def ready(self) -> None:
        from jigi.intake import services  # noqa: F401  (registers the import jobs)
