"""Reading the small tabular files payment officers receive (agency returns, compliance lists)
from CSV or XLSX, whatever the agency's headers, into rows of text keyed by Jigi's names."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from jigi.core.errors import InvalidInput
from jigi.core.text import fold

XLSX_MAGIC = b"PK\x03\x04"


def _header_key(text: str) -> str:
    return fold(text).replace(" ", "_").replace("-", "_").strip("_")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")[:19]
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _csv_rows(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return [
        [cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
    ]


def _xlsx_rows(content: bytes) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(
            _("Le classeur XLSX est illisible : %(error)s.") % {"error": exc}
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_table(
    content: bytes,
    *,
    aliases: Mapping[str, Iterable[str]],
    required: Iterable[str],
    what: str,
) -> list[tuple[int, dict[str, str]]]:
    """The file's rows (CSV in UTF-8 or Windows-1252, ``,`` or ``;``; or the first sheet of an
    XLSX workbook) as dicts keyed by Jigi's column names. ``aliases`` maps each of Jigi's
    names to the headers agencies use for it (compared without accents, case or spaces).
    Each row comes with its line number in the file. A missing required column stops the reading, naming the column and the file."""
    rows = _xlsx_rows(content) if content.startswith(XLSX_MAGIC) else _csv_rows(content)
    if not rows:
        raise InvalidInput(_("%(what)s est vide.") % {"what": what})
    lookup: dict[str, str] = {}
    for name, names in aliases.items():
        for alias in (name, *names):
            lookup[_header_key(alias)] = name
    columns = [lookup.get(_header_key(header)) for header in rows[0]]
    missing = sorted(set(required) - {column for column in columns if column})
    if missing:
        raise InvalidInput(
            _("Colonnes manquantes dans %(what)s : %(columns)s.")
            % {"what": what, "columns": ", ".join(missing)}
        )
    table: list[tuple[int, dict[str, str]]] = []
    for number, row in enumerate(rows[1:], start=2):  # line 1 is the header
        if not any(row):
            continue
        table.append(
            (
                number,
                {
                    column: (row[index] if index < len(row) else "")
                    for index, column in enumerate(columns)
                    if column
                },
            )
        )
    return table
