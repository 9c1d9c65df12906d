"""Plain bulk INSERTs (COPY on PostgreSQL) for large writes such as imports: values adapted per
column once, no model objects (they cost more than the database on large imports).

Only services call this, inside their own transaction, for rows they have already validated;
the rows skip model ``save()`` and signals, so a caller writes everything ``save()`` would.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

# SQLite: statements of a few hundred rows (multi-row VALUES) insert about a third faster
# than `executemany` of one row; more rows per statement gain nothing more.
ROWS_PER_STATEMENT = 250


class BulkRows:
    """INSERT many rows of ``model`` giving ``columns`` (field names) in that order."""

    def __init__(self, model: type[Model], columns: Sequence[str]) -> None:
        self.table = connection.ops.quote_name(model._meta.db_table)
        fields = [model._meta.get_field(column) for column in columns]
        self.columns = tuple(str(field.column) for field in fields)  # type: ignore[union-attr]
        self.adapters = [_adapter(field) for field in fields]

    def insert(self, rows: list[tuple[Any, ...]], *, adapt: bool = True) -> None:
        """Insert ``rows`` (their keys among the columns, drawn by `reserve_ids`, or left to
        the database).

        ``adapt=False``: the values are already in the columns' stored form (dates as ISO text,
        decimals as text, JSON as text), as staged imports hold them; copying every row to
        adapt it costs more than the insert on SQLite."""
        if not rows:
            return
        adapted = [(index, adapter) for index, adapter in enumerate(self.adapters) if adapter]
        if adapted and adapt:
            rows = [self._adapt(row, adapted) for row in rows]
        if connection.vendor == "postgresql":
            self._copy(rows)
        else:
            self._sqlite(rows)

    @staticmethod
    def _adapt(
        row: tuple[Any, ...], adapted: list[tuple[int, Callable[[Any], Any]]]
    ) -> tuple[Any, ...]:
        values = list(row)
        for index, adapt in adapted:
            if values[index] is not None:
                values[index] = adapt(values[index])
        return tuple(values)

    def _sqlite(self, rows: list[tuple[Any, ...]]) -> None:
        names = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        one = "(" + ", ".join(["?"] * len(self.columns)) + ")"
        per_statement = max(1, min(ROWS_PER_STATEMENT, _max_parameters() // len(self.columns)))
        with connection.cursor() as cursor:
            # sqlite3's own execute: the statement is written with "?" already, and Django's
            # rewriting of "%s" costs more than the insert on statements of hundreds of rows.
            # Two statements only, whatever the number of rows: full ones, and the rest one
            # row at a time. sqlite3 keeps up to 128 prepared statements per connection, and
            # a statement of a different length each time (2.7 MB prepared, at 2 000 rows of
            # 15 columns) held hundreds of MB in an import's processes.
            raw: sqlite3.Cursor = cursor.cursor
            full = len(rows) - len(rows) % per_statement
            sql = f"INSERT INTO {self.table} ({names}) VALUES "  # noqa: S608 (names from the model, values bound)
            many = sql + ", ".join([one] * per_statement)
            with connection.wrap_database_errors:
                for start in range(0, full, per_statement):
                    part = rows[start : start + per_statement]
                    sqlite3.Cursor.execute(raw, many, [value for row in part for value in row])
                if full < len(rows):
                    sqlite3.Cursor.executemany(raw, sql + one, rows[full:])

    def _copy(self, rows: list[tuple[Any, ...]]) -> None:
        """PostgreSQL: COPY, several times faster than INSERT for many rows."""
        names = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        # The driver's own cursor runs COPY; its errors become Django's (IntegrityError …).
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)


def reserve_ids(model: type[Model], count: int) -> Sequence[int]:
    """Draw ``count`` primary keys of ``model`` that the database will never hand out to
    another row, so that rows can be built with their keys before the transaction that
    inserts them (and a bulk write needs no RETURNING). Keys drawn and not used stay unused.

    PostgreSQL: the table's own sequence. SQLite: Django's keys are AUTOINCREMENT, which never
    gives a key at or below the table's ``sqlite_sequence`` value, so moving that value on
    reserves the keys below it (in a short transaction of its own, unless the caller holds
    one)."""
    if count < 1:
        return []
    table, key = model._meta.db_table, model._meta.pk.column
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, key, count],
            )
            drawn = [row[0] for row in cursor.fetchall()]
        first, last = min(drawn), max(drawn)
        # Distinct values spanning exactly ``count``: the range itself (no other session drew).
        return range(first, last + 1) if last - first == count - 1 else tuple(drawn)
    quoted, quoted_key = connection.ops.quote_name(table), connection.ops.quote_name(key)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        cursor.execute(f"SELECT max({quoted_key}) FROM {quoted}")  # noqa: S608 (the model's)
        last = max(found[0] if found else 0, cursor.fetchone()[0] or 0)
        if found:
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last + count, table]
            )
        else:
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last + count]
            )
    return range(last + 1, last + count + 1)


def insert_objects(objects: Sequence[Model]) -> None:
    """Insert unsaved objects of one model (every concrete field but the key), without their
    ``save()`` or signals; ``auto_now`` and ``auto_now_add`` timestamps are set to now."""
    if not objects:
        return
    model = type(objects[0])
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    now = now_value()
    adapt_datetime = connection.ops.adapt_datetimefield_value
    getters: list[Callable[[Model], Any]] = []
    for field in fields:
        if field.get_internal_type() != "DateTimeField":
            getters.append(attrgetter(field.attname))
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            getters.append(lambda _obj: now)
        else:
            getters.append(_datetime_getter(attrgetter(field.attname), adapt_datetime))
    BulkRows(model, [field.name for field in fields]).insert(
        [tuple(get(obj) for get in getters) for obj in objects]
    )


def _datetime_getter(
    get: Callable[[Model], Any], adapt: Callable[[Any], Any]
) -> Callable[[Model], Any]:
    return lambda obj: adapt(get(obj))


def _adapter(field: Any) -> Callable[[Any], Any] | None:
    internal = field.get_internal_type()
    ops = connection.ops
    if internal == "DateField":
        return ops.adapt_datefield_value
    if internal == "DateTimeField":  # callers pass timestamps already adapted (now_value)
        return None
    if internal == "DecimalField":
        return lambda value: ops.adapt_decimalfield_value(
            value, field.max_digits, field.decimal_places
        )
    if internal == "JSONField":  # JSON text: SQLite stores it, COPY parses it into jsonb
        encoder = field.encoder
        return lambda value: json.dumps(value, cls=encoder)
    return None


def _max_parameters() -> int:
    """How many bound values one SQLite statement may carry (fewer, larger statements make
    bulk writes faster)."""
    connection.ensure_connection()
    raw = connection.connection
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if raw else 999
    return int(min(limit, 30_000))


def now_value() -> Any:
    """The current time as the database takes it, computed once for a whole bulk write."""
    return connection.ops.adapt_datetimefield_value(timezone.now())
