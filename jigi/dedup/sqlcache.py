"""Splink builds its SQL with sqlglot and parses the same small strings (column names, level
conditions) thousands of times per call: for the instant check of one household that parsing
is most of the time. ``install`` memoises ``sqlglot.parse_one``; each caller still gets its own
copy of the tree (sqlglot trees are mutable), so results are unchanged. It must run before
Splink is imported, because Splink binds ``parse_one`` by name in some modules.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlglot

_original = sqlglot.parse_one


@lru_cache(maxsize=8192)
def _parsed(sql: str, read: Any, dialect: Any, into: Any, options: tuple[Any, ...]) -> Any:
    return _original(sql, read=read, dialect=dialect, into=into, **dict(options))


def _parse_one(
    sql: str, read: Any = None, dialect: Any = None, into: Any = None, **options: Any
) -> Any:
    try:
        tree = _parsed(sql, read, dialect, into, tuple(sorted(options.items())))
    except TypeError:  # an unhashable option: parse as usual
        return _original(sql, read=read, dialect=dialect, into=into, **options)
    return tree.copy()


def install() -> None:
    if getattr(sqlglot.parse_one, "__wrapped_by_jigi__", False):
        return
    _parse_one.__wrapped_by_jigi__ = True  # type: ignore[attr-defined]
    sqlglot.parse_one = _parse_one
