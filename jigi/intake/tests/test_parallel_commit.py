"""A large import's new households are written by two processes side by side (decision
0005). What they write must be what one process writes, and a failure must leave a
commit that resumes without losing or doubling anyone."""

from __future__ import annotations

import csv
import io
import multiprocessing
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from jigi.audit.models import AuditEntry
from jigi.audit.services import verify_chain
from jigi.intake import services
from jigi.intake.models import ImportBatch, SourceRecord, StagedHousehold
from jigi.intake.synth import write
from jigi.registry.models import Household, Individual, NamePair, NameToken
from jigi.registry.services import name_pairs, name_words

# The writing processes have their own connections: they see only what is committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def side_by_side(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "CHUNK", 6)
    monkeypatch.setattr(services, "COMMIT_CHUNK", 6)
    monkeypatch.setattr(services, "PARALLEL_COMMIT_HOUSEHOLDS", 0)
    settings.JIGI_IMPORT_COMMIT_WORKERS = 2


def households_of(path: Path, keep: int | None = None, change: str = "") -> bytes:
    """The file's rows (the first ``keep`` households), with one member's phone changed in
    the household ``change``."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    key, phone = header.index("household_id"), header.index("phone")
    order = list(dict.fromkeys(row[key] for row in body))
    kept = set(order[:keep] if keep is not None else order)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in body:
        if row[key] in kept:
            if row[key] == change:
                row[phone], change = "+22376543210", ""  # only its first member
            writer.writerow(row)
    return out.getvalue().encode()


def validated(content: bytes, name: str = "cercle.csv") -> ImportBatch:
    batch = services.create_batch(actor=None, content=io.BytesIO(content), original_name=name)
    services.validate_batch(batch)
    batch.refresh_from_db()
    return batch


def imported(content: bytes) -> ImportBatch:
    batch = validated(content)
    batch.policy = ImportBatch.Policy.VALID_ONLY
    services.commit_batch(batch)
    batch.refresh_from_db()
    return batch


def test_side_by_side_commits_write_every_household_once_with_its_index_and_audit(
    areas: None, tmp_path: Path, side_by_side: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.csv"
    write(path, households_count=70, seed=5, duplicate_rate=0.1)
    # Who wrote what: each writing process's count, and what this process wrote itself.
    by_workers: list[list[int]] = []
    here: list[str] = []
    in_workers, write_new = services._commit_in_workers, services._Committer.write_new

    def counted(*args: Any) -> list[int]:
        by_workers.append(in_workers(*args))
        return by_workers[-1]

    def written_here(self: services._Committer, items: list[Any]) -> None:
        here.extend(item.action for item in items)
        write_new(self, items)

    monkeypatch.setattr(services, "_commit_in_workers", counted)
    monkeypatch.setattr(services._Committer, "write_new", written_here)
    first = imported(households_of(path, keep=20))
    with path.open(encoding="utf-8", newline="") as handle:
        changed = list(csv.DictReader(handle))[0]["household_id"]
    second = imported(households_of(path, change=changed))

    # Both processes wrote, together every new household, and none was left to this one.
    assert [len(counts) for counts in by_workers] == [2, 2]
    assert all(count > 0 for counts in by_workers for count in counts)
    assert [sum(counts) for counts in by_workers] == [first.households_new, second.households_new]
    assert here == []  # the update goes through the register's services, not write_new

    assert first.households_committed == first.households_new > 15
    assert second.households_updated == 1
    assert second.households_new == 70 - 20 - second.households_error + first.households_error
    assert second.households_committed == second.households_new + 1
    assert Household.objects.count() == first.households_new + second.households_new
    codes = list(Household.objects.values_list("code", flat=True))
    assert len(set(codes)) == len(codes)
    # Codes follow the file's order, whichever process wrote the household (the first
    # import's households, then the second's, each in the file's order).
    by_key = dict(SourceRecord.objects.values_list("key", "household__code"))
    with path.open(encoding="utf-8", newline="") as handle:
        file_order = dict.fromkeys(row["household_id"] for row in csv.DictReader(handle))
    in_file = [by_key[key] for key in file_order if key in by_key]
    assert len(in_file) == Household.objects.count()
    numbers = [code.split("-")[1] for code in in_file]  # the number part, fixed-width
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == len(numbers)
    # Each household's members, with its source key naming each of them.
    for record in SourceRecord.objects.select_related("household"):
        members = set(record.household.members.values_list("id", flat=True))
        assert members
        assert set(record.member_keys.values()) <= members
    # Nothing is left to write, and no staged copy of personal data is kept but the refused
    # households' (for their report).
    assert not StagedHousehold.objects.filter(
        action__in=[StagedHousehold.Action.NEW, StagedHousehold.Action.UPDATE]
    ).exists()
    kept = StagedHousehold.objects.exclude(payload={})
    assert set(kept.values_list("action", flat=True)) == {StagedHousehold.Action.ERROR}
    # The name index of every person, exactly as one process writes it.
    tokens = Counter(NameToken.objects.values_list("individual_id", "token"))
    pairs = Counter(NamePair.objects.values_list("individual_id", "pair"))
    for person in Individual.objects.all():
        words = name_words(person.names_folded)
        assert {token for (who, token) in tokens if who == person.pk} == set(words)
        assert {pair for (who, pair) in pairs if who == person.pk} == set(name_pairs(words))
    assert max(tokens.values()) == max(pairs.values()) == 1
    # The update went through the register's services: the change is in the history.
    assert Individual.objects.filter(phone="+22376543210").count() == 1
    assert AuditEntry.objects.filter(action="registry.household_registered").count() == (
        Household.objects.count()
    )
    assert AuditEntry.objects.filter(action="registry.member_updated").exists()
    assert verify_chain().ok
    assert multiprocessing.active_children() == []


def test_a_failing_writer_stops_the_commit_and_the_next_run_finishes_it(
    areas: None, tmp_path: Path, side_by_side: None
) -> None:
    path = tmp_path / "r.csv"
    write(path, households_count=60, seed=8, duplicate_rate=0.0)
    batch = validated(path.read_bytes(), "r.csv")
    batch.policy = ImportBatch.Policy.VALID_ONLY
    # A staged household near the end that its writer cannot read (a commune unknown now).
    broken = batch.staged.filter(action=StagedHousehold.Action.NEW).order_by("-pk")[3]
    payload = dict(broken.payload)
    StagedHousehold.objects.filter(pk=broken.pk).update(payload={**payload, "commune": "ML9999"})

    with pytest.raises(RuntimeError, match="KeyError: 'ML9999'"):
        services.commit_batch(batch)
    assert multiprocessing.active_children() == []
    written = Household.objects.count()
    assert 0 < written < batch.households_new
    # Each chunk is whole: the households written are those counted, and no longer staged.
    batch.refresh_from_db()
    assert written == batch.households_committed
    assert batch.staged.filter(action=StagedHousehold.Action.NEW).count() == (
        batch.households_new - written
    )
    assert batch.staged.filter(pk=broken.pk).exists()  # still to write

    StagedHousehold.objects.filter(pk=broken.pk).update(payload=payload)
    services.commit_batch(batch)
    batch.refresh_from_db()
    assert Household.objects.count() == batch.households_committed == batch.households_new
    assert SourceRecord.objects.count() == batch.households_new
    assert verify_chain().ok


def test_a_side_by_side_commit_shows_its_progress_stops_when_cancelled_and_resumes(
    areas: None, tmp_path: Path, side_by_side: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jigi.core import jobs
    from jigi.core.models import Job

    path = tmp_path / "r.csv"
    write(path, households_count=300, seed=9, duplicate_rate=0.0)
    batch = validated(path.read_bytes(), "r.csv")
    job = services.start_commit(
        actor=None, batch=batch, policy=ImportBatch.Policy.VALID_ONLY, enqueue=False
    )
    # The officer presses "cancel" as soon as the bar first moves past what was done.
    monkeypatch.setattr(jobs, "PROGRESS_WRITE_INTERVAL", 0)
    seen: list[tuple[int, int | None]] = []
    update = jobs.Progress.update

    def watched(self: jobs.Progress, done: int, *args: Any, **kwargs: Any) -> None:
        seen.append((done, self.job.total))
        if done > 0:
            Job.objects.filter(pk=self.job.pk).update(cancel_requested=True)
        update(self, done, *args, **kwargs)

    monkeypatch.setattr(jobs.Progress, "update", watched)
    assert jobs.execute_job(str(job.pk)).status == Job.Status.CANCELLED
    assert multiprocessing.active_children() == []
    # The bar counted the households of the whole commit, and moved with the writers' chunks.
    assert seen[0] == (0, batch.households_new)
    assert 0 < seen[-1][0] <= batch.households_new
    # What was written is whole chunks, each counted and no longer staged; the next run
    # writes the rest.
    written = Household.objects.count()
    assert 0 < written < batch.households_new  # stopped at its first chunks, of 50
    batch.refresh_from_db()
    assert written == batch.households_committed
    assert batch.staged.count() == batch.households_total - written
    assert batch.status == ImportBatch.Status.FAILED  # "Relancer" resumes it
    monkeypatch.setattr(jobs.Progress, "update", update)
    again = services.start_commit(actor=None, batch=batch, policy=batch.policy, enqueue=False)
    assert jobs.execute_job(str(again.pk)).status == Job.Status.SUCCEEDED
    batch.refresh_from_db()
    assert Household.objects.count() == batch.households_committed == batch.households_new
    assert SourceRecord.objects.count() == batch.households_new
    assert verify_chain().ok
