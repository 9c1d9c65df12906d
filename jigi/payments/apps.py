from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "jigi.payments"
    label = "payments"
    verbose_name = _("Paiements")

    def ready(self) -> None:
        # Registers the payroll job and the household page's payments panel.
        from jigi.payments import panels, services  # noqa: F401
