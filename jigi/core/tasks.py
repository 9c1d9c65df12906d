"""The one task the worker runs: execute a `Job` by id (safe to run twice)."""

from django_tasks import task

from jigi.core.jobs import execute_job


@task()
def run_job(job_id: str) -> str:
    return execute_job(job_id).status
