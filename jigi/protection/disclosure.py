"""Statistics that cannot identify anyone: how they are counted and protected. Private to
protection: it reads the case models and holds the true, unsuppressed counts. Other apps import
the published tables from ``statistics``, which re-exports only what is safe to show.

Monthly counts by region and by one of: GBV type, age group, sex, service delivered. Only
incidents (and services) of cases whose survivor consented to statistics, at the moment of
asking: a withdrawal takes them out at once. No survivor, case, provider or agency appears.

The three incident tables of a month (type, age group, sex) share their region totals and
their grand total, so they are protected together, as one publication; the service table
(services, not incidents) is protected on its own. Disclosure control:
1. primary suppression: every count from 1 to 5 (cells and totals) is hidden;
2. secondary suppression: each line (a region's row, a column, the totals row and column of
   every table) has either no hidden entry or at least two; the smallest other count in the
   line is hidden to get there (never a zero: an attacker then knows that a hidden entry is
   1–5 or more than 5, and the audit below assumes they do);
3. audit: for each count of 1–5 hidden, the smallest and the largest value it can take given
   everything published for the month (the cells shown, the totals shown within ± 2, a hidden
   entry being 1–5 or at least 6, all tables' equations at once) are found by integer linear
   programming (SciPy's HiGHS); where they are less than ``PROTECTION`` apart, another count
   of its lines is hidden and the whole is checked again;
4. totals shown are rounded to the nearest 5 after suppression;
5. in the service table, a region where fewer than two providers delivered services that
   month is pooled with others ("other regions") until the pool holds two: a row never gives
   one centre's activity.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jigi.core.models import AdminArea
from jigi.protection import classifier
from jigi.protection.models import Consent, Incident, ServiceDelivery, ServiceKind, Sex

MIN_SHOWN = 6  # counts 1–5 are hidden
ROUND_TO = 5
SLACK = ROUND_TO // 2  # a rounded total is the true one within ± 2
PROTECTION = 2  # a hidden count of 1–5 keeps at least three possible values
MIN_PROVIDERS = 2  # a row of the service table sums at least two providers' work

DIMENSIONS: dict[str, Any] = {
    "type": _("Type de VBG"),
    "age_group": _("Groupe d'âge"),
    "sex": _("Sexe"),
    "service": _("Service fourni"),
}
INCIDENT_DIMENSIONS = ("type", "age_group", "sex")

Matrix = list[list[int]]
Key = Hashable
Equation = tuple[list[Key], Key]  # the parts add up to the total


@dataclass(frozen=True)
class Table:
    """A published table: ``None`` is a hidden entry; totals are rounded."""

    month: date
    dimension: str
    rows: list[tuple[str, str]]  # (region P-code, or P-codes joined by "+" for a pool; name)
    columns: list[tuple[str, str]]  # (key, label)
    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None

    @property
    def hidden(self) -> int:
        return sum(value is None for row in self.cells for value in row)


# -- disclosure control, on plain numbers -------------------------------------------------


def table_equations(
    matrix: Matrix, name: Hashable = 0, *, rows: Hashable = "row", grand: Hashable = "grand"
) -> tuple[dict[Key, int], list[Equation]]:
    """The entries of a table with its totals, and the equations they obey. Entries are
    keyed ``(name, i, j)`` for cells, ``(rows, i)`` for row totals, ``(name, "col", j)`` for
    column totals and ``grand``: tables given the same ``rows`` and ``grand`` share them."""
    values: dict[Key, int] = {}
    equations: list[Equation] = []
    width = len(matrix[0]) if matrix else 0
    for i, line in enumerate(matrix):
        for j, value in enumerate(line):
            values[(name, i, j)] = value
        values[(rows, i)] = sum(line)
        equations.append(([(name, i, j) for j in range(width)], (rows, i)))
    for j in range(width):
        values[(name, "col", j)] = sum(line[j] for line in matrix)
        equations.append(([(name, i, j) for i in range(len(matrix))], (name, "col", j)))
    values[grand] = sum(sum(line) for line in matrix)
    equations.append(([(name, "col", j) for j in range(width)], grand))
    equations.append(([(rows, i) for i in range(len(matrix))], grand))
    return values, equations


def _unique(equations: Iterable[Equation]) -> list[Equation]:
    seen: set[tuple[tuple[Key, ...], Key]] = set()
    kept = []
    for parts, total in equations:
        if (marker := (tuple(parts), total)) not in seen:
            seen.add(marker)
            kept.append((parts, total))
    return kept


def attacker_range(
    values: dict[Key, int],
    equations: list[Equation],
    hidden: set[Key],
    totals: set[Key],
    target: Key,
) -> tuple[int, int]:
    """The smallest and largest value ``target`` (a hidden entry) can take for someone who
    knows every published figure and how they were published: cells shown exactly, totals
    within ± ``SLACK``, hidden counts 1–5 or ≥ 6, whole numbers, all equations."""
    unknown = sorted((key for key in values if key in hidden or key in totals), key=repr)
    index = {key: n for n, key in enumerate(unknown)}
    ceiling = float(sum(values[key] for key in values if key in totals) + SLACK * len(values))
    # SciPy is imported here, not with the module: it costs every command and page about
    # 0.4 s to load, and only the statistics need it.
    from scipy.optimize import Bounds, LinearConstraint, milp  # type: ignore[import-untyped]  # noqa: PLC0415
    from scipy.sparse import lil_array  # type: ignore[import-untyped]  # noqa: PLC0415

    low, high = np.zeros(len(unknown)), np.full(len(unknown), ceiling)
    for key, n in index.items():
        value = values[key]
        if key in hidden:
            low[n], high[n] = (1, MIN_SHOWN - 1) if 0 < value < MIN_SHOWN else (MIN_SHOWN, ceiling)
        else:  # a total shown rounded: within ± SLACK of what is shown, and not 1–5
            shown = round_total(value)
            low[n], high[n] = max(shown - SLACK, 0), shown + SLACK
            if shown > 0:
                low[n] = max(low[n], MIN_SHOWN)
            else:
                high[n] = 0
    matrix = lil_array((len(equations), len(unknown)))
    rhs = np.zeros(len(equations))
    for row, (parts, total) in enumerate(equations):
        for key, sign in [*((part, 1.0) for part in parts), (total, -1.0)]:
            if key in index:
                matrix[row, index[key]] += sign
            else:
                rhs[row] -= sign * values[key]
    constraint = LinearConstraint(matrix.tocsr(), rhs, rhs)
    found = []
    for direction in (1.0, -1.0):
        objective = np.zeros(len(unknown))
        objective[index[target]] = direction
        result = milp(
            objective,
            constraints=constraint,
            integrality=np.ones(len(unknown)),
            bounds=Bounds(low, high),
        )
        if result.x is None:  # cannot happen with the true values feasible; stay safe
            return values[target], values[target]
        found.append(round(result.x[index[target]]))
    return found[0], found[1]


def protect(values: dict[Key, int], equations: list[Equation], totals: set[Key]) -> set[Key]:
    """The entries to hide (primary, secondary, then as many as the audit asks)."""
    equations = _unique(equations)
    hidden = {key for key, value in values.items() if 0 < value < MIN_SHOWN}
    sensitive = set(hidden)
    safe: set[Key] = set()
    lines = [[*parts, total] for parts, total in equations]

    def cost(key: Key) -> tuple[bool, int]:
        return (key in totals, values[key])  # a cell before a total, the smallest first

    def hide_one_of(line: Iterable[Key]) -> bool:
        shown = [key for key in line if key not in hidden and values[key] > 0]
        if not shown:
            return False
        hidden.add(min(shown, key=cost))
        return True

    while True:
        changed = True
        while changed:
            changed = False
            for line in lines:
                if sum(key in hidden for key in line) == 1 and hide_one_of(line):
                    changed = True
        # Hiding more only widens what an attacker can infer: a count that passed stays safe.
        exposed = None
        for target in sorted(sensitive - safe, key=repr):
            low, high = attacker_range(values, equations, hidden, totals, target)
            if high - low < PROTECTION:
                exposed = target
                break
            safe.add(target)
        if exposed is None:
            return hidden
        around = [key for line in lines if exposed in line for key in line]
        if not hide_one_of(around) and not hide_one_of(values):
            return hidden  # everything that could be hidden is


def suppress(matrix: Matrix) -> list[list[bool]]:
    """Which entries of one table (cells, then the totals column; the totals row last) to
    hide, the table published alone."""
    values, equations = table_equations(matrix)
    totals = {key for key in values if _is_total(key)}
    hidden = protect(values, equations, totals)
    height, width = len(matrix), len(matrix[0]) if matrix else 0
    grid = [[(0, i, j) in hidden for j in range(width)] + [("row", i) in hidden]
            for i in range(height)]  # fmt: skip
    return [*grid, [(0, "col", j) in hidden for j in range(width)] + ["grand" in hidden]]


def _is_total(key: Key) -> bool:
    return not (isinstance(key, tuple) and len(key) == 3 and key[1] != "col")


def round_total(value: int) -> int:
    return ROUND_TO * round(value / ROUND_TO)


def publish_together(
    matrices: dict[str, Matrix],
) -> dict[str, tuple[list[list[int | None]], list[int | None], list[int | None], int | None]]:
    """Tables with the same rows (the same units counted by different breakdowns, so the
    same row totals and grand total), protected as one publication: for each, the cells, row
    totals, column totals and grand total as published."""
    frozen = tuple((name, tuple(map(tuple, matrix))) for name, matrix in matrices.items())
    return {  # copies: the cached lists stay as computed
        name: ([list(line) for line in cells], list(rows), list(columns), total)
        for name, (cells, rows, columns, total) in _published(frozen).items()
    }


@lru_cache(maxsize=64)
def _published(
    frozen: tuple[tuple[str, tuple[tuple[int, ...], ...]], ...],
) -> dict[str, tuple[list[list[int | None]], list[int | None], list[int | None], int | None]]:
    """``publish_together`` for the same counts again (the page, the API and the workbook ask
    for the same month): the audit's integer programs take up to a second or two."""
    matrices = {name: [list(line) for line in matrix] for name, matrix in frozen}
    values: dict[Key, int] = {}
    equations: list[Equation] = []
    for name, matrix in matrices.items():
        table_values, table_equations_ = table_equations(matrix, name)
        values.update(table_values)
        equations += table_equations_
    totals = {key for key in values if _is_total(key)}
    hidden = protect(values, equations, totals)

    def shown(key: Key) -> int | None:
        if key in hidden:
            return None
        return round_total(values[key]) if key in totals else values[key]

    published = {}
    for name, matrix in matrices.items():
        width = len(matrix[0]) if matrix else 0
        published[name] = (
            [[shown((name, i, j)) for j in range(width)] for i in range(len(matrix))],
            [shown(("row", i)) for i in range(len(matrix))],
            [shown((name, "col", j)) for j in range(width)],
            shown("grand"),
        )
    return published


