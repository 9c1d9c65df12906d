"""The statistics workbook: one sheet per breakdown of the month, the published figures only
(suppressed and rounded exactly as on the page). Each export is audit-logged."""

from __future__ import annotations

import io
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from jigi.accounts.models import User
from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.protection import publication, statistics
from jigi.protection.access import require

HIDDEN = "x"


def statistics_workbook(*, actor: User, month: date) -> bytes:
    require(actor, Perm.PROTECTION_STATISTICS_EXPORT)
    month = publication.published_month(month)
    book = Workbook(write_only=True)
    tables = statistics.monthly_tables(month)
    for dimension, label in statistics.DIMENSIONS.items():
        table = tables[dimension]
        sheet = book.create_sheet(title=str(label)[:31])
        sheet.append([_("VBG – %(month)s") % {"month": f"{month:%m/%Y}"}, str(label)])
        sheet.append([_("Région"), *[name for _key, name in table.columns], _("Total (arrondi)")])
        for (_pcode, name), cells, total in zip(
            table.rows, table.cells, table.row_totals, strict=True
        ):
            sheet.append([name, *[HIDDEN if v is None else v for v in cells],
                          HIDDEN if total is None else total])  # fmt: skip
        sheet.append([
            _("Total (arrondi)"), *[HIDDEN if v is None else v for v in table.column_totals],
            HIDDEN if table.total is None else table.total,
        ])  # fmt: skip
        sheet.append([])
        sheet.append([_(
            "x : effectif masqué (de 1 à 5, ou masqué pour qu'il ne puisse pas être déduit des "
            "totaux). Totaux arrondis à 5 près. Seuls les incidents avec consentement aux "
            "statistiques sont comptés."
        )])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    with transaction.atomic():
        record(actor=actor, action="protection.export_statistics", target=None,
               target_label=f"{month:%Y-%m}", changes={"month": f"{month:%Y-%m}"})  # fmt: skip
    return buffer.getvalue()
