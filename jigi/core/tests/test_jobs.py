"""Jobs run through the real database task backend and worker command."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jigi.core import jobs
from jigi.core.models import Job

pytestmark = pytest.mark.django_db(transaction=True)

RUNS: list[str] = []


@jobs.job_kind("test.count", label="count", permission="reference.manage")
def _count(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    RUNS.append(str(job.pk))
    progress.start(3)
    for _step in range(3):
        progress.advance(message="step")
    return {"counted": 3}


@jobs.job_kind("test.fail", label="fail", permission="reference.manage")
def _fail(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    raise ZeroDivisionError("boom")


@pytest.fixture(autouse=True)
def _reset_runs() -> None:
    RUNS.clear()


def run_worker() -> None:
    call_command("worker", batch=True, verbosity=0)


def test_a_started_job_is_run_by_the_worker_with_progress_and_result(areas: None) -> None:
    job = jobs.start_job(actor=None, kind="test.count")
    assert DBTaskResult.objects.count() == 1
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.result == {"counted": 3}
    assert job.finished_at is not None


def test_running_the_same_job_twice_does_the_work_once(areas: None) -> None:
    job = jobs.start_job(actor=None, kind="test.count", enqueue=False)
    jobs.execute_job(str(job.pk))
    jobs.execute_job(str(job.pk))
    job.refresh_from_db()
    assert [str(job.pk)] == RUNS
    assert job.attempt == 1


def test_a_job_orphaned_by_a_dead_worker_is_queued_again_and_finished(areas: None) -> None:
    job = jobs.start_job(actor=None, kind="test.count", enqueue=False)
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, attempt=1, heartbeat_at=long_ago, done=1
    )
    recent = jobs.start_job(actor=None, kind="test.count", enqueue=False)
    Job.objects.filter(pk=recent.pk).update(
        status=Job.Status.RUNNING, attempt=1, heartbeat_at=timezone.now()
    )

    requeued = jobs.requeue_stale_jobs()

    assert [row.pk for row in requeued] == [job.pk]
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.attempt == 2
    assert Job.objects.get(pk=recent.pk).status == Job.Status.RUNNING  # still alive: left alone


def test_a_superseded_run_stops_at_its_next_progress_report(areas: None) -> None:
    job = jobs.start_job(actor=None, kind="test.count", enqueue=False)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempt=1)
    job.refresh_from_db()
    old_run = jobs.Progress(job)
    Job.objects.filter(pk=job.pk).update(attempt=2)  # another worker took it over
    with pytest.raises(jobs.JobStopped):
        old_run.update(1, force=True)


def test_a_job_that_keeps_killing_its_worker_is_failed_not_retried_forever(areas: None) -> None:
    job = jobs.start_job(actor=None, kind="test.count", enqueue=False)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        attempt=jobs.MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    assert jobs.requeue_stale_jobs() == []
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert str(jobs.MAX_ATTEMPTS) in job.error


def test_a_cancelled_queued_job_never_runs(areas: None) -> None:
    job = jobs.start_job(actor=None, kind="test.count")
    jobs.cancel_job(actor=None, job=job)
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert RUNS == []


def test_cancelling_a_running_job_stops_it_at_the_next_report(areas: None) -> None:
    job = jobs.start_job(actor=None, kind="test.count", enqueue=False)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempt=1)
    job.refresh_from_db()
    jobs.cancel_job(actor=None, job=job)
    with pytest.raises(jobs.JobStopped):
        jobs.Progress(job).update(1, force=True)


def test_a_failing_job_records_the_error_without_a_traceback(areas: None) -> None:
    job = jobs.start_job(actor=None, kind="test.fail")
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "ZeroDivisionError: boom"


def test_a_job_and_its_task_message_are_created_together_or_not_at_all(areas: None) -> None:
    from django.db import transaction

    def start_then_fail() -> None:
        with transaction.atomic():
            jobs.start_job(actor=None, kind="test.count")
            raise RuntimeError("the caller's transaction fails after starting the job")

    with pytest.raises(RuntimeError):
        start_then_fail()
    assert not Job.objects.exists()
    assert not DBTaskResult.objects.exists()


@jobs.job_kind("test.slow_step", label="slow", permission="reference.manage")
def _slow_step(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    import time

    started = Job.objects.get(pk=job.pk).heartbeat_at
    time.sleep(2.5)  # one long step with no progress report
    beat = Job.objects.get(pk=job.pk).heartbeat_at
    return {"beat": started is not None and beat is not None and beat > started}


def test_a_long_step_keeps_its_heartbeat_so_it_is_not_taken_for_dead(
    areas: None, settings: Any
) -> None:
    settings.JIGI_JOB_STALE_AFTER = timedelta(seconds=4)  # heartbeat every second
    job = jobs.start_job(actor=None, kind="test.slow_step", enqueue=False)
    jobs.execute_job(str(job.pk))
    job.refresh_from_db()
    assert job.result == {"beat": True}
