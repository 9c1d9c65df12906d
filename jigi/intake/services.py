"""The import pipeline: upload → staged and validated (a job) → summary for review → committed
(a job) → report.

Validation reads the file as a stream, groups each household's rows, checks every value with
the register's own rules and stages one row per household with its cleaned values or its
errors. Commit writes staged households in chunks; each chunk's households, name index,
audit entries and source keys, and the removal of its staged rows, are one transaction, so
a worker killed mid-import loses nothing and doubles nothing when the job runs again.
"""

from __future__ import annotations

import csv
import ctypes
import gc
import hashlib
import itertools
import json
import logging
import multiprocessing
import os
import signal
import uuid
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, BinaryIO, cast

import orjson
from django.conf import settings
from django.db import DataError, IntegrityError, connection, connections, transaction
from django.db.models import Count, F, Max, Min, Model, Q, QuerySet, Sum, TextField
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.bulk import BulkRows, now_value
from jigi.core.context import action_source, current_source
from jigi.core.errors import DomainError, Forbidden, InvalidInput
from jigi.core.jobs import JobStopped, Progress, job_kind, start_job
from jigi.core.models import AdminArea, Job
from jigi.core.text import fold
from jigi.dedup import services as dedup_services
from jigi.intake import mapping
from jigi.intake.mapping import NINA_KIND, TARGETS
from jigi.intake.models import (
    ImportBatch,
    MappingTemplate,
    PcodeVersion,
    SourceRecord,
    StagedHousehold,
)
from jigi.intake.readers import CsvReader, SourceRow, detect_format, open_reader
from jigi.intake.workers import commit_process
from jigi.registry import rules
from jigi.registry.errors import REQUIRED
from jigi.registry.models import Household, IdentityDocument, Individual
from jigi.registry.services import (
    BulkHousehold,
    DrawnKeys,
    add_member,
    draw_keys,
    plan_households,
    prepare_households,
    update_household,
    update_member,
    write_planned,
)

logger = logging.getLogger(__name__)

SQLITE_IMPORT_CACHE_KIB = 256 * 1024
# Side-by-side writers each find their page cache emptied at every transaction (SQLite drops
# a connection's cache when another one has written), so a large one only costs memory: at
# 1M people, 16 MB wrote as fast as 256 MB, with 110 MB less per writer.
SQLITE_WRITER_CACHE_KIB = 32 * 1024
# Households per check chunk and staging insert.
CHUNK = 2000
# Households per commit transaction. Each transaction writes every index page it touched
# to SQLite's log again (the phone and document indexes are touched all over by every
# chunk), so fewer, larger ones write less; each side-by-side writer holds a chunk in
# memory. At 1M people on SQLite: 2 000 committed in 70–84 s, 3 000 in 68–70 s with
# writers of 340 MB, 6 000 in 64–71 s with writers of 460 MB (decision 0005).
COMMIT_CHUNK = 3000
# A CSV of at least this many rows is checked in worker processes (JIGI_IMPORT_CHECK_WORKERS).
PARALLEL_CHECK_ROWS = 20_000
# A commit of at least this many new households runs in JIGI_IMPORT_COMMIT_WORKERS processes.
PARALLEL_COMMIT_HOUSEHOLDS = 10_000
CROSSWALK = Path(__file__).parent / "data" / "mali_admin3_pcode_crosswalk_2015_2021.csv"
FILE_SOURCE = "fichier"
KOBO_SOURCE = "kobo"
NOT_UPDATED = ("registered_on", "source")  # kept from the first import when a record changes

Actor = User | None  # None: the system (the CLI)


def _require(actor: Actor) -> None:
    if actor is not None and not has_perm(actor, Perm.INTAKE_IMPORT):
        raise Forbidden(_("Votre rôle ne permet pas d'importer dans le registre."))


# ---------------------------------------------------------------------------------------------
# Upload


