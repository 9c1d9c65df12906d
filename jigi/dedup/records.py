"""A person as deduplication compares them, whatever the source (the register, a file being
imported, FEBRL). Kept apart from ``linkage`` so that a process that only builds records (the
import's workers, the instant check's callers) does not load Splink, DuckDB and pandas
(about 95 MB and half a second per process)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PersonRecord:
    """What the model needs of one individual, whatever the source."""

    unique_id: int | str
    household_id: int | str | None
    given_names: str
    family_name: str
    sex: str = ""
    birth_date: date | None = None
    birth_estimated: bool = False
    phone: str = ""
    nina: str = ""
    commune: str = ""  # P-code: its prefixes give cercle and region unless these are given
    cercle: str = ""
    region: str = ""
