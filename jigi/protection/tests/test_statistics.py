"""Published statistics cannot give a suppressed cell back: an attacker who knows every
published figure and that counts are whole and not negative tries every filling of the hidden
entries; each hidden cell must keep more than one possible value. The same attack on a table
with primary suppression only recovers the cell, so the attack is a real one."""

from __future__ import annotations

import itertools

from jigi.protection.statistics import MIN_SHOWN, publish, round_total, suppress

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
