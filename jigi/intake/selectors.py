"""Which imports a user sees: national-scope staff see every import, others their own."""

from __future__ import annotations

from django.db.models import QuerySet

from jigi.accounts.models import User
from jigi.core.errors import NotFound
from jigi.dedup.selectors import HouseholdsCheck, check_of_households
from jigi.intake.models import ImportBatch, SourceRecord, StagedHousehold


def batches_for(user: User) -> QuerySet[ImportBatch]:
    batches = ImportBatch.objects.select_related("created_by", "mapping")
    if user.national_scope:
        return batches
    return batches.filter(created_by=user)


def get_batch(user: User, batch_id: int) -> ImportBatch:
    batch = (
        batches_for(user).select_related("validate_job", "commit_job").filter(pk=batch_id).first()
    )
    if batch is None:
        raise NotFound("import")
    return batch


def households_with_errors(batch: ImportBatch) -> QuerySet[StagedHousehold]:
    return batch.staged.filter(action=StagedHousehold.Action.ERROR).order_by("first_row", "id")


def earlier_imports_of_same_file(user: User, batch: ImportBatch) -> list[ImportBatch]:
    """Earlier imports of the very same file (by content) that ``user`` may see, newest first."""
    return list(
        batches_for(user)
        .filter(sha256=batch.sha256, created_at__lt=batch.created_at)
        .exclude(pk=batch.pk)
        .order_by("-created_at")[:5]
    )


def duplicate_check(batch: ImportBatch) -> HouseholdsCheck | None:
    """The dedup check of a committed import's new households (None before the commit)."""
    if batch.committed_at is None or not batch.households_committed:
        return None
    households = SourceRecord.objects.filter(batch=batch).values("household_id")
    return check_of_households(households, batch.committed_at)
