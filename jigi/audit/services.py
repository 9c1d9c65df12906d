"""Recording audit entries and verifying the chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jigi.audit.models import GENESIS_HASH, HASHED, AuditEntry, AuditHead, hashed_fields
from jigi.core.bulk import BulkRows
from jigi.core.context import current_source
from jigi.core.jobs import Progress, job_kind

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from jigi.core.models import Job


def _canonical(value: Any) -> str:
    """The one JSON text of ``value`` that hashes are computed over: keys sorted, compact."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(fields).encode("utf-8")).hexdigest()


def _plain(changes: dict[str, Any]) -> dict[str, Any]:
    """Changes as stored JSON gives them back (dates as text), so the hash survives a reload."""
    loaded: dict[str, Any] = json.loads(json.dumps(changes, cls=DjangoJSONEncoder))
    return loaded


def _entry_values(
    *,
    seq: int,
    prev_hash: str,
    actor: AbstractBaseUser | None,
    action: str,
    target: models.Model | None,
    changes: dict[str, Any] | None,
    target_label: str | None,
    source: str,
) -> dict[str, Any]:
    """An entry's field values by attribute name, its hash included."""
    values: dict[str, Any] = {
        "seq": seq,
        "at": timezone.now(),
        "actor_id": actor.pk if actor is not None else None,
        "actor_label": actor.get_username() if actor is not None else "système",
        "action": action,
        "target_type": target._meta.label_lower if target is not None else "",
        "target_id": str(target.pk) if target is not None else "",
        "target_label": (target_label if target_label is not None else str(target or ""))[:200],
        "changes": _plain(changes or {}),
        "source": source,
        "prev_hash": prev_hash,
    }
    values["hash"] = entry_hash(hashed_fields(values))
    return values


def _entry(**options: Any) -> AuditEntry:
    return AuditEntry(**_entry_values(**options))


def record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    target_label: str | None = None,
) -> AuditEntry:
    """Append one entry to the audit log, chained to the previous one.

    Call it inside the service's transaction so the entry and the change commit together.
    The head row is locked for the rest of that transaction, which serialises appends.
    """
    with transaction.atomic():
        head, _created = AuditHead.objects.select_for_update().get_or_create(id=1)
        entry = _entry(
            seq=head.last_seq + 1,
            prev_hash=head.last_hash,
            actor=actor,
            action=action,
            target=target,
            changes=changes,
            target_label=target_label,
            source=current_source() or "système",
        )
        entry.save()
        AuditHead.objects.filter(id=1).update(last_seq=entry.seq, last_hash=entry.hash)
    return entry


def record_many(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    items: Sequence[tuple[models.Model, dict[str, Any]]],
) -> int:
    """Append one entry per (target, changes) in one go: the same chained entries as `record`
    called in a loop, for bulk writes such as imports. Returns the number appended."""
    return append_prepared(prepare_many(actor=actor, action=action, items=items))


@dataclass(frozen=True, slots=True)
class PreparedEntry:
    """An entry built ahead of its transaction (`prepare_many`): its stored values but for its
    place in the chain, and the canonical JSON its hash is computed over, cut where the
    chained fields go (``at``, ``prev_hash``, ``seq``, in the canonical key order)."""

    values: dict[str, Any]  # ``changes`` is JSON text already, as the column stores it
    fragments: tuple[str, str, str, str]


# The chained fields, in the order `_canonical` writes them among the others.
_CHAINED = ("at", "prev_hash", "seq")
_SORTED = tuple(sorted(HASHED))
if (
    tuple(name for name in _SORTED if name in _CHAINED) != _CHAINED or _SORTED[-1] in _CHAINED
):  # pragma: no cover
    raise ImportError("audit: the chained fields no longer sort as the fragments assume")


def _changes_json(changes: dict[str, Any]) -> str:
    """``changes`` as canonical JSON text: what the column stores, and what the hash covers once
    the stored JSON is read back (dates as text, decimals as text)."""
    try:
        if all(type(key) is str for key in changes):
            return json.dumps(
                changes,
                cls=DjangoJSONEncoder,
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
            )
    except TypeError:  # keys json cannot sort (mixed types)
        pass
    return _canonical(_plain(changes))


def _fragments(fields: dict[str, Any]) -> tuple[str, str, str, str]:
    """The canonical JSON of ``fields`` (the hashed fields but the chained ones), in the four
    pieces that the chained fields' values go between."""
    pieces: list[list[str]] = [[]]
    for name in _SORTED:
        if name in _CHAINED:
            pieces[-1].append(f"{json.dumps(name)}:")
            pieces.append([])
            continue
        value = fields["changes"] if name == "changes" else _canonical(fields[name])
        pieces[-1].append(f"{json.dumps(name)}:{value}")
    first, second, third, last = (",".join(piece) for piece in pieces)
    return "{" + first, "," + second, "," + third, "," + last + "}"


