"""The running worker escalates overdue complaints on its own every hour (no cron needed)."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from jigi.core.jobs import execute_job, periodic_kinds, queue_periodic_jobs
from jigi.core.models import Job
from jigi.grievances.models import Level
from jigi.grievances.tests.factories import complaint, officer, rule

pytestmark = pytest.mark.django_db


def test_the_worker_queues_escalation_once_an_hour(areas: None) -> None:
    assert "grievances.escalate" in periodic_kinds()
    regional = officer("plaintes.region")
    rule(regional, Level.REGIONAL, region_id="ML01")
    with freeze_time("2027-03-01 09:00:00"):
        late = complaint()  # 15 days to answer
    with freeze_time("2027-03-16 10:00:00"):
        [job] = [job for job in queue_periodic_jobs() if job.kind == "grievances.escalate"]
        assert queue_periodic_jobs() == []  # one is already waiting
        assert execute_job(str(job.pk)).result == {"escalated": 1, "checked": 1}
    with freeze_time("2027-03-16 10:30:00"):
        assert queue_periodic_jobs() == []  # ran half an hour ago
    with freeze_time("2027-03-16 11:00:01"):
        assert [job.kind for job in queue_periodic_jobs()] == ["grievances.escalate"]
    late.refresh_from_db()
    assert (late.level, late.assigned_to) == (Level.REGIONAL, regional)
    assert Job.objects.filter(kind="grievances.escalate").count() == 2
