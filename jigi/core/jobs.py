"""Background jobs: a registry of job kinds, starting, running, progress, cancel and recovery.

A job kind is a function ``handler(job, progress) -> dict`` registered with `job_kind`. The
worker runs it through `execute_job`, which claims the job by bumping its ``attempt``; progress
reports write the heartbeat only while that attempt is still current, so a run that was
declared dead and re-queued stops at its next report instead of doubling the work. Handlers
must be safe to run again from the start (upserts, or checkpoints in their own rows).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jigi.core.errors import DomainError, InvalidInput
from jigi.core.models import Job

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

# Progress is written at most this often (seconds), apart from the first and last report.
PROGRESS_WRITE_INTERVAL = 0.5
MAX_ATTEMPTS = 3


class JobStopped(Exception):
    """Raised inside a handler when the job was cancelled or taken over by another worker."""


JobHandler = Callable[[Job, "Progress"], dict[str, Any]]


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str | Promise
    handler: JobHandler
    permission: str


_KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str, *, label: str | Promise, permission: str
) -> Callable[[JobHandler], JobHandler]:
    """Register ``handler`` as the job kind ``name``; ``permission`` is needed to start it."""

    def register(handler: JobHandler) -> JobHandler:
        if name in _KINDS and _KINDS[name].handler is not handler:
            raise ValueError(f"Job kind {name!r} is registered twice.")
        _KINDS[name] = JobKind(name=name, label=label, handler=handler, permission=permission)
        return handler

    return register


def job_kinds() -> dict[str, JobKind]:
    return dict(_KINDS)


def get_job_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        known = ", ".join(sorted(_KINDS)) or "-"
        raise InvalidInput(
            gettext("Type de tâche inconnu : %(kind)s (connus : %(known)s).")
            % {"kind": name, "known": known}
        ) from None


class Progress:
    """Reports a running job's progress; raises `JobStopped` when the job must stop."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._last_write = 0.0

    def start(self, total: int | None, message: str = "") -> None:
        self.job.total = total
        self.update(0, message, force=True)

    def advance(self, step: int = 1, message: str | None = None) -> None:
        self.update(self.job.done + step, message)

    def update(self, done: int, message: str | None = None, *, force: bool = False) -> None:
        self.job.done = done
        if message is not None:
            self.job.message = message[:300]
        now = time.monotonic()
        if not force and now - self._last_write < PROGRESS_WRITE_INTERVAL:
            return
        self._last_write = now
        updated = Job.objects.filter(
            pk=self.job.pk,
            attempt=self.job.attempt,
            status=Job.Status.RUNNING,
            cancel_requested=False,
        ).update(
            done=self.job.done,
            total=self.job.total,
            message=self.job.message,
            heartbeat_at=timezone.now(),
        )
        if not updated:
            raise JobStopped(str(self.job.pk))


def start_job(
    *,
    actor: AbstractBaseUser | None,
    kind: str,
    params: dict[str, Any] | None = None,
    enqueue: bool = True,
) -> Job:
    """Create a queued job and its task message in one transaction: both exist, or neither.

    The database task backend writes to the same database, so a crash between the two
    cannot leave a job that no worker will ever pick up.
    """
    get_job_kind(kind)
    with transaction.atomic():
        job = Job.objects.create(kind=kind, params=params or {}, created_by=actor)  # type: ignore[misc]  # AUTH_USER_MODEL is accounts.User
        if enqueue:
            _enqueue(job)
    return job


def _enqueue(job: Job) -> None:
    from jigi.core.tasks import run_job

    run_job.enqueue(str(job.pk))


