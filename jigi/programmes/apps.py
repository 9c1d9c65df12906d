from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "jigi.programmes"
    label = "programmes"
    verbose_name = _("Programmes, ciblage et inscriptions")

    def ready(self) -> None:
        # Registers the targeting and enrolment jobs and the household page's panel.
        from jigi.programmes import panels, services  # noqa: F401
