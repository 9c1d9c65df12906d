"""Reading import files as a stream of rows, whatever their format.

Every reader yields `SourceRow`s: the values of one person (household values repeated on each
member's row), where they came from (sheet, row as the user sees it in the file) and, for
files that carry their own grouping (Kobo), the household key. Nothing holds the whole file
in memory, except the main sheet of a Kobo XLSX export (one small row per submission).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, BinaryIO

import ijson
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from jigi.core.errors import InvalidInput

SNIFF_BYTES = 64 * 1024


@dataclass
class SourceRow:
    sheet: str
    row: int
    values: dict[str, str]
    group: str | None = None  # the household key when the file's structure gives it (Kobo)
    group_row: int | None = None  # the row of the household's own values (Kobo XLSX main sheet)
    group_sheet: str = ""
    member: int | None = None  # position in a Kobo repeat group, from 1


@dataclass
class FileInfo:
    file_format: str
    encoding: str = ""
    delimiter: str = ""
    columns: list[str] = field(default_factory=list)


def detect_format(name: str, path: Path) -> str:
    """csv, xlsx, kobo-json or kobo-xlsx, from the name and a look inside."""
    suffix = Path(name).suffix.lower()
    if suffix in {".csv", ".txt", ".tsv"}:
        return "csv"
    if suffix == ".json":
        return "kobo-json"
    if suffix in {".xlsx", ".xlsm"}:
        try:
            workbook = load_workbook(path, read_only=True)
        except Exception:  # openpyxl raises many types for a damaged file
            raise InvalidInput(
                _("Le fichier %(name)s n'est pas un classeur XLSX lisible.") % {"name": name}
            ) from None
        try:
            sheet = workbook.worksheets[0]
            header = next(sheet.iter_rows(max_row=1, values_only=True), ())
        finally:
            workbook.close()
        names = {str(value) for value in header if value is not None}
        return "kobo-xlsx" if {"_uuid", "_index"} <= names else "xlsx"
    raise InvalidInput(
        _("Format de fichier non reconnu : %(name)s (CSV, XLSX ou JSON de KoboToolbox).")
        % {"name": name}
    )


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when every byte decodes, else Windows-1252 or Latin-1."""
    with path.open("rb") as handle:
        start = handle.read(3)
        if start == codecs.BOM_UTF8:
            return "utf-8-sig"
        decoder = codecs.getincrementaldecoder("utf-8")()
        chunk = start
        try:
            while chunk:
                decoder.decode(chunk)
                chunk = handle.read(1 << 20)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        handle.seek(0)
        try:
            for block in iter(lambda: handle.read(1 << 20), b""):
                block.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"


def detect_delimiter(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(SNIFF_BYTES)
    header = sample.splitlines()[0] if sample else ""
    counts = {delimiter: header.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _text(value: Any) -> str:
    """A cell as text: typed Excel dates become ISO dates, whole numbers lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


def _header(values: tuple[Any, ...] | list[Any], where: str) -> list[str]:
    header = [_text(value) for value in values]
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise InvalidInput(
            _("%(where)s : la première ligne (en-têtes) est vide.") % {"where": where}
        )
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise InvalidInput(
                _("%(where)s : la colonne « %(column)s » apparaît deux fois.")
                % {"where": where, "column": name}
            )
        seen.add(name)
    return header


class CsvReader:
    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self.encoding = detect_encoding(path)
        self.delimiter = detect_delimiter(path, self.encoding)
        with path.open(encoding=self.encoding, newline="") as handle:
            first = next(csv.reader(handle, delimiter=self.delimiter), [])
        self.columns = _header(first, name)

    def info(self) -> FileInfo:
        return FileInfo("csv", self.encoding, self.delimiter, self.columns)

    def rows(self) -> Iterator[SourceRow]:
        for number, values in self.raw_rows():
            yield self.source_row(number, values)

    def raw_rows(self) -> Iterator[tuple[int, list[str]]]:
        """Each row's line number and values as the file has them (`source_row` makes the
        `SourceRow`): a reader that keeps only some rows need not build the others."""
        with self.path.open(encoding=self.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            next(reader, None)
            width = len(self.columns)
            for values in reader:
                if not any(values):
                    continue
                if len(values) > width and any(value.strip() for value in values[width:]):
                    raise InvalidInput(
                        _(
                            "%(file)s, ligne %(row)d : %(count)d valeurs pour %(width)d colonnes "
                            "(séparateur ou guillemets ?)."
                        )
                        % {
                            "file": self.name,
                            "row": reader.line_num,
                            "count": len(values),
                            "width": width,
                        }
                    )
                yield reader.line_num, values

    def source_row(self, number: int, values: list[str]) -> SourceRow:
        return SourceRow(
            sheet="",
            row=number,
            values={
                column: value.strip()
                for column, value in zip(self.columns, values, strict=False)
                if column and value
            },
        )


class XlsxReader:
    """The first sheet of a workbook, streamed (openpyxl read-only mode)."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            self.sheet = sheet.title
            first = next(sheet.iter_rows(max_row=1, values_only=True), ())
        finally:
            workbook.close()
        self.columns = _header(list(first), f"{name} [{self.sheet}]")

    def info(self) -> FileInfo:
        return FileInfo("xlsx", columns=self.columns)

    def rows(self) -> Iterator[SourceRow]:
        workbook = load_workbook(self.path, read_only=True, data_only=True)
        try:
            sheet = workbook[self.sheet]
            columns = self.columns
            for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), 2):
                cells = {
                    column: _text(value)
                    for column, value in zip(columns, values, strict=False)
                    if column and value not in (None, "")
                }
                if cells:
                    yield SourceRow(sheet=self.sheet, row=number, values=cells)
        finally:
            workbook.close()