def execute_job(job_id: str) -> Job:
    """Run a queued job to its end in this process. Running it twice does the work once."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        attempt=F("attempt") + 1,
        started_at=now,
        heartbeat_at=now,
        error="",
    )
    job = Job.objects.get(pk=job_id)
    if not claimed:
        return job
    kind = _KINDS.get(job.kind)
    progress = Progress(job)
    heartbeat = _Heartbeat(job)
    heartbeat.start()
    try:
        if kind is None:
            raise InvalidInput(f"Unknown job kind {job.kind!r}")
        result = kind.handler(job, progress)
    except JobStopped:
        job.refresh_from_db()
        if job.cancel_requested and job.status == Job.Status.RUNNING:
            _finish(job, Job.Status.CANCELLED, message=str(_("Annulée à la demande.")))
            job.refresh_from_db()
        return job
    except DomainError as exc:
        _finish(job, Job.Status.FAILED, error=str(exc))
    except Exception as exc:  # the worker must record every failure, whatever its type
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        # The traceback goes to the log; users see the error's type and message only.
        _finish(job, Job.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
    else:
        _finish(job, Job.Status.SUCCEEDED, result=result)
    finally:
        heartbeat.stop()
    job.refresh_from_db()
    return job


class _Heartbeat(threading.Thread):
    """Keeps a running job's heartbeat fresh while its handler works, even through a long
    step that reports no progress, so only a dead worker's job looks stale."""

    def __init__(self, job: Job) -> None:
        super().__init__(name=f"heartbeat-{job.pk}", daemon=True)
        self.job_id = job.pk
        self.attempt = job.attempt
        self.stopped = threading.Event()
        self.interval = max(1.0, settings.JIGI_JOB_STALE_AFTER.total_seconds() / 4)

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                try:
                    Job.objects.filter(
                        pk=self.job_id, attempt=self.attempt, status=Job.Status.RUNNING
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError:  # the handler may hold the SQLite write lock; try again later
                    logger.debug("heartbeat of job %s deferred", self.job_id)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


def _finish(
    job: Job,
    status: str,
    *,
    result: dict[str, Any] | None = None,
    error: str = "",
    message: str | None = None,
) -> None:
    fields: dict[str, Any] = {
        "status": status,
        "finished_at": timezone.now(),
        "done": job.done,
        "total": job.total,
        "error": error,
        "result": result,
    }
    if status == Job.Status.SUCCEEDED and job.total is not None:
        fields["done"] = job.total
    if message is not None:
        fields["message"] = message
    Job.objects.filter(pk=job.pk, attempt=job.attempt, status=Job.Status.RUNNING).update(**fields)


def cancel_job(*, actor: AbstractBaseUser | None, job: Job) -> Job:
    """Cancel a queued job at once; ask a running one to stop at its next progress report."""
    if job.is_finished:
        raise InvalidInput(gettext("Cette tâche est déjà terminée."))
    Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.CANCELLED,
        finished_at=timezone.now(),
        message=str(_("Annulée avant de commencer.")),
    )
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(cancel_requested=True)
    job.refresh_from_db()
    return job


def requeue_stale_jobs(*, now: datetime | None = None) -> list[Job]:
    """Queue again the running jobs whose worker stopped reporting (it died or was restarted).

    A job that has already been taken ``MAX_ATTEMPTS`` times is failed instead, so a job that
    kills its worker cannot loop forever.
    """
    now = now or timezone.now()
    cutoff = now - settings.JIGI_JOB_STALE_AFTER
    stale = Job.objects.filter(status=Job.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
    )
    requeued: list[Job] = []
    for job in stale:
        if job.attempt >= MAX_ATTEMPTS:
            Job.objects.filter(pk=job.pk, attempt=job.attempt, status=Job.Status.RUNNING).update(
                status=Job.Status.FAILED,
                finished_at=now,
                error=str(
                    _("Le travailleur s'est arrêté %(count)d fois pendant cette tâche.")
                    % {"count": job.attempt}
                ),
            )
            continue
        with transaction.atomic():
            taken = Job.objects.filter(
                pk=job.pk, attempt=job.attempt, status=Job.Status.RUNNING
            ).update(
                status=Job.Status.QUEUED,
                message=str(_("Reprise après l'arrêt du travailleur.")),
            )
            if taken:
                _enqueue(job)
                requeued.append(job)
    return requeued


def wait_seconds(job: Job) -> float:
    """How long the job has run (or ran), for display."""
    if job.started_at is None:
        return 0.0
    end = job.finished_at or timezone.now()
    return (end - job.started_at).total_seconds()


# Periodic jobs: kinds the worker queues again once their period has passed (escalation of
# overdue complaints, …). An app declares its own in its AppConfig.ready with `job_every`.
_PERIODIC: dict[str, timedelta] = {}


def job_every(kind: str, every: timedelta) -> None:
    """Have the running worker queue a job of ``kind`` every ``every``."""
    get_job_kind(kind)
    _PERIODIC[kind] = every


def periodic_kinds() -> dict[str, timedelta]:
    return dict(_PERIODIC)


def queue_periodic_jobs(*, now: datetime | None = None) -> list[Job]:
    """Queue each periodic kind whose latest job is older than its period and none is
    waiting or running. Safe to call often and from two workers at once: the handlers of
    periodic kinds are idempotent, so a rare second run does nothing twice."""
    now = now or timezone.now()
    queued = []
    for kind, every in _PERIODIC.items():
        latest = Job.objects.filter(kind=kind).order_by("-created_at").first()
        if latest is not None and (
            latest.status not in Job.FINISHED or latest.created_at > now - every
        ):
            continue
        queued.append(start_job(actor=None, kind=kind))
    return queued
