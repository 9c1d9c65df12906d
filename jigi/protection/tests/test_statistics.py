"""Published statistics cannot give a suppressed cell back: an attacker who knows every
published figure and that counts are whole and not negative tries every filling of the hidden
entries; each hidden cell must keep more than one possible value. The same attack on a table
with primary suppression only recovers the cell, so the attack is a real one.

The incident tables of a month (by type, age group, sex) count the same incidents: a reader
puts them side by side. The second attacker does, by integer programming over every table at
once, and each filling it finds is checked by plain arithmetic; it recovers cells from tables
protected one by one, and none from tables protected together."""

from __future__ import annotations

import itertools
import random
from typing import Any

import numpy as np
import pytest
from django.utils import timezone
from scipy.optimize import Bounds, LinearConstraint, milp  # type: ignore[import-untyped]

from jigi.protection import services, statistics
from jigi.protection.disclosure import (
    MIN_SHOWN,
    _pooled,
    publish,
    publish_together,
    round_total,
    suppress,
)
from jigi.protection.tests.factories import case

TABLE = [
    [3, 12, 20],  # a 3 alone in its row and column
    [15, 9, 31],
    [0, 22, 14],
]


def feasible_values(
    cells: list[list[int | None]],
    row_totals: list[int | None],
    column_totals: list[int | None],
    *,
    rounded: bool,
) -> dict[tuple[int, int], set[int]]:
    """Every value each hidden cell can take given the published figures (a published total
    is the true one within ± 2 when rounded; a hidden total says nothing)."""
    slack = 2 if rounded else 0
    hidden = [(i, j) for i, row in enumerate(cells) for j, v in enumerate(row) if v is None]
    shown_rows = [sum(v or 0 for v in row) for row in cells]
    shown_cols = [sum(row[j] or 0 for row in cells) for j in range(len(cells[0]))]
    cap = max(t for t in [*row_totals, *column_totals] if t is not None) + slack

    def bound(i: int, j: int) -> int:
        known = [t for t in (row_totals[i], column_totals[j]) if t is not None]
        return min(known) + slack if known else cap

    possible: dict[tuple[int, int], set[int]] = {spot: set() for spot in hidden}
    ranges = [range(bound(i, j) + 1) for i, j in hidden]
    for guess in itertools.product(*ranges):
        rows = list(shown_rows)
        cols = list(shown_cols)
        for (i, j), value in zip(hidden, guess, strict=True):
            rows[i] += value
            cols[j] += value
        if all(t is None or abs(rows[i] - t) <= slack for i, t in enumerate(row_totals)) and all(
            t is None or abs(cols[j] - t) <= slack for j, t in enumerate(column_totals)
        ):
            for spot, value in zip(hidden, guess, strict=True):
                possible[spot].add(value)
    return possible


def test_primary_suppression_alone_gives_the_cell_away() -> None:
    cells: list[list[int | None]] = [
        [None if 0 < v < MIN_SHOWN else v for v in row] for row in TABLE
    ]
    row_totals: list[int | None] = [sum(row) for row in TABLE]
    column_totals: list[int | None] = [sum(col) for col in zip(*TABLE, strict=True)]
    found = feasible_values(cells, row_totals, column_totals, rounded=False)
    assert found == {(0, 0): {3}}


def test_published_table_keeps_every_hidden_cell_ambiguous() -> None:
    cells, row_totals, column_totals, _total = publish(TABLE)
    assert cells[0][0] is None
    hidden = sum(v is None for row in cells for v in row)
    assert hidden >= 4  # the 3, and enough others that no row or column gives it away
    found = feasible_values(cells, row_totals, column_totals, rounded=True)
    assert len(found[(0, 0)]) > 1
    assert all(len(values) > 1 for values in found.values())


def test_every_line_has_no_hidden_entry_or_at_least_two() -> None:
    for table in (TABLE, [[1, 0, 0], [0, 0, 0]], [[7, 2], [9, 30]], [[4]]):
        hidden = suppress(table)
        for line in [*hidden, *zip(*hidden, strict=True)]:
            assert sum(line) != 1


