"""Loading Mali's administrative units (OCHA COD-AB 2021) from the CSV files shipped in data/."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jigi.core.errors import InvalidInput
from jigi.core.jobs import Progress, job_kind
from jigi.core.models import AdminArea, FundingSource, Job, Organisation, Site
from jigi.core.text import fold

CHUNK = 200
AREA_FILES = ((1, "mali_admin1.csv"), (2, "mali_admin2.csv"), (3, "mali_admin3.csv"))


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def _read_rows(filename: str) -> list[dict[str, str]]:
    source = resources.files("jigi.core") / "data" / filename
    rows = list(csv.DictReader(io.StringIO(source.read_text(encoding="utf-8"))))
    for number, row in enumerate(rows, start=2):
        if not row.get("pcode") or not row.get("name_fr"):
            raise InvalidInput(f"{filename}, ligne {number} : P-code ou nom manquant.")
    return rows


def load_admin_areas(progress: Progress | None = None) -> LoadResult:
    """Create or update every region, cercle and commune; running it twice changes nothing."""
    batches = [(level, _read_rows(name)) for level, name in AREA_FILES]
    total = sum(len(rows) for _level, rows in batches)
    if progress:
        progress.start(total, str(_("Chargement des unités administratives")))
    existing = {area.pcode: area for area in AdminArea.objects.all()}
    created = updated = unchanged = 0
    for level, rows in batches:
        # Parents are written before children; each chunk commits before its progress is
        # reported, so the progress bar never shows work another reader cannot see yet.
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            with transaction.atomic():
                created, updated, unchanged = _upsert(
                    chunk, level, existing, (created, updated, unchanged)
                )
            if progress:
                progress.advance(len(chunk))
    return LoadResult(created=created, updated=updated, unchanged=unchanged)


def _upsert(
    rows: list[dict[str, str]],
    level: int,
    existing: dict[str, AdminArea],
    counts: tuple[int, int, int],
) -> tuple[int, int, int]:
    created, updated, unchanged = counts
    for row in rows:
        parent = None if level == 1 else row["parent_pcode"]
        values: dict[str, Any] = {
            "name": row["name_fr"],
            "name_folded": fold(row["name_fr"]),
            "level": level,
            "parent_id": parent,
            "cod_version": row["valid_on"],
        }
        area = existing.get(row["pcode"])
        if area is None:
            AdminArea.objects.create(pcode=row["pcode"], **values)
            created += 1
        elif any(getattr(area, key) != value for key, value in values.items()):
            AdminArea.objects.filter(pk=area.pk).update(**values)
            updated += 1
        else:
            unchanged += 1
    return created, updated, unchanged


@job_kind(
    "reference.load_areas",
    label=_("Recharger les unités administratives"),
    permission="reference.manage",
)
def load_admin_areas_job(job: Job, progress: Progress) -> dict[str, Any]:
    return load_admin_areas(progress).as_dict()


def load_demo_reference() -> dict[str, int]:
    """Create the demo organisations, funding sources and sites (idempotent, demo mode only)."""
    source = resources.files("jigi.core") / "data" / "demo_reference.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    counts = {"organisations": 0, "funding_sources": 0, "sites": 0}
    with transaction.atomic():
        by_acronym: dict[str, Organisation] = {}
        for row in data["organisations"]:
            organisation, created = Organisation.objects.update_or_create(
                name=row["name"], defaults={"acronym": row["acronym"], "kind": row["kind"]}
            )
            by_acronym[row["acronym"] or row["name"]] = organisation
            counts["organisations"] += created
        for row in data["funding_sources"]:
            _source, created = FundingSource.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "donor": by_acronym[row["donor"]]}
            )
            counts["funding_sources"] += created
        for row in data["sites"]:
            _site, created = Site.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "kind": row["kind"],
                    "area_id": row["area"],
                    "organisation": by_acronym[row["organisation"]],
                },
            )
            counts["sites"] += created
    return counts
