"""The village list for community validation as an XLSX file: personal data, so the
download is limited to roles that validate or export and is written to the audit log."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.errors import Forbidden
from jigi.core.text import spreadsheet_safe
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
