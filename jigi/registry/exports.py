"""Exports of the filtered register (CSV streamed, XLSX write-only), each one audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.errors import Forbidden, InvalidInput
from jigi.core.text import spreadsheet_safe
from jigi.registry import selectors

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 100_000  # larger extracts go through a background job (monitoring issue)


@dataclass
class Export:
    filename: str
    rows: int
    stream: Iterator[str] = field(default_factory=lambda: iter(()))
    content: bytes = b""


def _header() -> list[str]:
    return [
        _("Code ménage"),
        _("Région"),
        _("Cercle"),
        _("Commune"),
        _("P-code commune"),
        _("Village / quartier"),
        _("Chef de ménage"),
        _("Membres"),
        _("Déplacement"),
        _("Statut"),
        _("Enregistré le"),
    ]


def _lines(households: Any) -> Iterator[list[Any]]:
    for household in households.iterator(chunk_size=2000):
        commune = household.commune
        yield [
            spreadsheet_safe(value)
            for value in [
                household.code,
                commune.parent.parent.name,
                commune.parent.name,
                commune.name,
                commune.pcode,
                household.village,
                f"{household.head_given_names or ''} {household.head_family_name or ''}".strip(),
                household.member_count or 0,
                household.get_displacement_display(),
                household.get_status_display(),
                household.registered_on.isoformat(),
            ]
        ]


def export_households(
    *, actor: User, filters: selectors.HouseholdFilters, file_format: str
) -> Export:
    """The households the actor can see that match ``filters``; logged with filter and count."""
    if not has_perm(actor, Perm.REGISTRY_EXPORT):
        raise Forbidden(_("Votre rôle ne permet pas d'exporter le registre."))
    if file_format not in {"csv", "xlsx"}:
        raise InvalidInput(_("Format d'export inconnu : %(format)s.") % {"format": file_format})
    households = selectors.households_for(actor, filters)
    count = households.count()
    if count > MAX_ROWS:
        raise InvalidInput(
            _("%(count)d ménages : précisez les filtres (au plus %(max)d lignes par export).")
            % {"count": count, "max": MAX_ROWS}
        )
    record(
        actor=actor,
        action="registry.export",
        target=None,
        changes={"filters": filters.as_dict(), "rows": count, "format": file_format},
        target_label=f"{count} ménages",
    )
    ordered = selectors.with_list_columns(households).order_by("code")
    filename = f"registre-{timezone.localdate().isoformat()}.{file_format}"
    if file_format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Ménages"))
        sheet.append(_header())
        for line in _lines(ordered):
            sheet.append(line)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return Export(filename=filename, rows=count, content=buffer.getvalue())
    return Export(filename=filename, rows=count, stream=_csv_stream(ordered))


def _csv_stream(households: Any) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # Excel opens UTF-8 with accents correctly when a BOM leads
    writer.writerow(_header())
    for line in _lines(households):
        writer.writerow(line)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
    if buffer.getvalue():
        yield buffer.getvalue()
