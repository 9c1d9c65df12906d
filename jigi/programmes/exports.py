"""Downloads of personal data, each limited to the roles that may take it and written to the
audit log: the village list for community validation (XLSX) and the enrolments (CSV, XLSX)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.errors import Forbidden, InvalidInput
from jigi.core.text import spreadsheet_safe
from jigi.programmes import selectors
from jigi.programmes.models import HouseholdScore, Programme, TargetingRun
from jigi.registry.models import Individual

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def village_xlsx(
    user: User,
    programme: Programme,
    run: TargetingRun,
    rows: list[HouseholdScore],
    heads: dict[int, Individual | None],
) -> HttpResponse:
    if not (has_perm(user, Perm.PROGRAMMES_VALIDATE) or has_perm(user, Perm.REGISTRY_EXPORT)):
        raise Forbidden(_("Votre rôle ne permet pas d'exporter les listes."))
    first = rows[0]
    village, commune = first.household.village, first.commune.name
    record(
        actor=user,
        action="programmes.export_list",
        target=programme,
        changes={"run": run.pk, "commune": first.commune_id, "village": village, "rows": len(rows)},
        target_label=f"{programme.code} – {village}",
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Liste"))
    sheet.append([spreadsheet_safe(f"{programme.name} — {commune}, {village}")])
    sheet.append(
        [
            _("Rang"),
            _("Code ménage"),
            _("Chef de ménage"),
            _("Membres"),
            _("Score PMT"),
            _("Ajout de la communauté"),
            _("Validation"),
            _("Motif"),
        ]
    )
    for row in rows:
        head = heads.get(row.household_id)
        sheet.append(
            [
                spreadsheet_safe(value)
                for value in (
                    row.rank,
                    row.household.code,
                    str(head) if head else "",
                    row.size,
                    None if row.score is None else round(row.score, 3),
                    _("oui") if row.is_community_addition else "",
                    row.get_validation_display(),
                    row.validation_reason,
                )
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    filename = f"liste-{programme.code}-{first.commune_id}-{first.household.village_folded}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename.replace(" ", "-")}"'
    return response


MAX_ROWS = 100_000


def _enrolment_lines(rows: Any) -> Iterator[list[Any]]:
    for enrolment in rows.iterator(chunk_size=2000):
        yield [
            spreadsheet_safe(value)
            for value in (
                enrolment.programme.code,
                enrolment.household.code,
                enrolment.household.commune.name,
                enrolment.household.commune_id,
                enrolment.household.village,
                str(enrolment.recipient),
                enrolment.get_status_display(),
                enrolment.start_on.isoformat(),
                enrolment.planned_end_on.isoformat(),
                enrolment.ended_on.isoformat() if enrolment.ended_on else "",
                enrolment.get_channel_display(),
                enrolment.payment_number,
                _("oui") if enrolment.emergency_id else "",
            )
        ]


def export_enrolments(
    user: User, filters: selectors.EnrolmentFilters, file_format: str
) -> HttpResponse:
    """The enrolments the user sees that match ``filters`` (personal data: logged)."""
    if not has_perm(user, Perm.REGISTRY_EXPORT):
        raise Forbidden(_("Votre rôle ne permet pas d'exporter les inscriptions."))
    if file_format not in {"csv", "xlsx"}:
        raise InvalidInput(_("Format d'export inconnu : %(format)s.") % {"format": file_format})
    rows = selectors.enrolments_for(user, filters)
    count = rows.count()
    if count > MAX_ROWS:
        raise InvalidInput(
            _("%(count)d inscriptions : précisez les filtres (au plus %(max)d lignes par export).")
            % {"count": count, "max": MAX_ROWS}
        )
    record(
        actor=user,
        action="programmes.export_enrolments",
        target=None,
        changes={"filters": asdict(filters), "rows": count, "format": file_format},
        target_label=f"{count} inscriptions",
    )
    header = [
        _("Programme"),
        _("Code ménage"),
        _("Commune"),
        _("P-code"),
        _("Village / quartier"),
        _("Récipiendaire"),
        _("Statut"),
        _("Début"),
        _("Fin prévue"),
        _("Fin effective"),
        _("Canal"),
        _("Numéro de paiement"),
        _("Réponse aux urgences"),
    ]
    filename = f"inscriptions-{timezone.localdate().isoformat()}.{file_format}"
    if file_format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Inscriptions"))
        sheet.append(header)
        for line in _enrolment_lines(rows):
            sheet.append(line)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    else:
        out = io.StringIO()
        out.write("\ufeff")  # Excel opens UTF-8 with accents correctly when a BOM leads
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(_enrolment_lines(rows))
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
