"""The error report of an import, as CSV or XLSX: file, sheet, row, column, value, reason."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook

from jigi.core.text import spreadsheet_safe
from jigi.intake.models import ImportBatch
from jigi.intake.services import REPORT_COLUMNS, error_rows


class _Echo:
    """A file-like object whose write returns the line, for streaming responses."""

    def write(self, value: str) -> str:
        return value


def csv_lines(batch: ImportBatch) -> Iterator[str]:
    """The report as CSV text, line by line (UTF-8 with BOM so Excel opens accents right)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(column) for column in REPORT_COLUMNS])
    for row in error_rows(batch):
        yield writer.writerow([spreadsheet_safe(value) for value in row])


def write_csv(batch: ImportBatch, handle: IO[str]) -> int:
    count = 0
    for count, line in enumerate(csv_lines(batch)):  # noqa: B007 (the header is line 0)
        handle.write(line)
    return count


def write_xlsx(batch: ImportBatch, out: Path | IO[bytes] | Any) -> int:
    """Write the report to a path or any binary file-like object (an HTTP response too)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("erreurs")
    sheet.append([str(column) for column in REPORT_COLUMNS])
    count = 0
    for row in error_rows(batch):
        sheet.append([spreadsheet_safe(value) for value in row])
        count += 1
    workbook.save(out)
    return count