def publish(
    matrix: Matrix,
) -> tuple[list[list[int | None]], list[int | None], list[int | None], int | None]:
    """One table published alone: its cells, row totals, column totals and grand total."""
    return publish_together({"table": matrix})["table"]


# -- the month's counts -------------------------------------------------------------------


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


def _incident_counts(month: date, dimension: str) -> dict[tuple[str, str], int]:
    """True counts by (region, column key). Private: never published as they are."""
    start, end = _month_bounds(month)
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
    counts: dict[tuple[str, str], int] = {}
    for region, age in incidents.values_list("region_id", "survivor_age"):
        key = (region, classifier.age_group(age))
        counts[key] = counts.get(key, 0) + 1
    return counts


def _regions() -> list[tuple[str, str]]:
    return list(
        AdminArea.objects.filter(level=AdminArea.Level.REGION)
        .order_by("pcode")
        .values_list("pcode", "name")
    )


def incident_tables(month: date) -> dict[str, Table]:
    """The month's incident tables (type, age group, sex), protected together."""
    regions = _regions()
    columns = {dimension: _columns(dimension) for dimension in INCIDENT_DIMENSIONS}
    matrices = {}
    for dimension in INCIDENT_DIMENSIONS:
        counts = _incident_counts(month, dimension)
        matrices[dimension] = [
            [counts.get((pcode, key), 0) for key, _label in columns[dimension]]
            for pcode, _name in regions
        ]
    published = publish_together(matrices)
    return {
        dimension: Table(
            month.replace(day=1), dimension, regions, columns[dimension], *published[dimension]
        )  # fmt: skip
        for dimension in INCIDENT_DIMENSIONS
    }


