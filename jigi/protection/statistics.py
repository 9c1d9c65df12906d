"""Statistics that cannot identify anyone: the only module other apps may import.

Monthly counts by region and by one of: GBV type, age group, sex, service delivered. Only
incidents (and services) of cases whose survivor consented to statistics, at the moment of
asking: a withdrawal takes them out at once. No survivor, case, provider or agency appears.

Disclosure control, on the table with its totals row and column:
1. primary suppression: every count from 1 to 5 (cells and totals) is hidden;
2. secondary suppression: each row and each column — the totals row and column included,
   as each ties its entries to a published total — has either no hidden entry or at least
   two, so a hidden cell is never the difference between a total and the cells shown; the
   smallest other entry is hidden to get there, until nothing changes;
3. totals shown are rounded to the nearest 5 after suppression, so even the sum of the
   hidden entries of a line is known only within ± 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from jigi.core.models import AdminArea
from jigi.protection import classifier
from jigi.protection.models import Consent, Incident, ServiceDelivery, ServiceKind, Sex

MIN_SHOWN = 6  # counts 1–5 are hidden
ROUND_TO = 5

DIMENSIONS: dict[str, Any] = {
    "type": _("Type de VBG"),
    "age_group": _("Groupe d'âge"),
    "sex": _("Sexe"),
    "service": _("Service fourni"),
}

Matrix = list[list[int]]


@dataclass(frozen=True)
class Table:
    """A published table: ``None`` is a hidden entry; totals are rounded."""

    month: date
    dimension: str
    rows: list[tuple[str, str]]  # (region P-code, name)
    columns: list[tuple[str, str]]  # (key, label)
    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None

    @property
    def hidden(self) -> int:
        return sum(value is None for row in self.cells for value in row)


def _columns(dimension: str) -> list[tuple[str, str]]:
    if dimension == "type":
        return [(q.gbv_type, str(q.label)) for q in classifier.TYPE_QUESTIONS]
    if dimension == "age_group":
        groups = [(name, name) for name, _low, _high in classifier.AGE_GROUPS]
        return [*groups, (classifier.UNKNOWN_AGE, str(_("Inconnu")))]
    if dimension == "sex":
        return [(value, str(label)) for value, label in Sex.choices]
    if dimension == "service":
        return [(value, str(label)) for value, label in ServiceKind.choices]
    raise ValueError(f"unknown dimension {dimension!r}")


def _consented() -> Exists:
    return Exists(
        Consent.objects.filter(
            case=OuterRef("case"), purpose=Consent.Purpose.STATISTICS, withdrawn_at__isnull=True
        )
    )


def _month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def _counts(month: date, dimension: str) -> dict[tuple[str, str], int]:
    """True counts by (region, column key). Private: never published as they are."""
    start, end = _month_bounds(month)
    if dimension == "service":
        services = (
            ServiceDelivery.objects.filter(started_on__gte=start, started_on__lt=end)
            .filter(_consented())
            .values_list("provider__area_id", "kind")
        )
        counts: dict[tuple[str, str], int] = {}
        for area, kind in services:
            key = (area[:4], kind)
            counts[key] = counts.get(key, 0) + 1
        return counts
    incidents = (
        Incident.objects.filter(reported_on__gte=start, reported_on__lt=end)
        .exclude(gbv_type=classifier.NON_GBV)
        .filter(_consented())
    )
    if dimension == "type":
        grouped = incidents.values_list("region_id", "gbv_type").annotate(n=Count("id"))
        return {(region, key): n for region, key, n in grouped}
    if dimension == "sex":
        grouped = incidents.values_list("region_id", "case__survivor_sex").annotate(n=Count("id"))
        return {(region, key): n for region, key, n in grouped}
    counts = {}
    for region, age in incidents.values_list("region_id", "survivor_age"):
        key = (region, classifier.age_group(age))
        counts[key] = counts.get(key, 0) + 1
    return counts


def _augmented(matrix: Matrix) -> Matrix:
    """The matrix with a totals column and a totals row (the grand total in the corner)."""
    rows = [[*row, sum(row)] for row in matrix]
    width = len(rows[0]) if rows else 1
    return [*rows, [sum(row[j] for row in rows) for j in range(width)]]


def suppress(matrix: Matrix) -> list[list[bool]]:
    """Which entries of the augmented matrix (cells, then totals) to hide: primary
    suppression of 1–5, then secondary suppression until every line has 0 or ≥ 2 hidden."""
    table = _augmented(matrix)
    height, width = len(table), len(table[0])
    hidden = [[0 < value < MIN_SHOWN for value in row] for row in table]

    def lines() -> list[list[tuple[int, int]]]:
        found = [[(i, j) for j in range(width)] for i in range(height)]
        return found + [[(i, j) for i in range(height)] for j in range(width)]

    changed = True
    while changed:
        changed = False
        for line in lines():
            if sum(hidden[i][j] for i, j in line) != 1:
                continue
            shown = [(i, j) for i, j in line if not hidden[i][j]]
            if not shown:
                continue

            def cost(entry: tuple[int, int]) -> tuple[int, int, int]:
                i, j = entry
                is_total = i == height - 1 or j == width - 1
                # A hidden zero protects little (zeros are often known): prefer a real count.
                return (table[i][j] == 0, is_total, table[i][j])

            i, j = min(shown, key=cost)
            hidden[i][j] = True
            changed = True
    return hidden


def round_total(value: int) -> int:
    return ROUND_TO * round(value / ROUND_TO)


def publish(
    matrix: Matrix,
) -> tuple[list[list[int | None]], list[int | None], list[int | None], int | None]:
    """The cells, row totals, column totals and grand total as published."""
    table = _augmented(matrix)
    hidden = suppress(matrix)
    height, width = len(table), len(table[0])

    def shown(i: int, j: int) -> int | None:
        if hidden[i][j]:
            return None
        is_total = i == height - 1 or j == width - 1
        return round_total(table[i][j]) if is_total else table[i][j]

    cells = [[shown(i, j) for j in range(width - 1)] for i in range(height - 1)]
    row_totals = [shown(i, width - 1) for i in range(height - 1)]
    column_totals = [shown(height - 1, j) for j in range(width - 1)]
    return cells, row_totals, column_totals, shown(height - 1, width - 1)


def monthly_table(month: date, dimension: str) -> Table:
    """The published table of one month by region and ``dimension``."""
    columns = _columns(dimension)
    regions = list(
        AdminArea.objects.filter(level=AdminArea.Level.REGION)
        .order_by("pcode")
        .values_list("pcode", "name")
    )
    counts = _counts(month, dimension)
    matrix = [[counts.get((pcode, key), 0) for key, _label in columns] for pcode, _name in regions]
    cells, row_totals, column_totals, total = publish(matrix)
    return Table(
        month=month.replace(day=1),
        dimension=dimension,
        rows=regions,
        columns=columns,
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        total=total,
    )
