"""The demo register: a synthetic register from `jigi synth`, loaded through the real import
path (file → validation job → commit job), so the demo exercises what users will run.
Idempotent: a second `jigi demo` finds the demo's households already imported."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from jigi.core.jobs import execute_job
from jigi.intake import services
from jigi.intake.models import ImportBatch, SourceRecord
from jigi.intake.synth import write
from jigi.registry.models import Household

DEMO_SOURCE = "demo"
DEMO_HOUSEHOLDS = 2500
DEMO_SEED = 2026


def seed() -> dict[str, Any]:
    if SourceRecord.objects.filter(source=DEMO_SOURCE).exists():
        return {"households": Household.objects.count(), "created": 0}
    folder = settings.VAR_DIR / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "registre-demo.csv"
    write(path, households_count=DEMO_HOUSEHOLDS, seed=DEMO_SEED, duplicate_rate=0.04)
    with path.open("rb") as content:
        batch = services.create_batch(
            actor=None, content=content, original_name=path.name, source=DEMO_SOURCE
        )
    execute_job(str(services.start_validation(actor=None, batch=batch, enqueue=False).pk))
    batch.refresh_from_db()
    job = services.start_commit(
        actor=None, batch=batch, policy=ImportBatch.Policy.VALID_ONLY, enqueue=False
    )
    execute_job(str(job.pk))
    batch.refresh_from_db()
    return {
        "households": Household.objects.count(),
        "created": batch.households_committed,
        "import": batch.pk,
        "rows_with_errors": batch.rows_error,
    }
