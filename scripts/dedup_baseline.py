"""Rebuild the dedup app's shipped baseline model from a synthetic register.

    jigi synth --households 17000 --seed 7 --out /tmp/synth.csv
    .venv/bin/python scripts/dedup_baseline.py /tmp/synth.csv

The m values are learnt from pairs sharing a NINA (how a duplicate's fields drift, from the
generator's field patterns); u values are re-learnt on each register when the model is trained.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jigi.dedup.linkage import BASELINE, PersonRecord, person_frame, train  # noqa: E402


def main(path: str) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
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
    frame = person_frame(records)
    model = train(frame)
    BASELINE.write_text(json.dumps(model, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{BASELINE}: trained on {len(frame)} records")


if __name__ == "__main__":
    main(sys.argv[1])
