"""The task worker: django-tasks-db's worker, recovery of jobs orphaned by a dead worker, and
the periodic jobs apps declare (`jobs.job_every`)."""

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from jigi.core.jobs import queue_periodic_jobs, requeue_stale_jobs

RECOVERY_INTERVAL_SECONDS = 30
logger = logging.getLogger(__name__)


def _recover_forever(stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            requeue_stale_jobs()
            for job in queue_periodic_jobs():
                logger.info("Queued periodic job %s (%s)", job.pk, job.kind)
        except Exception:  # a locked or briefly unreachable database must not end recovery
            logger.exception(
                "Stale-job recovery failed; retrying in %s s", RECOVERY_INTERVAL_SECONDS
            )
        finally:
            close_old_connections()
        stop.wait(RECOVERY_INTERVAL_SECONDS)


class Command(BaseCommand):
    help = (
        "Run background jobs. Jobs left running by a worker that died are queued again; "
        "periodic jobs (e.g. escalation of overdue complaints) are queued when due."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--batch", action="store_true", help="run the queued jobs, then exit")
        parser.add_argument(
            "--json", action="store_true", help="accepted for symmetry; the worker logs"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        requeue_stale_jobs()
        close_old_connections()
        stop = threading.Event()
        if not options["batch"]:
            threading.Thread(
                target=_recover_forever, args=(stop,), daemon=True, name="job-recovery"
            ).start()
        try:
            call_command(
                "db_worker",
                queue_name="default",
                interval=1,
                batch=options["batch"],
                reload=False,
                startup_delay=False,
                verbosity=options["verbosity"],
            )
        finally:
            stop.set()
