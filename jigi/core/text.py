"""Text helpers: names are kept as typed and compared without accents or case."""

import unicodedata

from django.db import connection
from django.db.models import Q


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form used for search and comparison.

    "Ségou" and "SEGOU " fold to the same "segou"; "Keïta" to "keita".
    """
    if text.isascii():  # nothing to decompose, and casefold is lower
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def prefix_q(path: str, prefix: str) -> Q:
    """Rows whose ``path`` starts with ``prefix``, written so that an index serves it.

    SQLite's LIKE ignores indexes here (it is case-insensitive), so SQLite gets the equivalent
    range ``prefix ≤ value < successor(prefix)``; PostgreSQL keeps ``LIKE 'prefix%'``, which its
    pattern-ops indexes serve whatever the database collation. A foreign key may be named by
    its column (``commune_id``): the range then needs no join on SQLite either.
    """
    if not prefix:
        return Q()
    if connection.vendor == "sqlite":
        successor = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return Q(**{f"{path}__gte": prefix, f"{path}__lt": successor})
    if path.endswith("_id"):  # a foreign key's column: LIKE goes through the key's target
        path = f"{path[:-3]}__pk"
    return Q(**{f"{path}__startswith": prefix})


def spreadsheet_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (exports of
    data users typed must not execute in the reader's Excel)."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return f"'{value}"
    return value