def test_totals_are_rounded_and_small_totals_hidden() -> None:
    _cells, row_totals, _columns, total = publish([[7, 9], [8, 30]])
    assert row_totals == [15, 40]  # 16 → 15, 38 → 40
    assert total == round_total(54) == 55
    assert publish([[2, 0], [0, 0]])[3] is None


# -- several tables of the same incidents, read together ----------------------------------

Key = Any
Published = tuple[list[list[int | None]], list[int | None], list[int | None], int | None]


def joint_view(
    tables: dict[str, Published],
) -> tuple[dict[Key, int | None], set[Key], list[tuple[list[Key], Key]]]:
    """What a reader of every table has: each figure (None if hidden), which are totals, and
    the sums that tie them (the tables count the same incidents, so a region's total and the
    grand total are one number whichever table shows it)."""
    figures: dict[Key, int | None] = {}
    totals: set[Key] = set()
    sums: list[tuple[list[Key], Key]] = []
    for name, (cells, row_totals, column_totals, grand) in tables.items():
        for i, line in enumerate(cells):
            figures.update({(name, i, j): value for j, value in enumerate(line)})
            sums.append(([(name, i, j) for j in range(len(line))], ("region", i)))
            if row_totals[i] is not None:
                figures[("region", i)] = row_totals[i]
            figures.setdefault(("region", i), None)
            totals.add(("region", i))
        for j, value in enumerate(column_totals):
            figures[(name, "col", j)] = value
            totals.add((name, "col", j))
            sums.append(([(name, i, j) for i in range(len(cells))], (name, "col", j)))
        sums.append(([(name, "col", j) for j in range(len(column_totals))], "grand"))
        if grand is not None:
            figures["grand"] = grand
        figures.setdefault("grand", None)
        totals.add("grand")
    regions = len(next(iter(tables.values()))[0])
    sums.append(([("region", i) for i in range(regions)], "grand"))
    return figures, totals, sums


def another_filling(
    figures: dict[Key, int | None],
    totals: set[Key],
    sums: list[tuple[list[Key], Key]],
    target: Key,
    truth: int,
) -> dict[Key, int] | None:
    """Whole counts, other than the truth at ``target``, that agree with every published
    figure (found by integer programming, then checked here by plain arithmetic), or None
    when there is none: then the reader knows the hidden count."""
    keys = sorted(figures, key=repr)
    index = {key: n for n, key in enumerate(keys)}
    cap = sum(v for v in figures.values() if v is not None) + 10
    low, high = np.zeros(len(keys)), np.zeros(len(keys))
    for key, shown in figures.items():
        if shown is None:
            low[index[key]], high[index[key]] = 1, cap  # hidden: not zero (zeros are shown)
        elif key in totals:  # rounded to 5, and not 1–5 (those are hidden)
            low[index[key]] = 0 if shown == 0 else max(shown - 2, MIN_SHOWN)
            high[index[key]] = shown + 2 if shown else 0
        else:
            low[index[key]] = high[index[key]] = shown
    matrix = np.zeros((len(sums), len(keys)))
    for row, (parts, total) in enumerate(sums):
        for part in parts:
            matrix[row, index[part]] += 1
        matrix[row, index[total]] -= 1
    for below, above in ((low[index[target]], truth - 1), (truth + 1, high[index[target]])):
        if below > above:
            continue
        bounds_low, bounds_high = low.copy(), high.copy()
        bounds_low[index[target]], bounds_high[index[target]] = below, above
        found = milp(np.zeros(len(keys)), constraints=LinearConstraint(matrix, 0, 0),
                     integrality=np.ones(len(keys)), bounds=Bounds(bounds_low, bounds_high))  # fmt: skip
        if found.x is None:
            continue
        filling = {key: round(found.x[index[key]]) for key in keys}
        for key, shown in figures.items():
            if shown is not None and key not in totals:
                assert filling[key] == shown
            elif shown is not None:
                assert abs(filling[key] - shown) <= 2
        for parts, total in sums:
            assert sum(filling[part] for part in parts) == filling[total]
        assert filling[target] != truth
        return filling
    return None