def _pooled(
    regions: list[tuple[str, str]], providers: dict[str, set[int]]
) -> list[tuple[list[str], str]]:
    """The service table's rows: a region whose services that month came from fewer than
    ``MIN_PROVIDERS`` providers joins a pool of such regions, which takes in the regions with
    the fewest providers until it holds enough (or holds every region)."""
    alone = [
        (pcode, name) for pcode, name in regions if len(providers.get(pcode, ())) < MIN_PROVIDERS
    ]
    rest = [(pcode, name) for pcode, name in regions if (pcode, name) not in alone]
    pool = list(alone)

    def pool_size() -> int:
        return len(set().union(*(providers.get(pcode, set()) for pcode, _name in pool)))

    while pool and 0 < pool_size() < MIN_PROVIDERS and rest:
        rest.sort(key=lambda region: len(providers.get(region[0], ())))
        pool.append(rest.pop(0))
    rows = [([pcode], name) for pcode, name in rest]
    if pool and pool_size() > 0:
        names = ", ".join(name for _pcode, name in sorted(pool))
        rows.append(([pcode for pcode, _name in sorted(pool)],
                     gettext("Autres régions (%(names)s)") % {"names": names}))  # fmt: skip
    return rows


def service_table(month: date) -> Table:
    """Services delivered in the month by region of the provider and kind, protected alone,
    regions with fewer than two providers at work pooled."""
    start, end = _month_bounds(month)
    services = (
        ServiceDelivery.objects.filter(started_on__gte=start, started_on__lt=end)
        .filter(_consented())
        .values_list("provider__area_id", "provider_id", "kind")
    )
    counts: dict[tuple[str, str], int] = {}
    providers: dict[str, set[int]] = {}
    for area, provider, kind in services:
        counts[(area[:4], kind)] = counts.get((area[:4], kind), 0) + 1
        providers.setdefault(area[:4], set()).add(provider)
    columns = _columns("service")
    rows = _pooled(_regions(), providers)
    matrix = [
        [sum(counts.get((pcode, key), 0) for pcode in pcodes) for key, _label in columns]
        for pcodes, _name in rows
    ]
    cells, row_totals, column_totals, total = publish(matrix)
    if len(set().union(*providers.values())) < MIN_PROVIDERS:  # the country's only provider
        cells = [[None] * len(columns) for _row in rows]
        row_totals, column_totals, total = [None] * len(rows), [None] * len(columns), None
    return Table(
        month=month.replace(day=1),
        dimension="service",
        rows=[("+".join(pcodes), name) for pcodes, name in rows],
        columns=columns,
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        total=total,
    )


def monthly_tables(month: date) -> dict[str, Table]:
    """Every published table of the month, by dimension."""
    return {**incident_tables(month), "service": service_table(month)}


def monthly_table(month: date, dimension: str) -> Table:
    """The published table of one month by region and ``dimension``."""
    if dimension == "service":
        return service_table(month)
    if dimension not in INCIDENT_DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    return incident_tables(month)[dimension]