def prepare_many(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    items: Sequence[tuple[models.Model, dict[str, Any]]],
) -> list[PreparedEntry]:
    """Entries for `append_prepared`, built before its transaction: all but their place in
    the chain (sequence number, time, previous hash), which only the appending transaction
    knows (a bulk writer then holds the chain's head for the chaining only)."""
    common = {
        "actor_id": actor.pk if actor is not None else None,
        "actor_label": actor.get_username() if actor is not None else "système",
        "action": action,
        "source": current_source() or "système",
    }
    prepared = []
    for target, changes in items:
        values = {
            **common,
            "target_type": target._meta.label_lower,
            "target_id": str(target.pk),
            "target_label": str(target)[:200],
            "changes": _changes_json(changes),
        }
        prepared.append(PreparedEntry(values, _fragments(values)))
    return prepared


def append_prepared(entries: Sequence[PreparedEntry]) -> int:
    """Chain and append entries from `prepare_many` (inside the caller's transaction)."""
    if not entries:
        return 0
    with transaction.atomic():
        head, _created = AuditHead.objects.select_for_update().get_or_create(id=1)
        seq, prev_hash = head.last_seq, head.last_hash
        at = timezone.now()
        at_json, at_stored = (
            json.dumps(_hashed_time(at)),
            connection.ops.adapt_datetimefield_value(at),
        )
        sha256 = hashlib.sha256
        rows = []
        for entry in entries:
            seq += 1
            head_part, middle, after_hash, tail = entry.fragments
            canonical = f'{head_part}{at_json}{middle}"{prev_hash}"{after_hash}{seq}{tail}'
            fields = {**entry.values, "seq": seq, "at": at_stored, "prev_hash": prev_hash}
            prev_hash = sha256(canonical.encode("utf-8")).hexdigest()
            rows.append((*(fields[name] for name in HASHED), prev_hash))
        # Plain rows, not even model objects: those cost more than the database on imports.
        # The values are stored forms already (the time adapted, ``changes`` JSON text).
        BulkRows(AuditEntry, _ROW_COLUMNS).insert(rows, adapt=False)
        AuditHead.objects.filter(id=1).update(last_seq=seq, last_hash=prev_hash)
    return len(rows)


def _hashed_time(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")  # as `hashed_fields` gives it


_ROW_VALUES = (*HASHED, "hash")
_ROW_COLUMNS = tuple(
    name.removesuffix("_id") if name == "actor_id" else name for name in _ROW_VALUES
)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    head_seq: int
    broken_seq: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_chain(
    progress: Progress | None = None, *, anchor: tuple[int, str] | None = None
) -> ChainReport:
    """Recompute every hash in order; report the first entry that was altered or removed.

    The walk stops at the head read first, so entries appended meanwhile are checked next
    time rather than mistaken for tampering. ``anchor`` (a sequence number and the hash
    printed earlier by `jigi audit head` and kept elsewhere) also catches someone who
    removed entries and rewrote the head.
    """
    head = AuditHead.objects.filter(id=1).first() or AuditHead(id=1)
    entries = AuditEntry.objects.filter(seq__lte=head.last_seq)
    total = entries.count()
    if progress:
        progress.start(total, str(_("Vérification de la chaîne d'audit")))
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    anchored = anchor is None
    for entry in entries.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return ChainReport(False, checked, head.last_seq, expected_seq, "entrée manquante")
        if entry.prev_hash != expected_prev:
            return ChainReport(
                False, checked, head.last_seq, entry.seq, "lien vers l'entrée précédente rompu"
            )
        if entry_hash(entry.hashed_fields()) != entry.hash:
            return ChainReport(False, checked, head.last_seq, entry.seq, "contenu modifié")
        if anchor is not None and entry.seq == anchor[0]:
            if entry.hash != anchor[1]:
                return ChainReport(
                    False, checked, head.last_seq, entry.seq, "ne correspond pas à l'ancre"
                )
            anchored = True
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
        if progress:
            progress.advance()
    if checked != head.last_seq or expected_prev != head.last_hash:
        return ChainReport(False, checked, head.last_seq, checked + 1, "fin de la chaîne supprimée")
    if not anchored and anchor is not None:
        return ChainReport(False, checked, head.last_seq, anchor[0], "entrée de l'ancre absente")
    return ChainReport(True, checked, head.last_seq)


@job_kind("audit.verify", label=_("Vérifier la chaîne d'audit"), permission="audit.verify")
def verify_chain_job(job: Job, progress: Progress) -> dict[str, Any]:
    anchor = job.params.get("anchor")
    return verify_chain(
        progress, anchor=(int(anchor[0]), str(anchor[1])) if anchor else None
    ).as_dict()