def create_batch(
    *,
    actor: Actor,
    content: BinaryIO,
    original_name: str,
    mapping_template: MappingTemplate | None = None,
    pcode_version: str | None = None,
    source: str = "",
) -> ImportBatch:
    """Keep the uploaded file and open an import for it (nothing is read into the register)."""
    _require(actor)
    name = Path(original_name).name[:255] or "import"
    directory = Path(settings.JIGI_IMPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    digest = hashlib.sha256()
    size = 0
    with stored.open("wb") as out:
        for block in iter(lambda: content.read(1 << 20), b""):
            size += len(block)
            if size > settings.JIGI_IMPORT_MAX_BYTES:
                out.close()
                stored.unlink()
                raise InvalidInput(
                    _("Le fichier dépasse %(mb)d Mo.")
                    % {"mb": settings.JIGI_IMPORT_MAX_BYTES // (1024 * 1024)},
                    {"file": [_("Fichier trop volumineux.")]},
                )
            digest.update(block)
            out.write(block)
    if size == 0:
        stored.unlink()
        raise InvalidInput(
            _("Le fichier %(name)s est vide.") % {"name": name}, {"file": [_("Fichier vide.")]}
        )
    try:
        file_format = detect_format(name, stored)
    except InvalidInput as exc:
        stored.unlink()
        raise InvalidInput(str(exc), {"file": [str(exc)]}) from None
    source = " ".join(source.split())
    if not source:
        # Kobo's _uuid is unique everywhere; a file's own household ids are unique only in
        # that file's series, named by default after the file ("menages-kayes.csv" and its
        # corrected re-upload share "menages-kayes").
        source = KOBO_SOURCE if file_format.startswith("kobo") else (Path(name).stem or FILE_SOURCE)
    batch = ImportBatch.objects.create(
        original_name=name,
        stored_path=stored.name,
        sha256=digest.hexdigest(),
        size=size,
        file_format=file_format,
        mapping=mapping_template,
        pcode_version=pcode_version
        or (mapping_template.pcode_version if mapping_template else PcodeVersion.COD_2021),
        source=source[:80],
        language=(actor.language if actor is not None else "")
        or translation.get_language()
        or "fr",
        created_by=actor,
    )
    record(
        actor=actor,
        action="intake.import_uploaded",
        target=batch,
        changes={"file": name, "format": file_format, "bytes": size, "sha256": batch.sha256},
    )
    return batch


def batch_path(batch: ImportBatch) -> Path:
    return Path(settings.JIGI_IMPORT_DIR) / batch.stored_path


# ---------------------------------------------------------------------------------------------
# Starting and stopping the steps


def start_validation(
    *, actor: Actor, batch: ImportBatch, then_commit: str = "", enqueue: bool = True
) -> Job:
    """Queue the validation job; with ``then_commit`` (a policy) it commits when it is done."""
    _require(actor)
    if (
        batch.status not in {ImportBatch.Status.UPLOADED, ImportBatch.Status.FAILED}
        or batch.commit_job_id is not None
    ):
        raise InvalidInput(
            _("Cet import est « %(status)s » : il ne se vérifie plus.")
            % {"status": batch.get_status_display()}
        )
    with transaction.atomic():
        job = start_job(
            actor=actor,
            kind="intake.validate",
            params={"batch": batch.pk, "then_commit": then_commit},
            enqueue=enqueue,
        )
        taken = ImportBatch.objects.filter(
            pk=batch.pk,
            status__in=[ImportBatch.Status.UPLOADED, ImportBatch.Status.FAILED],
            commit_job__isnull=True,
        ).update(validate_job=job, status=ImportBatch.Status.VALIDATING, error="")
        if not taken:  # started twice at once, or already committing
            raise InvalidInput(_("Cet import est déjà en cours de traitement."))
    batch.refresh_from_db()
    return job


def start_commit(*, actor: Actor, batch: ImportBatch, policy: str, enqueue: bool = True) -> Job:
    """Queue the commit of a validated import under the chosen policy."""
    _require(actor)
    if batch.status not in {ImportBatch.Status.VALIDATED, ImportBatch.Status.FAILED} or (
        batch.validated_at is None
    ):
        raise InvalidInput(
            _("Cet import est « %(status)s » : il ne peut pas être enregistré maintenant.")
            % {"status": batch.get_status_display()}
        )
    if policy not in ImportBatch.Policy.values:
        raise InvalidInput(_("Règle d'enregistrement inconnue : %(policy)s.") % {"policy": policy})
    resuming = _partly_written(batch)
    if policy == ImportBatch.Policy.ALL_OR_NOTHING and batch.households_error and not resuming:
        raise InvalidInput(
            _(
                "%(count)d ménage(s) ont des erreurs : avec « rien sauf si tout est valide », "
                "rien n'est enregistré. Corrigez le fichier ou choisissez d'ignorer les ménages "
                "en erreur."
            )
            % {"count": batch.households_error}
        )
    with transaction.atomic():
        job = start_job(
            actor=actor, kind="intake.commit", params={"batch": batch.pk}, enqueue=enqueue
        )
        taken = ImportBatch.objects.filter(
            pk=batch.pk,
            status__in=[ImportBatch.Status.VALIDATED, ImportBatch.Status.FAILED],
            validated_at__isnull=False,
        ).update(commit_job=job, status=ImportBatch.Status.COMMITTING, policy=policy, error="")
        if not taken:  # confirmed twice at once
            raise InvalidInput(_("Cet import est déjà en cours de traitement."))
        record(
            actor=actor,
            action="intake.import_commit_started",
            target=batch,
            changes={"policy": policy},
        )
    batch.refresh_from_db()
    return job


def retry_batch(*, actor: Actor, batch: ImportBatch) -> Job:
    """Run a failed step again: the check from the start, or the commit where it stopped."""
    if batch.validated_at is not None and batch.policy:
        return start_commit(actor=actor, batch=batch, policy=batch.policy)
    return start_validation(actor=actor, batch=batch)


def abandon_batch(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Drop an import that was not committed: its staged rows and its file go."""
    _require(actor)
    refused = InvalidInput(
        _("Cet import est « %(status)s » : il ne peut plus être abandonné.")
        % {"status": batch.get_status_display()}
    )
    if batch.commit_job_id is not None or _partly_written(batch):
        raise refused  # part of it may be in the register: it is finished, not abandoned
    with transaction.atomic():
        taken = ImportBatch.objects.filter(
            pk=batch.pk,
            status__in=[
                ImportBatch.Status.UPLOADED,
                ImportBatch.Status.VALIDATED,
                ImportBatch.Status.FAILED,
            ],
            commit_job__isnull=True,
        ).update(status=ImportBatch.Status.CANCELLED)
        if not taken:
            raise refused
        batch.staged.all().delete()
        record(actor=actor, action="intake.import_abandoned", target=batch)
    batch_path(batch).unlink(missing_ok=True)
    batch.refresh_from_db()
    return batch


# ---------------------------------------------------------------------------------------------
# Validation


@dataclass
class Group:
    key: str
    rows: list[SourceRow]


@cache
def crosswalk_2015() -> dict[str, str]:
    """2015 commune P-code → 2021 P-code (OCHA COD-AB; see intake/data/README.md)."""
    with CROSSWALK.open(encoding="utf-8") as handle:
        return {row["pcode_2015"]: row["pcode_2021"] for row in csv.DictReader(handle)}


_PLAIN_JSON = (str, bool, int, type(None))


def _compared_household(payload: dict[str, Any]) -> dict[str, Any]:
    """The household values a re-import compares (those it may update)."""
    return {k: v for k, v in payload["household"].items() if k not in NOT_UPDATED}


def content_hash(payload: dict[str, Any]) -> str:
    """What a staged record says, not where the file put it: re-sorting a file changes
    nothing. SHA-256 of its commune and household values (less ``NOT_UPDATED``), then of
    each member's key, values and documents, sorted; each part is JSON with sorted keys and
    no newline, one per line."""
    sort = orjson.OPT_SORT_KEYS
    household = _compared_household(payload)
    members = sorted(
        orjson.dumps([member["key"], member["values"], member["documents"]], option=sort)
        for member in payload["members"]
    )
    return hashlib.sha256(
        b"\n".join([orjson.dumps([payload["commune"], household], option=sort), *members])
    ).hexdigest()


def legacy_content_hash(payload: dict[str, Any]) -> str:
    """`content_hash` as imports before December 2026 computed it (Python's json, spaces
    and all): a file imported then and again now is still recognised as unchanged."""
    hashed = {
        "commune": payload["commune"],
        "household": _compared_household(payload),
        "members": sorted(
            json.dumps(
                [member["key"], member["values"], member["documents"]],
                sort_keys=True,
                ensure_ascii=False,
            )
            for member in payload["members"]
        ),
    }
    return hashlib.sha256(
        json.dumps(hashed, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, _PLAIN_JSON):  # most values: first, and in one test
            safe[name] = value
        elif isinstance(value, date):
            safe[name] = value.isoformat()
        elif isinstance(value, Decimal):
            safe[name] = str(value)
        elif isinstance(value, Model):
            safe[name] = value.pk
        else:
            safe[name] = value
    return safe


@dataclass(slots=True)
class StagedCheck:
    """A household as its check leaves it: its staged row's values (the payload already as
    JSON text), and what the rest of the check needs of it without reading the payload again
    (check workers send these to the job's process)."""

    key: str
    sheet: str
    first_row: int
    rows: int
    payload: str
    errors: list[dict[str, Any]]
    error_rows: int
    content_hash: str
    action: str
    commune: str  # P-code, "" if unknown
    documents: list[tuple[str, str, int]]  # (kind, normalised number, row) of each document


_STAGED_COLUMNS = (
    "key", "sheet", "first_row", "rows", "payload", "errors", "error_rows", "content_hash",
    "action",
)  # fmt: skip


class Validator:
    """Checks one household's rows at a time; keeps only what a whole-file check needs."""

    def __init__(self, batch: ImportBatch, columns: dict[str, str]) -> None:
        self.batch = batch
        self.columns = columns
        self.household_fields = [
            (target.name, columns[target.name])
            for target in TARGETS
            if target.level == "household" and target.name in columns
        ]
        self.member_fields = [
            (target.name, columns[target.name])
            for target in TARGETS
            if target.level == "member" and target.name in columns
        ]
        self.areas = {area.pcode: area for area in AdminArea.objects.all()}
        self.crosswalk = crosswalk_2015()
        actor = batch.created_by
        self.scope: tuple[str, ...] | None = (
            None if actor is None or actor.national_scope else tuple(actor.scope_area_codes())
        )
        self.today = timezone.localdate()
        self.seen_documents: set[tuple[str, str]] = set()
        self.kobo = batch.file_format.startswith("kobo")
        self.staged_rows = BulkRows(StagedHousehold, ("batch", *_STAGED_COLUMNS))

    # -- one household

    def commune(self, text: str, errors: dict[str, list[str]], field: str) -> AdminArea | None:
        code = text.strip().upper()
        if self.batch.pcode_version == PcodeVersion.COD_2015:
            if code not in self.crosswalk:
                errors.setdefault(field, []).append(
                    _("P-code de commune 2015 inconnu : %(value)s.") % {"value": text}
                )
                return None
            code = self.crosswalk[code]
        area = self.areas.get(code)
        if area is not None and area.level == AdminArea.Level.COMMUNE:
            return area
        if area is not None:
            message = _("%(name)s (%(pcode)s) n'est pas une commune.") % {
                "name": area.name,
                "pcode": area.pcode,
            }
        elif code in self.crosswalk:
            message = _(
                "P-code %(value)s inconnu en 2021 : c'est un ancien P-code (2015) ? "
                "Choisissez alors la version 2015 des P-codes."
            ) % {"value": text}
        else:
            message = _("P-code inconnu : %(value)s.") % {"value": text}
        errors.setdefault(field, []).append(message)
        return None

    def check(self, group: Group) -> StagedCheck:
        first = group.rows[0]
        errors: dict[str, list[str]] = {}
        problems: dict[str, str] = {}
        raw: dict[str, Any] = {"source": Household.Source.IMPORT}
        commune_text = ""
        for name, column in self.household_fields:
            text = first.values.get(column, "")
            if name == "commune":
                commune_text = text
            if not text or name in {"commune", "household_key"}:
                continue
            if name == "gps":
                point = mapping.split_gps(text)
                if point is None:
                    problems["gps"] = _("Position GPS illisible : %(value)s.") % {"value": text}
                else:
                    raw.setdefault("latitude", point[0])
                    raw.setdefault("longitude", point[1])
            elif name == "assets":
                raw.update(mapping.assets(text))
            elif name == "origin_commune":
                origin = self.commune(text, errors, "origin_commune")
                if origin is not None:
                    raw["origin_commune"] = origin.pcode
            else:
                result = mapping.normalise("household", name, text, problems)
                if result is not None:
                    raw[result[0]] = result[1]
        raw.setdefault("registered_on", self.today.isoformat())
        key_column = self.columns.get("household_key", "")
        if key_column and not first.values.get(key_column) and first.group is None:
            errors.setdefault("household_key", []).append(
                _("Identifiant du ménage manquant : la ligne n'est rattachée à aucun ménage.")
            )
        area = None
        if not commune_text:
            errors.setdefault("commune", []).append(str(REQUIRED))
        else:
            area = self.commune(commune_text, errors, "commune")
        commune_column = self.columns.get("commune", "")
        for row in group.rows[1:]:
            other = row.values.get(commune_column, "")
            if other and other.strip().upper() != commune_text.strip().upper():
                errors.setdefault("commune", []).append(
                    _("La commune change entre les lignes d'un même ménage (%(a)s, %(b)s).")
                    % {"a": commune_text, "b": other}
                )
                break
        if (
            area is not None
            and self.scope is not None
            and not any(area.pcode.startswith(code) for code in self.scope)
        ):
            errors.setdefault("commune", []).append(
                _("La commune %(name)s est hors de votre zone d'intervention.")
                % {"name": area.name}
            )
        for name, message in problems.items():
            errors.setdefault(name, []).append(message)
        household = rules.clean_household(
            raw, errors, partial=False, today=self.today, areas=self.areas
        )
        rules.check_displacement(household, errors)

        members: list[dict[str, Any]] = []
        cleaned_members: list[dict[str, Any]] = []
        keys: set[str] = set()
        for index, row in enumerate(group.rows):
            prefix = f"members.{index}."
            member_problems: dict[str, str] = {}
            values: dict[str, Any] = {}
            documents: list[dict[str, Any]] = []
            key = ""  # a person's own id in the file, when it has one (never their position)
            for name, column in self.member_fields:
                text = row.values.get(column, "")
                if not text:
                    continue
                if name == "member_key":
                    key = text
                elif name == "nina":
                    documents.append({"kind": NINA_KIND, "number": text})
                else:
                    result = mapping.normalise("member", name, text, member_problems)
                    if result is not None:
                        values[result[0]] = result[1]
            for name, message in member_problems.items():
                errors.setdefault(prefix + name, []).append(message)
            cleaned = rules.clean_member(
                values, errors, partial=False, prefix=prefix, today=self.today
            )
            cleaned_documents = rules.clean_documents(
                documents, errors, prefix, self.seen_documents, check_register=False
            )
            if key and key in keys:
                errors.setdefault(prefix + "member_key", []).append(
                    _("Identifiant de personne en double dans le ménage : %(value)s.")
                    % {"value": key}
                )
            keys.add(key)
            cleaned_members.append(cleaned)
            members.append(
                {
                    "key": key,
                    "row": row.row,
                    "values": _json_safe(cleaned),
                    "documents": [_json_safe(document) for document in cleaned_documents],
                }
            )
        rules.check_composition(
            cleaned_members,
            is_child_headed=bool(household.get("is_child_headed")),
            errors=errors,
            today=self.today,
        )
        household_values = _json_safe(household)
        payload: dict[str, Any] = {
            "commune": area.pcode if area is not None else "",
            "household": household_values,
            "members": members,
        }
        report = [self._locate(group, key, messages) for key, messages in errors.items()]
        return StagedCheck(
            key=group.key[:200],
            sheet=first.group_sheet if first.group_row is not None else first.sheet,
            first_row=first.group_row or first.row,
            rows=len(group.rows),
            payload=orjson.dumps(payload).decode(),
            errors=report,
            error_rows=len({entry["row"] for entry in report}),
            content_hash=content_hash(payload),
            action=StagedHousehold.Action.ERROR if report else StagedHousehold.Action.NEW,
            commune=payload["commune"],
            documents=[
                (document["kind"], document["number_normalised"], member["row"])
                for member in members
                for document in member["documents"]
            ],
        )

    def _locate(self, group: Group, key: str, messages: list[str]) -> dict[str, Any]:
        """Where an error is in the file: sheet, row, column and the value found there."""
        parts = key.split(".")
        row = group.rows[0]
        if parts[0] == "members" and len(parts) >= 3:
            row = group.rows[int(parts[1])]
            field = "nina" if parts[2] == "documents" else parts[-1]
        elif key == "members":
            field = "relationship"
        else:
            field = key
        column = self.columns.get(field, "")
        if not column and field in {"latitude", "longitude"}:
            column = self.columns.get("gps", "")
        value = row.values.get(column, "") if column else ""
        sheet, number = row.sheet, row.row
        target = mapping.TARGETS_BY_NAME.get(field)
        if row.group_row is not None and (target is None or target.level == "household"):
            sheet, number = row.group_sheet, row.group_row
        label = column or field
        if (
            self.batch.file_format == ImportBatch.Format.KOBO_JSON
            and row.member
            and target is not None
            and target.level == "member"
        ):
            label = f"{label} [{row.member}]"
        return {
            "sheet": sheet,
            "row": number,
            "column": label,
            "value": value[:200],
            "reason": " ".join(messages),
        }

    # -- a chunk of households

    def flush(self, staged: list[StagedCheck]) -> None:
        """Decide new / update / unchanged by source key, look documents up, and stage."""
        known = {
            record.key: record
            for record in SourceRecord.objects.filter(
                source=self.batch.source, key__in=[item.key for item in staged]
            ).select_related("household")
        }
        numbers: dict[str, tuple[StagedCheck, int]] = {}
        for item in staged:
            if item.action == StagedHousehold.Action.ERROR:
                continue
            record = known.get(item.key)
            if record is not None:
                self._match(item, record)
                continue
            for _kind, number, row in item.documents:
                numbers[number] = (item, row)
        if numbers:
            registered = IdentityDocument.objects.filter(
                kind=NINA_KIND, number_normalised__in=list(numbers)
            ).values_list("number_normalised", flat=True)
            for number in registered:
                item, row = numbers[number]
                set_aside(
                    item,
                    _("Ce numéro de pièce est déjà enregistré dans le registre : %(value)s.")
                    % {"value": number},
                    row=row,
                    column=self.columns.get("nina", "nina"),
                    value=number,
                )
        # Plain rows: the payload is JSON text already, the errors are made so here.
        self.staged_rows.insert(
            [
                (
                    self.batch.pk,
                    *[getattr(item, name) for name in _STAGED_COLUMNS[:5]],
                    json.dumps(item.errors),
                    item.error_rows,
                    item.content_hash,
                    item.action,
                )
                for item in staged
            ],
            adapt=False,
        )

    def _match(self, item: StagedCheck, record: SourceRecord) -> None:
        """A key already imported: unchanged, an update of the same household, or a clash."""
        household = record.household
        key_column = self.columns.get("household_key", "_uuid")
        if self.scope is not None and not household.commune_id.startswith(self.scope):
            set_aside(
                item,
                _(
                    "Cet identifiant est déjà celui d'un ménage hors de votre zone dans la "
                    "source « %(source)s » : changez de source ou d'identifiant."
                )
                % {"source": self.batch.source},
                column=key_column,
            )
        elif household.commune_id != item.commune:
            set_aside(
                item,
                _(
                    "Cet identifiant est déjà celui du ménage %(code)s, dans une autre commune "
                    "(source « %(source)s ») : si c'est un autre ménage, changez de source ; "
                    "s'il a déménagé, enregistrez le déménagement dans le registre."
                )
                % {"code": household.code, "source": self.batch.source},
                column=key_column,
            )
        elif record.content_hash == item.content_hash or (
            record.content_hash == legacy_content_hash(orjson.loads(item.payload))
        ):
            item.action = StagedHousehold.Action.UNCHANGED
        else:
            item.action = StagedHousehold.Action.UPDATE


def set_aside(
    item: StagedCheck | _Pending,
    reason: str,
    *,
    row: int | None = None,
    column: str = "",
    value: str | None = None,
) -> None:
    """Mark a staged household as refused, with one more reason in the error report."""
    item.errors = [
        *item.errors,
        {
            "sheet": item.sheet,
            "row": row if row is not None else item.first_row,
            "column": column,
            "value": item.key if value is None else value,
            "reason": reason,
        },
    ]
    item.error_rows = len({entry["row"] for entry in item.errors})
    item.action = StagedHousehold.Action.ERROR


def _groups(rows: Iterator[SourceRow], key_column: str, file_id: str) -> Iterator[Group]:
    """Consecutive rows of the same household; a file's structure (Kobo) or its key column
    says which household a row belongs to. A Kobo submission without ``_uuid`` is known by
    its place in this very file (``file_id`` keeps it from matching another file's)."""
    current: Group | None = None
    for row in rows:
        key = row.group if row.group is not None else row.values.get(key_column, "").strip()
        if not key:
            key = f"#{row.row}"
        if key.startswith("#") and row.group is not None:
            key = f"{file_id}{key}"
        if current is not None and current.key == key:
            current.rows.append(row)
            continue
        if current is not None:
            yield current
        current = Group(key, [row])
    if current is not None:
        yield current


def _csv_groups(
    reader: CsvReader, key_column: str, keep: Callable[[int], bool]
) -> Iterator[tuple[int, Group]]:
    """`_groups` of a CSV file with their positions in it, only those ``keep`` takes: the
    other households' rows are read for their key only (each check worker takes half)."""
    at = reader.columns.index(key_column) if key_column and key_column in reader.columns else None
    position, current, group = -1, None, None
    for number, values in reader.raw_rows():
        key = values[at].strip() if at is not None and at < len(values) else ""
        if not key:
            key = f"#{number}"
        if key != current:
            if group is not None:
                yield position, group
            position, current, group = position + 1, key, None
            if keep(position):
                group = Group(key, [])
        if group is not None:
            group.rows.append(reader.source_row(number, values))
    if group is not None:
        yield position, group


def _estimate_rows(batch: ImportBatch, path: Path) -> int | None:
    if batch.file_format == ImportBatch.Format.CSV:
        with path.open("rb") as handle:
            return max(
                0, sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - 1
            )
    return None


def validate_batch(
    batch: ImportBatch, progress: Progress | None = None, *, actor: Actor = None
) -> dict[str, Any]:
    """Stage and check every row; safe to run again (it starts over). Scope is the uploader's;
    ``actor`` (who started the check) is recorded in the audit log."""
    batch.staged.all().delete()
    path = batch_path(batch)
    if not path.exists():
        raise InvalidInput(_("Le fichier de cet import n'est plus disponible."))
    reader = open_reader(path, batch.original_name, batch.file_format)
    info = reader.info()
    explicit = batch.mapping.columns if batch.mapping is not None else {}
    try:
        columns = mapping.resolve(
            info.columns, explicit, grouped=batch.file_format.startswith("kobo")
        )
    except InvalidInput as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED, error=str(exc)
        )
        raise
    ImportBatch.objects.filter(pk=batch.pk).update(
        columns=columns, encoding=info.encoding, delimiter=info.delimiter
    )
    batch.columns = columns
    validator = Validator(batch, columns)
    estimated = _estimate_rows(batch, path)
    if progress is not None:
        progress.start(estimated, _("Lecture et vérification des lignes"))
    rows_read = 0
    seen: set[str] = set()
    repeated: set[str] = set()
    key_column = columns.get("household_key", "")

    def groups() -> Iterator[Group]:
        return _groups(reader.rows(), key_column, batch.sha256[:16])

    workers = settings.JIGI_IMPORT_CHECK_WORKERS
    checked = (
        _check_in_workers(
            validator,
            lambda keep: _csv_groups(reader, key_column, keep),
            workers,
        )
        if workers > 1 and isinstance(reader, CsvReader) and (estimated or 0) >= PARALLEL_CHECK_ROWS
        else _check_here(validator, groups())
    )
    with (
        closing(checked),  # a stopped job stops the workers too
        _collected_per_chunk() as collect,
    ):
        for chunk in checked:
            for key, item in chunk:
                if key in seen:
                    repeated.add(key)
                seen.add(key)
                rows_read += item.rows
            validator.flush([item for _key, item in chunk])
            collect()
            if progress is not None:
                progress.update(rows_read)
    if repeated:
        _merge_repeated(batch, reader.rows(), columns, repeated, validator)
    return _finish_validation(batch, actor)


Checked = list[tuple[str, StagedCheck]]  # (the household's whole key, its check)


def _check_here(validator: Validator, groups: Iterator[Group]) -> Generator[Checked]:
    """Check households in file order, a chunk at a time (the last one may be empty)."""
    chunk: Checked = []
    for group in groups:
        chunk.append((group.key, validator.check(group)))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    yield chunk


class _AskedNumbers(set[tuple[str, str]]):
    """The document numbers a worker has seen in its chunk, noting each number a check asks
    about (``rules.clean_documents`` asks ``number in seen`` of every well-formed number)."""

    asked: list[tuple[str, str]]

    def __contains__(self, number: object) -> bool:
        self.asked.append(number)  # type: ignore[arg-type]
        return super().__contains__(number)


_INHERITED: list[Any] = []  # in a check worker: the parent's connections, kept from closing
_CHECK_FIELDS = StagedCheck.__slots__


SomeGroups = Callable[[Callable[[int], bool]], Iterator[tuple[int, Group]]]  # `_csv_groups`


def _check_worker(
    validator: Validator,
    groups: SomeGroups,
    index: int,
    workers: int,
    out: Connection,
) -> None:
    """In a forked process: check every ``workers``-th chunk of households from ``index``
    as if the file held only those chunks (the document numbers seen are this worker's
    own), and send each household's staged values with the numbers its check asked about."""
    # The database connections are the parent's: set them aside unused and unclosed (closing
    # one here would end the parent's session); the check reads no table.
    for alias in connections:
        _INHERITED.append(connections[alias].connection)
        connections[alias].connection = None
    _left_to_parent()
    try:
        chunk: list[tuple[str, tuple[Any, ...], list[tuple[str, str]]]] = []
        numbers = validator.seen_documents = _AskedNumbers()
        mine = groups(lambda position: (position // CHUNK) % workers == index)
        with _collected_per_chunk() as collect:
            for position, group in mine:
                numbers.asked = []
                item = validator.check(group)
                fields = tuple(getattr(item, name) for name in _CHECK_FIELDS)
                chunk.append((group.key, fields, numbers.asked))
                if position % CHUNK == CHUNK - 1:
                    out.send(("chunk", chunk))
                    chunk = []
                    collect()
        if chunk:
            out.send(("chunk", chunk))
        out.send(("end", None))
    except DomainError as exc:  # the file's own (a row with too many values …): said as it is
        out.send(("refused", str(exc)))
    except BaseException as exc:  # the parent raises it; this process only reports
        out.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()


def _check_in_workers(validator: Validator, groups: SomeGroups, workers: int) -> Generator[Checked]:
    """Check households in ``workers`` forked processes, chunk by chunk, and give the chunks
    back in file order with the same results as ``_check_here``.

    The only file-wide state of a check is the set of document numbers seen so far (a number
    given twice is refused the second time). Each worker knows only its own chunks' numbers,
    a part of those seen before in the file, so this process replays the numbers in file
    order: a household that gave a number seen earlier in another worker's chunk is checked
    again here, with the numbers seen before it, after the first pass (it is refused either
    way). ``validator.seen_documents`` ends as after a check in file order."""
    context = multiprocessing.get_context("fork")  # the worker inherits the validator as is
    receivers: list[Connection] = []
    processes: list[multiprocessing.process.BaseProcess] = []
    try:
        for index in range(workers):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_check_worker,
                args=(validator, groups, index, workers, sender),
                daemon=True,
            )
            process.start()
            sender.close()
            receivers.append(receiver)
            processes.append(process)
        seen = validator.seen_documents
        again: dict[int, set[tuple[str, str]]] = {}  # position → numbers seen before it
        position = 0
        for turn in itertools.count():
            kind, message = receivers[turn % workers].recv()
            if kind == "refused":
                raise InvalidInput(message)
            if kind == "error":
                raise RuntimeError(f"An import check worker failed: {message}")
            if kind == "end":
                break
            chunk: Checked = []
            for key, values, asked in message:
                item = StagedCheck(*values)
                given = {(kind, number) for kind, number, _row in item.documents}
                if given & seen:  # given earlier in the file, in another worker's chunk
                    again[position] = {number for number in asked if number in seen}
                else:
                    chunk.append((key, item))
                seen.update(asked)
                position += 1
            yield chunk
        if again:
            chunk = []
            for position, group in groups(again.__contains__):
                validator.seen_documents = again[position]
                chunk.append((group.key, validator.check(group)))
            validator.seen_documents = seen
            for start in range(0, len(chunk), CHUNK):
                yield chunk[start : start + CHUNK]
    finally:
        _stop_workers(processes, receivers)


def _merge_repeated(
    batch: ImportBatch,
    rows: Iterator[SourceRow],
    columns: dict[str, str],
    repeated: set[str],
    validator: Validator,
) -> None:
    """Households whose rows are not consecutive in the file: gather them and check again."""
    fragments = batch.staged.filter(key__in=repeated)
    for payload in fragments.values_list("payload", flat=True):  # checked again below
        for member in payload.get("members", []):
            for document in member["documents"]:
                validator.seen_documents.discard((document["kind"], document["number_normalised"]))
    fragments.delete()
    gathered: dict[str, list[SourceRow]] = {key: [] for key in repeated}
    key_column = columns.get("household_key", "")
    for row in rows:
        key = row.group if row.group is not None else row.values.get(key_column, "").strip()
        if key in gathered:
            gathered[key].append(row)
    staged = []
    for key, key_rows in gathered.items():
        item = validator.check(Group(key, key_rows))
        if (
            validator.kobo
            and len({row.group_row or row.row for row in key_rows if row.member in (None, 1)}) > 1
        ):
            item.errors.append(
                {
                    "sheet": item.sheet,
                    "row": item.first_row,
                    "column": "_uuid",
                    "value": key,
                    "reason": _("La même soumission apparaît plusieurs fois dans le fichier."),
                }
            )
            item.action = StagedHousehold.Action.ERROR
            item.error_rows = len({entry["row"] for entry in item.errors})
        staged.append(item)
    for start in range(0, len(staged), CHUNK):
        validator.flush(staged[start : start + CHUNK])


def _finish_validation(batch: ImportBatch, actor: Actor) -> dict[str, Any]:
    action = StagedHousehold.Action
    totals = batch.staged.aggregate(
        rows=Sum("rows"),
        error_rows=Sum("error_rows"),
        households=Count("id"),
        errors=Count("id", filter=Q(action=action.ERROR)),
        new=Count("id", filter=Q(action=action.NEW)),
        updates=Count("id", filter=Q(action=action.UPDATE)),
        unchanged=Count("id", filter=Q(action=action.UNCHANGED)),
    )
    counts = {
        "rows_total": totals["rows"] or 0,
        "rows_error": totals["error_rows"] or 0,
        "households_total": totals["households"],
        "households_error": totals["errors"],
        "households_new": totals["new"],
        "households_updated": totals["updates"],
        "households_unchanged": totals["unchanged"],
    }
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.VALIDATED, validated_at=timezone.now(), error="", **counts
        )
        batch.refresh_from_db()
        record(actor=actor, action="intake.import_validated", target=batch, changes=counts)
    return summary(batch)


def summary(batch: ImportBatch) -> dict[str, Any]:
    return {
        "import": batch.pk,
        "file": batch.original_name,
        "format": batch.file_format,
        "status": batch.status,
        "rows": batch.rows_total,
        "rows_ok": batch.rows_ok,
        "rows_with_errors": batch.rows_error,
        "households": batch.households_total,
        "households_with_errors": batch.households_error,
        "new_households": batch.households_new,
        "updated_households": batch.households_updated,
        "unchanged_households": batch.households_unchanged,
        "committed_households": batch.households_committed,
        "committed_members": batch.members_committed,
    }


# ---------------------------------------------------------------------------------------------
# Commit


def commit_batch(
    batch: ImportBatch, progress: Progress | None = None, *, actor: Actor = None
) -> dict[str, Any]:
    """Write the batch's valid households (resuming after a crash where it stopped).

    ``actor`` is who confirmed the commit: the register's writes and their audit entries are
    theirs, and their scope is checked again.
    """
    resuming = _partly_written(batch)
    if (
        batch.policy == ImportBatch.Policy.ALL_OR_NOTHING
        and not resuming
        and batch.staged.filter(action=StagedHousehold.Action.ERROR).exists()
    ):
        raise InvalidInput(_("Des ménages ont des erreurs : rien n'est enregistré."))
    todo = _to_write(batch)
    done = _written_so_far(batch)
    total = done + todo.count()
    if progress is not None:
        progress.start(total, _("Enregistrement des ménages"))
        progress.update(done)
    committer = _Committer(batch, actor)
    # The new households' codes and ids are drawn for the whole commit at once, in file
    # order: a chunk's writer then takes the database's write lock for its inserts only.
    fresh = list(todo.filter(action=StagedHousehold.Action.NEW).values_list("pk", "rows"))
    committer.keys = dict(
        zip(
            [pk for pk, _rows in fresh],
            draw_keys([rows for _pk, rows in fresh]),  # a household's members are its rows
            strict=True,
        )
    )
    new_households = len(fresh)
    del fresh
    rows = _pending_rows(batch)
    # Every chunk written is committed or set aside: chunks are windows of ids. ("id > after …
    # LIMIT n" let PostgreSQL's planner read the whole rest of the batch by its index and sort
    # it, for every chunk: quadratic.)
    bounds = todo.aggregate(first=Min("pk"), last=Max("pk"))
    windows = range((bounds["first"] or 1) - 1, bounds["last"] or 0, COMMIT_CHUNK)
    workers = settings.JIGI_IMPORT_COMMIT_WORKERS
    if (
        workers > 1
        and batch.policy == ImportBatch.Policy.VALID_ONLY
        and not connection.in_atomic_block  # the workers must see what this process wrote
        and new_households >= PARALLEL_COMMIT_HOUSEHOLDS
    ):
        # New households side by side; the updates are left for the loop below.
        done += sum(
            _commit_in_workers(batch, actor, committer.keys, windows, workers, progress, done)
        )
    # The staged JSON as text: it is decoded in another thread while this one writes the
    # chunk before; the database's own work on a write (SQLite's inserts, PostgreSQL's COPY
    # and commit) leaves the interpreter free meanwhile.
    with (
        _large_page_cache(),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-decode") as decoder,
        _collected_per_chunk() as collect,
    ):
        pending = iter(windows)

        def read_next() -> Future[list[_Pending]]:
            part: list[tuple[Any, ...]] = []
            for lower in pending:
                part = list(rows.filter(pk__gt=lower, pk__lte=lower + windows.step))
                if part:
                    break
            return decoder.submit(committer.decode, part)

        upcoming = read_next()
        while True:
            chunk = upcoming.result()
            if not chunk:
                break
            upcoming = read_next()
            committer.commit(chunk)
            done += len(chunk)
            del chunk
            collect()
            if progress is not None:
                progress.update(done)
    result = _finish_commit(batch, actor)
    batch_path(batch).unlink(missing_ok=True)  # the file holds personal data: keep it no longer
    return result


_TO_WRITE = (StagedHousehold.Action.NEW, StagedHousehold.Action.UPDATE)


def _to_write(batch: ImportBatch) -> QuerySet[StagedHousehold]:
    """The batch's staged households still to write, in file order (a household's staged row
    goes in the transaction that writes it to the register)."""
    return batch.staged.filter(action__in=_TO_WRITE).order_by("id")


def _written_so_far(batch: ImportBatch) -> int:
    """How many households a commit of ``batch`` has written (read afresh: side-by-side
    writers count them on the batch's row as they write)."""
    return ImportBatch.objects.values_list("households_committed", flat=True).get(pk=batch.pk)


def _partly_written(batch: ImportBatch) -> bool:
    return _written_so_far(batch) > 0


def _pending_rows(batch: ImportBatch) -> QuerySet[StagedHousehold, tuple[Any, ...]]:
    """`_to_write` as ``_PENDING_COLUMNS`` tuples."""
    return (
        _to_write(batch)
        .annotate(
            payload_text=Cast("payload", TextField()), errors_text=Cast("errors", TextField())
        )
        .values_list(*_PENDING_COLUMNS)
    )


def _commit_in_workers(
    batch: ImportBatch,
    actor: Actor,
    keys: dict[int, DrawnKeys],
    windows: range,
    workers: int,
    progress: Progress | None,
    done: int,
) -> list[int]:
    """Write new households in ``workers`` processes side by side, each with its own
    connection and one transaction per chunk (decision 0005). In one process, Python and the
    database take turns: Python builds a chunk's rows, then waits while the database writes
    them. Side by side, one builds while the other writes (on SQLite, the writers take
    turns at the write lock for the inserts only; the rows are built before it).

    What a transaction locks is kept short: household numbers are drawn before each chunk's
    transaction (a chunk that fails leaves a gap in the codes, never a code given twice),
    the audit chain's head is taken at the end of each transaction. A crash leaves whole
    chunks committed or not, and the commit resumes as in one process. Returns how many
    households each process wrote or set aside."""
    context = multiprocessing.get_context("spawn")  # see jigi.intake.workers
    database = dict(connection.settings_dict)
    receivers: list[Connection] = []
    processes: list[multiprocessing.process.BaseProcess] = []
    written = [0] * workers
    try:
        for index in range(workers):
            receiver, sender = context.Pipe(duplex=False)
            params = {
                "batch": batch.pk,
                "keys": {
                    pk: (drawn.household_id, drawn.number, drawn.member_ids)
                    for pk, drawn in keys.items()
                    if (pk - windows.start - 1) // windows.step % workers == index
                },
                "actor": actor.pk if actor is not None else None,
                "windows": (windows.start, windows.stop, windows.step),
                "index": index,
                "workers": workers,
                "parent": os.getpid(),
                "language": translation.get_language(),
                "source": current_source(),
            }
            process = context.Process(
                target=commit_process, args=(database, params, sender), daemon=True
            )
            process.start()  # (a spawned process's arguments are sent as it starts)
            sender.close()
            receivers.append(receiver)
            processes.append(process)
        # The keys are the writers' now (`start` sent and dropped each one's arguments); a new
        # household left to this process (none, unless a writer stopped early) has keys drawn
        # again as it is written.
        del params
        keys.clear()
        _give_memory_back()  # this process waits meanwhile: its free memory is theirs
        running = list(receivers)
        while running:
            ready = wait(running, timeout=5)
            for receiver in [receiver for receiver in running if receiver in ready]:
                index = receivers.index(receiver)
                try:
                    kind, message = receiver.recv()
                except EOFError:
                    raise RuntimeError("An import commit worker stopped.") from None
                if kind == "refused":  # a domain error: the user reads it as it is
                    raise InvalidInput(message)
                if kind == "error":
                    raise RuntimeError(f"An import commit worker failed: {message}")
                if kind == "end":
                    running.remove(receiver)
                else:
                    written[index] += message
            if progress is not None:
                progress.update(done + sum(written))  # also where a cancelled job stops
    finally:
        _stop_workers(processes, receivers)
    return written


def commit_worker(params: dict[str, Any], out: Connection) -> None:
    """In a spawned process (`jigi.intake.workers`): write the new households of every
    ``workers``-th window of staged ids from ``index``, each chunk in its own transaction as
    in a commit in one process; updates are left to the parent."""
    _left_to_parent()
    try:
        batch = ImportBatch.objects.get(pk=params["batch"])
        actor = User.objects.get(pk=params["actor"]) if params["actor"] is not None else None
        committer = _Committer(batch, actor)
        # Popped: the parameters live as long as the process, their copy of the keys need not.
        committer.keys = {pk: DrawnKeys(*drawn) for pk, drawn in params.pop("keys").items()}
        rows = _pending_rows(batch)
        windows = range(*params["windows"])
        with (
            translation.override(params["language"]),
            action_source(params["source"]),
            _large_page_cache(SQLITE_WRITER_CACHE_KIB),
            _collected_per_chunk() as collect,
        ):
            for number, lower in enumerate(windows):
                if number % params["workers"] != params["index"]:
                    continue
                if os.getppid() != params["parent"]:
                    return  # the job's process died: its restart resumes the commit
                part = list(rows.filter(pk__gt=lower, pk__lte=lower + windows.step))
                if part:
                    chunk = committer.decode(part)
                    committer.commit(chunk, updates=False)
                    written = sum(item.action != StagedHousehold.Action.UPDATE for item in chunk)
                    del part, chunk
                    collect()
                    out.send(("done", written))
        out.send(("end", None))
    except DomainError as exc:
        out.send(("refused", str(exc)))
    except BaseException as exc:  # the parent raises it; this process only reports
        logger.exception("Import %s: commit worker %s failed", params["batch"], params["index"])
        out.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        connections.close_all()
        out.close()


def _left_to_parent() -> None:
    """In a check or commit worker: the job's process stops it (its own stop, a cancelled
    job), so the signals a stopping service sends the whole group are ignored here; and on
    Linux the kernel kills it if the job's process dies (a power cut, the out-of-memory
    killer; elsewhere a commit worker checks its parent before each chunk)."""
    for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
        signal.signal(stop, signal.SIG_IGN)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _stop_workers(
    processes: list[multiprocessing.process.BaseProcess], receivers: list[Connection]
) -> None:
    """Kill the workers still running (stopped early: an error, a cancelled job), wait for
    every one, close their pipes."""
    for worker in processes:
        if worker.is_alive():
            worker.kill()
        worker.join()
    for receiver in receivers:
        receiver.close()


class WrittenMeanwhile(RuntimeError):
    """Households of a chunk were written by another run of the same commit: this run's
    transaction is undone, and the job stops (it is not the user's error to report)."""


def _give_memory_back() -> None:
    """Return the memory this process has freed to the system: glibc keeps freed blocks for
    reuse (a check leaves about 65 MB of them in the job's process). Elsewhere, nothing."""
    gc.collect()
    with suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL(None).malloc_trim(0)


@contextmanager
def _collected_per_chunk() -> Iterator[Callable[[], int]]:
    """Garbage-collect once per chunk instead of whenever enough objects were made: yields
    the call to make after each chunk.

    A chunk makes and drops hundreds of thousands of containers (rows, values, names), and
    with the automatic collector on, each import process spent about 30 % of its time
    collecting, most of it rescanning what lives as long as the import (the keys drawn, the
    communes, Django). Those are frozen out of the collector's view first; the collection
    after each chunk then finds any cycles the chunk made among its own objects only."""
    # Inside another such block (a check worker forked in one, another import's thread), or
    # objects frozen by someone else (a server freezing before it forks): left as they are.
    if not gc.isenabled() or gc.get_freeze_count():
        yield gc.collect
        return
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield gc.collect
    finally:
        gc.enable()
        gc.unfreeze()


@contextmanager
def _large_page_cache(kib: int = SQLITE_IMPORT_CACHE_KIB) -> Iterator[None]:
    """On SQLite, let this connection cache up to ``kib`` of pages while it writes a big
    import: the register's indexes outgrow the default 2 MB cache long before a million
    people, and every insert then rereads index pages. Back to the default afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-kib}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


@dataclass(slots=True)
class _Pending:
    """A staged household as the commit reads it back: only the columns it uses, in a plain
    object (building 2 000 model instances a chunk cost more than reading the rows)."""

    pk: int
    key: str
    sheet: str
    first_row: int
    payload: dict[str, Any]
    errors: list[dict[str, Any]]
    rows: int
    error_rows: int
    content_hash: str
    action: str
    spec: BulkHousehold | None = None  # a new household's values, typed for the register


_PENDING_COLUMNS = (
    "pk", "key", "sheet", "first_row", "payload_text", "errors_text", "rows", "error_rows",
    "content_hash", "action",
)  # fmt: skip


class _Committer:
    def __init__(self, batch: ImportBatch, actor: Actor) -> None:
        self.batch = batch
        self.actor = actor
        self.areas = {area.pcode: area for area in AdminArea.objects.all()}
        self.scope: tuple[str, ...] | None = (
            None if actor is None or actor.national_scope else tuple(actor.scope_area_codes())
        )
        # Source keys as plain rows (what insert_objects would write, without model objects).
        self.source_rows = BulkRows(
            SourceRecord,
            ("source", "key", "household", "content_hash", "member_keys", "batch", "updated_at"),
        )
        self.keys: dict[int, DrawnKeys] = {}  # staged household → its codes and ids drawn

    def decode(self, rows: list[tuple[Any, ...]]) -> list[_Pending]:
        """Staged rows read as text (``_PENDING_COLUMNS``) → households to commit, each new
        one with its values typed for the register. Reads no table (it runs in a thread)."""
        items = []
        areas, note = self.areas, {"import": self.batch.pk}
        for (
            pk,
            key,
            sheet,
            first_row,
            payload,
            errors,
            count,
            error_rows,
            content_hash,
            action,
        ) in rows:
            item = _Pending(
                pk, key, sheet, first_row, json.loads(payload), json.loads(errors),
                count, error_rows, content_hash, action,
            )  # fmt: skip
            if action == StagedHousehold.Action.NEW:
                # The staged values are already what the columns store (ISO dates, decimals
                # as text, P-codes for communes): they go to the register as they are.
                item.spec = BulkHousehold(
                    commune=areas[item.payload["commune"]],
                    values=item.payload["household"],
                    members=[
                        (member["values"], member["documents"])
                        for member in item.payload["members"]
                    ],
                    note={**note, "rows": _rows_label(item)},
                )
            items.append(item)
        return items

    def commit(self, chunk: list[_Pending], *, updates: bool = True) -> None:
        """Write a chunk: its new households together, then (``updates``) each update."""
        fresh = []
        for item in chunk:
            if self.scope is not None and not item.payload["commune"].startswith(self.scope):
                self.refuse(
                    item, _("La commune de ce ménage est hors de votre zone d'intervention.")
                )
            elif item.action == StagedHousehold.Action.NEW:
                fresh.append(item)
        if fresh:
            self.commit_new(fresh)
        for item in chunk:
            if updates and item.action == StagedHousehold.Action.UPDATE:
                self.commit_update(item)

    def written(self, items: list[_Pending]) -> None:
        """In the transaction that wrote ``items`` to the register: their staged rows go (what
        is left staged is what is left to write; no copy of personal data outlives its write),
        and the batch counts them. Deleting frees the rows' pages; marking them written
        rewrote each one (a household's payload fills most of a page): 7 s of a million
        people's commit.

        A row already gone was written by another run of this commit (a job taken over while
        its first run still lived): the transaction is undone rather than counted twice."""
        if not items:
            return
        deleted, _by_model = StagedHousehold.objects.filter(
            pk__in=[item.pk for item in items]
        ).delete()
        if deleted != len(items):
            raise WrittenMeanwhile(
                f"Import {self.batch.pk}: {len(items) - deleted} of {len(items)} households "
                "were written meanwhile by another run of this commit."
            )
        ImportBatch.objects.filter(pk=self.batch.pk).update(
            households_committed=F("households_committed") + len(items),
            members_committed=F("members_committed") + sum(item.rows for item in items),
        )

    def refuse(self, item: _Pending, reason: str) -> None:
        """Set a household aside at commit time; under "all or nothing", stop there."""
        set_aside(item, reason)
        StagedHousehold.objects.filter(pk=item.pk).update(
            action=item.action, errors=item.errors, error_rows=item.error_rows
        )
        if self.batch.policy == ImportBatch.Policy.ALL_OR_NOTHING:
            written = _written_so_far(self.batch)
            raise InvalidInput(
                _(
                    "Arrêté : le ménage %(key)s a été refusé à l'enregistrement (%(reason)s). "
                    "%(count)d ménage(s) étaient déjà enregistrés et le restent ; les autres "
                    "ne l'ont pas été."
                )
                % {"key": item.key, "reason": reason, "count": written}
            )

    def commit_new(self, items: list[_Pending]) -> None:
        """A chunk of new households in one transaction. If the database refuses it (a document
        number registered meanwhile …), write them one by one so that only the household
        concerned is set aside, with the database's reason. A database that is only busy or
        unreachable (locked, a deadlock, a lost connection) refuses nobody: the commit stops
        and resumes where it stopped."""
        try:
            self.write_new(items)
        except (IntegrityError, DataError) as exc:
            if len(items) > 1:
                for item in items:
                    self.commit_new([item])
                return
            if isinstance(exc, IntegrityError):
                reason = _(
                    "Un numéro de pièce de ce ménage a été enregistré dans le registre depuis "
                    "la vérification."
                )
            else:
                logger.exception("Import %s: household %s refused", self.batch.pk, items[0].key)
                reason = _("La base de données a refusé ce ménage : %(error)s") % {
                    "error": str(exc)[:200]
                }
            self.refuse(items[0], reason)

    def write_new(self, items: list[_Pending]) -> None:
        batch = self.batch
        # Every row is built, its codes and keys drawn, before the transaction: side-by-side
        # writers on SQLite hold its write lock for the inserts only. (A chunk that fails
        # leaves a gap in the codes, never a code given twice.)
        specs = [cast(BulkHousehold, item.spec) for item in items]
        keys = [self.keys.get(item.pk) for item in items]
        plan = plan_households(
            prepare_households(specs),
            actor=self.actor,
            keys=None  # drawn now, should a household's drawn keys not fit it
            if any(
                drawn is None or len(drawn.member_ids) != len(spec.members)
                for drawn, spec in zip(keys, specs, strict=True)
            )
            else cast(list[DrawnKeys], keys),
        )
        with transaction.atomic():
            taken = set(
                SourceRecord.objects.filter(
                    source=batch.source, key__in=[item.key for item in items]
                ).values_list("key", flat=True)
            )
            left = set()
            for position, item in enumerate(items):
                if item.key in taken:  # imported meanwhile by another batch: update it instead
                    item.action = StagedHousehold.Action.UPDATE
                    StagedHousehold.objects.filter(pk=item.pk).update(action=item.action)
                    left.add(position)
            fresh = [item for position, item in enumerate(items) if position not in left]
            plan = plan.without(left)
            write_planned(actor=self.actor, plan=plan, stored_form=True)
            now = now_value()
            self.source_rows.insert(
                [
                    (
                        batch.source,
                        item.key,
                        household.pk,
                        item.content_hash,
                        {
                            member_payload["key"]: member_id
                            for member_payload, member_id in zip(
                                item.payload["members"], members, strict=True
                            )
                            if member_payload["key"]
                        },
                        batch.pk,
                        now,
                    )
                    for item, (household, members) in zip(fresh, plan.result, strict=True)
                ]
            )
            self.written(fresh)

    def commit_update(self, item: _Pending) -> None:
        """A changed record: the household and its members are updated through the register's
        services, so each change is checked, scoped and kept in the record's history."""
        actor = self.actor
        try:
            with transaction.atomic():
                source_record = SourceRecord.objects.select_for_update().get(
                    source=self.batch.source, key=item.key
                )
                household = Household.objects.get(pk=source_record.household_id)
                if household.commune_id != item.payload["commune"]:
                    raise InvalidInput(
                        _("Ce ménage est enregistré dans une autre commune (%(code)s).")
                        % {"code": household.code}
                    )
                changes = {
                    name: value
                    for name, value in item.payload["household"].items()
                    if name not in NOT_UPDATED
                }
                update_household(
                    actor=actor, household=household, expected_version=None, changes=changes
                )
                member_keys = dict(source_record.member_keys)
                matches = _match_members(household, item.payload["members"], member_keys)
                for member, existing in matches:
                    if existing is not None:
                        update_member(
                            actor=actor,
                            member=existing,
                            expected_version=None,
                            changes=member["values"],
                        )
                    else:
                        existing = add_member(
                            actor=actor,
                            household=household,
                            values=member["values"],
                            documents=member["documents"],
                        )
                    if member["key"]:
                        member_keys[member["key"]] = existing.pk
                source_record.member_keys = member_keys
                source_record.content_hash = item.content_hash
                source_record.batch = self.batch
                source_record.save()
                self.written([item])
        except DomainError as exc:  # refused by the register's rules, scope or role
            reasons = [" ".join(messages) for messages in getattr(exc, "errors", {}).values()]
            self.refuse(item, " ".join(reasons) or str(exc))


def _match_members(
    household: Household, members: list[dict[str, Any]], member_keys: dict[str, int]
) -> list[tuple[dict[str, Any], Individual | None]]:
    """Which present member each row of the file describes, never by position: by the
    person's id in the file when it has one; else by names and birth year, or names alone
    (a corrected date); else by relationship, sex and birth date (a corrected name). Only an
    unambiguous match counts; unmatched rows are new members."""
    present = {
        member.pk: member
        for member in household.members.filter(status=Individual.Status.ALIVE).order_by("id")
    }
    taken: set[int] = set()
    matches: list[tuple[dict[str, Any], Individual | None]] = []

    def unique(candidates: list[Individual]) -> Individual | None:
        free = [candidate for candidate in candidates if candidate.pk not in taken]
        return free[0] if len(free) == 1 else None

    for member in members:
        values = member["values"]
        found = present.get(member_keys.get(member["key"], 0)) if member["key"] else None
        if found is None and not (member["key"] and member["key"] in member_keys):
            birth = str(values.get("birth_date", ""))
            same_names = [
                person
                for person in present.values()
                if fold(person.given_names) == fold(values.get("given_names", ""))
                and fold(person.family_name) == fold(values.get("family_name", ""))
            ]
            found = (
                unique([p for p in same_names if str(p.birth_date.year) == birth[:4]])
                or unique(same_names)
                or unique(
                    [
                        person
                        for person in present.values()
                        if person.relationship == values.get("relationship")
                        and person.sex == values.get("sex")
                        and person.birth_date.isoformat() == birth
                    ]
                )
            )
        if found is not None:
            taken.add(found.pk)
        matches.append((member, found))
    return matches


def _rows_label(item: _Pending) -> str:
    rows = sorted({member["row"] for member in item.payload["members"]})
    where = f"{item.sheet} " if item.sheet else ""
    return f"{where}{rows[0]}–{rows[-1]}" if len(rows) > 1 else f"{where}{rows[0]}"


def _finish_commit(batch: ImportBatch, actor: Actor) -> dict[str, Any]:
    errors = batch.staged.filter(action=StagedHousehold.Action.ERROR).aggregate(
        households=Count("id"), rows=Sum("error_rows")
    )
    with transaction.atomic():
        # The written households' staged rows went as they were written; the unchanged ones'
        # copies of personal data go now (the errors of refused households stay for the report).
        batch.staged.exclude(action=StagedHousehold.Action.ERROR).update(payload={})
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.COMMITTED,
            committed_at=timezone.now(),
            households_error=errors["households"],
            rows_error=errors["rows"] or 0,
        )
        batch.refresh_from_db()
        counts = {
            "households_committed": batch.households_committed,
            "members_committed": batch.members_committed,
            "households_error": batch.households_error,
            "rows_error": batch.rows_error,
        }
        record(actor=actor, action="intake.import_committed", target=batch, changes=counts)
    if counts["households_committed"]:
        # Every imported household goes through dedup: a file is checked as a whole, by a
        # run over the register (one Splink pass), not household by household.
        dedup_services.check_after_import()
    return summary(batch)


# ---------------------------------------------------------------------------------------------
# Jobs


def _run_step(job: Job, step: Any, progress: Progress) -> dict[str, Any]:
    batch = ImportBatch.objects.select_related("created_by", "mapping").get(pk=job.params["batch"])
    with translation.override(batch.language):
        try:
            result: dict[str, Any] = step(batch, progress, actor=job.created_by)
        except JobStopped:
            job.refresh_from_db()
            if job.cancel_requested:  # not when another worker took the job over
                _failed(batch, _("Arrêté à la demande ; « Relancer » reprend où il s'est arrêté."))
            raise
        except DomainError as exc:
            _failed(batch, str(exc))
            raise
        except Exception as exc:  # the import must say it stopped, whatever stopped it
            logger.exception("Import %s: %s failed", batch.pk, job.kind)
            _failed(
                batch,
                _(
                    "Erreur inattendue (%(type)s) : l'équipe technique en trouve le détail dans "
                    "le journal du serveur. « Relancer » reprend où l'import s'est arrêté."
                )
                % {"type": type(exc).__name__},
            )
            raise
    return result


def _failed(batch: ImportBatch, error: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED, error=error)


@job_kind(
    "intake.validate", label=gettext_lazy("Vérifier un import"), permission=Perm.INTAKE_IMPORT
)
def _validate_job(job: Job, progress: Progress) -> dict[str, Any]:
    result = _run_step(job, validate_batch, progress)
    policy = job.params.get("then_commit")
    if policy:
        batch = ImportBatch.objects.get(pk=job.params["batch"])
        start_commit(actor=job.created_by, batch=batch, policy=policy)
    return result


@job_kind(
    "intake.commit", label=gettext_lazy("Enregistrer un import"), permission=Perm.INTAKE_IMPORT
)
def _commit_job(job: Job, progress: Progress) -> dict[str, Any]:
    return _run_step(job, commit_batch, progress)


# ---------------------------------------------------------------------------------------------
# Mapping templates


def save_mapping_template(
    *, actor: Actor, template: MappingTemplate | None, name: str, description: str,
    columns: dict[str, str], pcode_version: str,
) -> MappingTemplate:  # fmt: skip
    _require(actor)
    errors: dict[str, list[str]] = {}
    name = " ".join(name.split())
    if not name:
        errors["name"] = [str(REQUIRED)]
    elif (
        MappingTemplate.objects.filter(name__iexact=name)
        .exclude(pk=template.pk if template is not None else 0)
        .exists()
    ):
        errors["name"] = [_("Un modèle porte déjà ce nom.")]
    unknown = sorted(set(columns) - set(mapping.TARGETS_BY_NAME))
    if unknown:
        errors["columns"] = [_("Champs inconnus : %(names)s.") % {"names": ", ".join(unknown)}]
    if pcode_version not in PcodeVersion.values:
        errors["pcode_version"] = [_("Version inconnue.")]
    rules.raise_if(errors)
    cleaned = {
        field: column.strip() for field, column in columns.items() if column and column.strip()
    }
    with transaction.atomic():
        before = {} if template is None else {"name": template.name, "columns": template.columns}
        if template is None:
            template = MappingTemplate(created_by=actor)
        template.name = name
        template.description = description.strip()[:300]
        template.columns = cleaned
        template.pcode_version = pcode_version
        template.save()
        record(
            actor=actor,
            action="intake.mapping_saved",
            target=template,
            changes={"before": before, "columns": cleaned, "pcode_version": pcode_version},
        )
    return template


# ---------------------------------------------------------------------------------------------
# Error report


REPORT_COLUMNS = (
    gettext_lazy("Fichier"),
    gettext_lazy("Feuille"),
    gettext_lazy("Ligne"),
    gettext_lazy("Colonne"),
    gettext_lazy("Valeur"),
    gettext_lazy("Motif"),
)


def error_rows(batch: ImportBatch) -> Iterator[list[Any]]:
    """Each error of the import: file, sheet, row, column, value, reason (in file order)."""
    staged = (
        batch.staged.filter(action=StagedHousehold.Action.ERROR)
        .order_by("first_row", "id")
        .only("errors")
    )
    for item in staged.iterator(chunk_size=1000):
        for entry in sorted(item.errors, key=lambda entry: (entry["row"], entry["column"])):
            yield [
                batch.original_name,
                entry["sheet"],
                entry["row"],
                entry["column"],
                entry["value"],
                entry["reason"],
            ]
