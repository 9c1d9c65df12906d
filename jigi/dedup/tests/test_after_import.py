"""Every imported household goes through dedup: a file's commit queues a run over the register,
and the import's summary then counts the possible duplicates among its households."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse

from conftest import signed_in
from jigi.accounts.models import User
from jigi.core.models import Job
from jigi.dedup import services as dedup
from jigi.intake import selectors, services
from jigi.intake.models import ImportBatch
from jigi.intake.synth import write

pytestmark = pytest.mark.django_db


def test_an_import_is_checked_for_duplicates_once_committed(
    areas: None, tmp_path: Path, administrator: User
) -> None:
    synth = write(tmp_path / "menages.csv", households_count=300, seed=3, duplicate_rate=0.15)
    batch = services.create_batch(
        actor=administrator,
        content=io.BytesIO(synth.path.read_bytes()),
        original_name="menages.csv",
    )
    services.validate_batch(batch)
    batch.refresh_from_db()
    assert selectors.duplicate_check(batch) is None  # checked after the commit
    batch.policy = ImportBatch.Policy.VALID_ONLY
    services.commit_batch(batch, actor=administrator)
    batch.refresh_from_db()

    assert Job.objects.filter(kind="dedup.run", status=Job.Status.QUEUED).count() == 1
    check = selectors.duplicate_check(batch)
    assert check is not None
    assert check.pending
    page = signed_in(administrator).get(reverse("intake:batch_detail", args=[batch.pk]))
    assert "vérification en cours" in page.content.decode()

    dedup.run_dedup(actor=None)  # what the queued job does
    check = selectors.duplicate_check(batch)
    assert check is not None
    assert not check.pending
    # About 45 households were registered twice; those whose NINA repeats were refused by the
    # import itself, the others are found (about 6 members each).
    assert check.pairs > 30
    page = signed_in(administrator).get(reverse("intake:batch_detail", args=[batch.pk]))
    assert f">{check.pairs}</a>" in page.content.decode()


def test_a_second_import_while_a_run_waits_queues_no_other(areas: None) -> None:
    first = dedup.check_after_import()
    assert first is not None
    assert dedup.check_after_import() is None
