from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "jigi.grievances"
    label = "grievances"
    verbose_name = _("Plaintes")

    def ready(self) -> None:
        # The escalation job, the household page's complaints panel, and the listener that
        # turns a community-validation rejection into an appeal the household may lodge.
        from datetime import timedelta

        from jigi.core.jobs import job_every
        from jigi.grievances import listeners, panels, services  # noqa: F401

        # The running worker escalates overdue complaints every hour, no cron needed.
        job_every("grievances.escalate", timedelta(hours=1))