def _kobo_value(value: Any) -> str:
    if isinstance(value, list):  # _geolocation [lat, lon]; lists of objects carry no answer
        if any(isinstance(part, dict | list) for part in value):
            return ""
        return " ".join(str(part) for part in value if part is not None)
    if isinstance(value, dict):
        return ""
    return _text(value)


def _kobo_key(submission: dict[str, Any]) -> str:
    root = submission.get("meta/rootUuid") or submission.get("_uuid") or ""
    return str(root).removeprefix("uuid:")


class KoboJsonReader:
    """KoboToolbox API JSON (``{"results": [...]}`` or a bare list): one submission per
    household; the repeat group (a list of objects) holds the members."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        # Kobo leaves unanswered questions out, so the columns are those of every submission.
        columns: dict[str, None] = {}
        for submission in self._submissions():
            if not isinstance(submission, dict):
                continue
            for key, value in submission.items():
                if _is_repeat(key, value):
                    for member in value:
                        columns.update(dict.fromkeys(member))
                else:
                    columns[key] = None
        if not columns:
            raise InvalidInput(_("%(file)s ne contient aucune soumission.") % {"file": name})
        self.columns = list(columns)

    def info(self) -> FileInfo:
        return FileInfo("kobo-json", columns=self.columns)

    def _submissions(self) -> Iterator[dict[str, Any]]:
        with self.path.open("rb") as handle:
            prefix = "item" if _starts_with_list(handle) else "results.item"
            try:
                yield from ijson.items(handle, prefix, use_float=True)
            except ijson.JSONError as exc:
                raise InvalidInput(
                    _("%(file)s n'est pas un JSON valide : %(error)s")
                    % {"file": self.name, "error": exc}
                ) from None

    def rows(self) -> Iterator[SourceRow]:
        for number, submission in enumerate(self._submissions(), 1):
            if not isinstance(submission, dict):
                raise InvalidInput(
                    _("%(file)s, soumission %(row)d : un objet JSON était attendu.")
                    % {"file": self.name, "row": number}
                )
            household = {
                key: _kobo_value(value)
                for key, value in submission.items()
                if not _is_repeat(key, value) and value not in (None, "")
            }
            key = _kobo_key(submission) or f"#{number}"
            repeats = [value for name, value in submission.items() if _is_repeat(name, value)]
            members = repeats[0] if repeats else [{}]
            for position, member in enumerate(members, 1):
                values = dict(household)
                values.update({k: _kobo_value(v) for k, v in member.items() if v not in (None, "")})
                yield SourceRow(sheet="", row=number, values=values, group=key, member=position)


def _is_repeat(key: str, value: Any) -> bool:
    """A repeat group: a list of answer objects (Kobo's own ``_attachments``, ``_notes`` … are
    lists of objects too, and are not)."""
    return (
        not key.startswith("_")
        and isinstance(value, list)
        and bool(value)
        and isinstance(value[0], dict)
    )


def _starts_with_list(handle: BinaryIO) -> bool:
    head = handle.read(SNIFF_BYTES).lstrip(codecs.BOM_UTF8).lstrip()
    handle.seek(0)
    return head.startswith(b"[")


class KoboXlsxReader:
    """Kobo's XLSX export: the main sheet has one row per submission, each repeat group its
    own sheet linked by ``_parent_index``. Members are read in the repeat sheet's order."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheets = workbook.worksheets
            self.main = sheets[0].title
            self.repeat = sheets[1].title if len(sheets) > 1 else None
            main_header = next(sheets[0].iter_rows(max_row=1, values_only=True), ())
            repeat_header: tuple[Any, ...] = ()
            if len(sheets) > 1:
                repeat_header = next(sheets[1].iter_rows(max_row=1, values_only=True), ())
        finally:
            workbook.close()
        self.main_columns = _header(list(main_header), f"{name} [{self.main}]")
        self.repeat_columns = (
            _header(list(repeat_header), f"{name} [{self.repeat}]") if self.repeat else []
        )
        self.columns = self.main_columns + [
            column for column in self.repeat_columns if column not in self.main_columns
        ]

    def info(self) -> FileInfo:
        return FileInfo("kobo-xlsx", columns=self.columns)

    def rows(self) -> Iterator[SourceRow]:
        workbook = load_workbook(self.path, read_only=True, data_only=True)
        try:
            parents: dict[str, tuple[int, dict[str, str]]] = {}
            for number, values in enumerate(
                workbook[self.main].iter_rows(min_row=2, values_only=True), 2
            ):
                cells = {
                    column: _text(value)
                    for column, value in zip(self.main_columns, values, strict=False)
                    if column and value not in (None, "")
                }
                if cells:
                    parents[cells.get("_index", str(number - 1))] = (number, cells)
            if self.repeat is None:
                for parent_row, cells in parents.values():
                    key = _kobo_key(cells) or f"#{parent_row}"
                    yield SourceRow(self.main, parent_row, cells, group=key, member=1)
                return
            positions: dict[str, int] = {}
            for number, values in enumerate(
                workbook[self.repeat].iter_rows(min_row=2, values_only=True), 2
            ):
                cells = {
                    column: _text(value)
                    for column, value in zip(self.repeat_columns, values, strict=False)
                    if column and value not in (None, "")
                }
                if not cells:
                    continue
                parent_index = cells.get("_parent_index", "")
                if parent_index not in parents:
                    raise InvalidInput(
                        _(
                            "%(file)s [%(sheet)s], ligne %(row)d : _parent_index %(index)s "
                            "ne correspond à aucune soumission."
                        )
                        % {
                            "file": self.name,
                            "sheet": self.repeat,
                            "row": number,
                            "index": parent_index or "-",
                        }
                    )
                parent_row, parent = parents[parent_index]
                positions[parent_index] = positions.get(parent_index, 0) + 1
                merged = {**parent, **cells}
                yield SourceRow(
                    self.repeat,
                    number,
                    merged,
                    group=_kobo_key(parent) or f"#{parent_row}",
                    group_row=parent_row,
                    group_sheet=self.main,
                    member=positions[parent_index],
                )
            for parent_index, (parent_row, cells) in parents.items():
                if parent_index not in positions:  # a submission with no member
                    yield SourceRow(
                        self.main, parent_row, cells, group=_kobo_key(cells) or f"#{parent_row}"
                    )
        finally:
            workbook.close()


Reader = CsvReader | XlsxReader | KoboJsonReader | KoboXlsxReader


def open_reader(path: Path, name: str, file_format: str) -> Reader:
    readers: dict[str, type[Reader]] = {
        "csv": CsvReader,
        "xlsx": XlsxReader,
        "kobo-json": KoboJsonReader,
        "kobo-xlsx": KoboXlsxReader,
    }
    try:
        return readers[file_format](path, name)
    except (OSError, KeyError, IndexError, ValueError, csv.Error, io.UnsupportedOperation) as exc:
        raise InvalidInput(
            _("Lecture impossible de %(file)s : %(error)s") % {"file": name, "error": exc}
        ) from None