def recovered(matrices: dict[str, list[list[int]]], tables: dict[str, Published]) -> list[Key]:
    """The hidden counts of 1–5 a reader of all the tables can give back exactly."""
    figures, totals, sums = joint_view(tables)
    return [
        (name, i, j)
        for name, matrix in matrices.items()
        for i, line in enumerate(matrix)
        for j, value in enumerate(line)
        if figures[(name, i, j)] is None
        and 0 < value < MIN_SHOWN
        and another_filling(figures, totals, sums, (name, i, j), value) is None
    ]


# Two regions, by type and by sex; every survivor of the second region is a woman.
BY_TYPE = [[9, 3, 7], [12, 1, 1]]
BY_SEX = [[7, 12], [14, 0]]


def test_tables_protected_one_by_one_give_cells_away_when_read_together() -> None:
    alone = {"type": publish(BY_TYPE), "sex": publish(BY_SEX)}
    # Each table alone keeps its hidden cells ambiguous …
    assert recovered({"type": BY_TYPE}, {"type": alone["type"]}) == []
    # … but the sex table shows the second region's exact total (14 women, 0 men), so in the
    # type table 12 + a + b = 14 with a, b ≥ 1: both are 1.
    assert recovered({"type": BY_TYPE, "sex": BY_SEX}, alone) == [("type", 1, 1), ("type", 1, 2)]


def test_tables_of_the_same_incidents_protected_together_give_nothing_away() -> None:
    together = publish_together({"type": BY_TYPE, "sex": BY_SEX})
    assert together["type"][0][1][1:] == [None, None]  # the two 1s stay hidden
    assert recovered({"type": BY_TYPE, "sex": BY_SEX}, together) == []
    # The region totals are one figure, shown or hidden alike in every table.
    assert together["type"][1] == together["sex"][1]
    assert together["type"][3] == together["sex"][3]


def test_random_months_read_together_give_nothing_away() -> None:
    rng = random.Random(20261201)  # noqa: S311 (test data, not secrets)
    for _trial in range(40):
        regions = rng.choice([2, 3, 4])
        by_type = [[rng.choice([0, 0, 1, 2, 3, 4, 6, 7, 9, 12]) for _ in range(3)]
                   for _ in range(regions)]  # fmt: skip
        by_sex = []
        for line in by_type:
            women = rng.choice([sum(line), sum(line), rng.randint(0, sum(line))])
            by_sex.append([women, sum(line) - women])
        matrices = {"type": by_type, "sex": by_sex}
        assert recovered(matrices, publish_together(matrices)) == [], matrices


def test_service_rows_never_show_one_providers_work() -> None:
    regions = [("ML01", "Kayes"), ("ML02", "Koulikoro"), ("ML03", "Sikasso"), ("ML09", "Bamako")]
    providers = {"ML01": {1}, "ML02": {2, 3}, "ML09": {4, 5, 6}}  # Sikasso: none this month
    # Kayes' one centre is not shown alone: Kayes and Sikasso are pooled, with Koulikoro (the
    # region of fewest providers) so that the pool holds more than one provider.
    assert _pooled(regions, providers) == [
        (["ML09"], "Bamako"),
        (["ML01", "ML02", "ML03"], "Autres régions (Kayes, Koulikoro, Sikasso)"),
    ]
    assert _pooled(regions, {"ML01": {1, 7}, "ML02": {2, 3}}) == [
        (["ML01"], "Kayes"),
        (["ML02"], "Koulikoro"),
    ]  # regions without services and nothing to pool: no row


@pytest.mark.django_db
def test_one_provider_in_the_country_publishes_no_service_count(areas: None) -> None:
    month = timezone.localdate()
    kase = case()
    for kind in ("medical", "listening", "legal", "medical", "medical", "medical", "medical"):
        services.record_service(actor=kase.assigned_worker, case=kase, kind=kind,
                                provider_id=kase.provider_id, started_on=month, outcome="provided")  # fmt: skip
    table = statistics.monthly_table(month, "service")
    assert len(table.rows) == 1
    assert table.cells == [[None] * len(table.columns)]
    assert table.total is None
    assert set(table.column_totals) == {None}
