from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DedupConfig(AppConfig):
    name = "jigi.dedup"
    label = "dedup"
    verbose_name = _("Dédoublonnage")

    def ready(self) -> None:
        from jigi.dedup import services  # noqa: F401  (registers the dedup job)
