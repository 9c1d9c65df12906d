"""What every `jigi` command shares: ``--json`` output, clear errors, foreground jobs with a
terminal progress bar."""

from __future__ import annotations

import getpass
import json
import sys
import threading
import time
from argparse import SUPPRESS, ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jigi.core import jobs
from jigi.core.context import cli_source
from jigi.core.errors import DomainError
from jigi.core.models import Job


class JigiCommand(BaseCommand):
    """Subclasses implement `run` and return a dict; it is printed as JSON with ``--json``."""

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--json", action="store_true", help="print a machine-readable JSON result"
        )
        self.add_command_arguments(parser)
        # Accept --json after a subcommand too (`jigi audit verify --json`).
        for action in parser._subparsers._group_actions if parser._subparsers else ():
            for subparser in getattr(action, "choices", {}).values():
                subparser.add_argument(
                    "--json", action="store_true", default=SUPPRESS, help="JSON output"
                )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        """Subclasses add their own arguments here."""

    def run(self, **options: Any) -> dict[str, Any]:
        raise NotImplementedError

    def render(self, result: dict[str, Any]) -> None:
        """Human-readable output; the default prints key: value lines."""
        for key, value in result.items():
            self.stdout.write(f"{key}: {value}")

    def handle(self, *args: Any, **options: Any) -> None:
        self.json_mode = bool(options.get("json"))
        self.console = Console(file=sys.stderr, quiet=self.json_mode)
        try:
            with cli_source():
                result = self.run(**options)
        except DatabaseError as exc:
            message = f"Database error: {exc}. Is the database set up? Run `jigi setup` (DATABASE_URL decides which one)."
            self._fail(message)
        except (DomainError, CommandError) as exc:
            self._fail(str(exc))
        if self.json_mode:
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
        else:
            self.render(result)
        if result.get("ok") is False:
            sys.exit(1)

    def _fail(self, message: str) -> None:
        if self.json_mode:
            self.stdout.write(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
            sys.exit(1)
        raise CommandError(message)

    def watch(self, job: Job, *, poll: float = 0.3, runner: threading.Thread | None = None) -> Job:
        """Show a job's progress as a terminal bar until it finishes (or its runner ends)."""
        kind = jobs.job_kinds().get(job.kind)
        label = str(kind.label) if kind else job.kind
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.console, transient=False) as bar:
            task_id = bar.add_task(label, total=None)
            while True:
                job.refresh_from_db()
                bar.update(
                    task_id,
                    completed=job.done,
                    total=job.total,
                    description=f"{label} {job.message}".strip(),
                )
                if job.is_finished:
                    return job
                if runner is not None and not runner.is_alive():
                    job.refresh_from_db()
                    return job
                time.sleep(poll)

    def run_job_here(self, kind: str, params: dict[str, Any] | None = None) -> Job:
        """Run a job in this process (no worker needed), showing the same progress bar."""
        return self.execute_here(
            jobs.start_job(actor=None, kind=kind, params=params, enqueue=False)
        )

    def execute_here(self, job: Job) -> Job:
        """Run an existing queued job in this process, showing its progress bar."""

        failure: list[BaseException] = []

        def work() -> None:
            try:
                jobs.execute_job(str(job.pk))
            except BaseException as exc:  # reported below: the job could not even start
                failure.append(exc)
            finally:
                connections.close_all()  # this thread ends: its connection goes with it

        thread = threading.Thread(target=work, name=f"job-{job.pk}", daemon=True)
        thread.start()
        job = self.watch(job, runner=thread)
        thread.join()
        if failure and not job.is_finished:
            raise CommandError(f"The job could not run: {type(failure[0]).__name__}: {failure[0]}")
        return job


def read_password(prompt: str, env_value: str | None) -> str:
    if env_value:
        return env_value
    if not sys.stdin.isatty():
        raise CommandError("No password given: set JIGI_ADMIN_PASSWORD or run interactively.")
    first = getpass.getpass(prompt)
    if first != getpass.getpass("Confirm: "):
        raise CommandError("The two passwords differ.")
    return first


def job_outcome(job: Job) -> dict[str, Any]:
    outcome: dict[str, Any] = {
        "ok": job.status == Job.Status.SUCCEEDED,
        "job": str(job.pk),
        "status": job.status,
    }
    if job.result:
        outcome.update(job.result)
    if job.error:
        outcome["error"] = job.error
    return outcome
