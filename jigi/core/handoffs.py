"""Hand-offs of a person from one app to a higher or sealed one that it may not import.

Grievances hands a GBV disclosure (with the complainant's consent, never the narrative) to
protection, which sits beside it and is sealed (DESIGN §6): grievances registers a source
here when it loads; protection lists the pending hand-offs of its regions and takes one up
when a case worker opens a case from it. Neither app imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Handoff:
    ref: str  # "<source>:<id>", stored by the receiver to take it up once
    label: str  # what the receiver may read aloud to the sender (e.g. a complaint code)
    area_code: str  # P-code of where it came from
    consent_on: date
    handed_at_on: date


Lister = Callable[[Sequence[str]], list[Handoff]]  # area P-code prefixes → pending hand-offs
Taker = Callable[[str], bool]  # the id part of ref → taken up now (False: not pending)

_SOURCES: dict[str, tuple[str, Lister, Taker]] = {}


def register_handoff_source(source: str, *, kind: str, lister: Lister, taker: Taker) -> None:
    """A source of hand-offs of ``kind`` (e.g. "protection")."""
    _SOURCES[source] = (kind, lister, taker)


def pending_handoffs(kind: str, area_prefixes: Sequence[str]) -> list[Handoff]:
    """Pending hand-offs of ``kind`` from places under any of the prefixes."""
    if not area_prefixes:
        return []
    found: list[Handoff] = []
    for source_kind, lister, _taker in _SOURCES.values():
        if source_kind == kind:
            found.extend(lister(area_prefixes))
    return sorted(found, key=lambda handoff: handoff.handed_at_on)


def take_up(ref: str) -> bool:
    """Mark the hand-off taken up (inside the receiver's transaction); False if it was not
    pending or its source is unknown."""
    source, _sep, key = ref.partition(":")
    entry = _SOURCES.get(source)
    return entry is not None and entry[2](key)
