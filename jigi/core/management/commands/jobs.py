import uuid
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from jigi.core import jobs
from jigi.core.management.base import JigiCommand, job_outcome
from jigi.core.models import Job


class Command(JigiCommand):
    help = "List, run, watch or cancel background jobs."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="the 20 most recent jobs")
        sub.add_parser("kinds", help="the kinds of job that can be run")
        run = sub.add_parser(
            "run", help="run a job here with a progress bar (or queue it with --background)"
        )
        run.add_argument("kind")
        run.add_argument(
            "--background", action="store_true", help="queue it for the worker and return"
        )
        for name in ("watch", "show", "cancel"):
            action = sub.add_parser(name, help=f"{name} one job")
            action.add_argument("job_id")

    def _get(self, job_id: str) -> Job:
        try:
            key = uuid.UUID(job_id)
        except ValueError:
            raise CommandError(f"{job_id!r} is not a job id (see `jigi jobs list`).") from None
        job = Job.objects.filter(pk=key).first()
        if job is None:
            raise CommandError(f"No job with id {job_id}.")
        return job

    def run(self, **options: Any) -> dict[str, Any]:
        action = options["action"]
        if action == "list":
            rows = [
                {
                    "id": str(job.pk),
                    "kind": job.kind,
                    "status": job.status,
                    "done": job.done,
                    "total": job.total,
                }
                for job in Job.objects.all()[:20]
            ]
            return {"ok": True, "jobs": rows}
        if action == "kinds":
            return {
                "ok": True,
                "kinds": {name: str(kind.label) for name, kind in jobs.job_kinds().items()},
            }
        if action == "run":
            if options["background"]:
                job = jobs.start_job(actor=None, kind=options["kind"])
                return {"ok": True, "job": str(job.pk), "status": job.status}
            return job_outcome(self.run_job_here(options["kind"]))
        job = self._get(options["job_id"])
        if action == "watch":
            return job_outcome(self.watch(job))
        if action == "cancel":
            return job_outcome(jobs.cancel_job(actor=None, job=job)) | {"ok": True}
        return job_outcome(job) | {
            "ok": True,
            "done": job.done,
            "total": job.total,
            "message": job.message,
        }

    def render(self, result: dict[str, Any]) -> None:
        if "jobs" in result:
            for row in result["jobs"]:
                self.stdout.write(
                    f"{row['id']}  {row['status']:<10} {row['done']}/{row['total'] or '?'}  {row['kind']}"
                )
            return
        if "kinds" in result:
            for name, label in result["kinds"].items():
                self.stdout.write(f"{name:<28} {label}")
            return
        super().render(result)
