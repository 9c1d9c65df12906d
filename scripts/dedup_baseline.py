"""Rebuild the dedup app's shipped baseline model from a synthetic register.

    jigi synth --households 17000 --seed 7 --out /tmp/synth.csv
    .venv/bin/python scripts/dedup_baseline.py /tmp/synth.csv

The m values are learnt from pairs sharing a NINA (how a duplicate's fields drift, from the
generator's field patterns); u values are re-learnt on each register when the model is trained.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jigi.dedup.evaluation import synth_records  # noqa: E402
from jigi.dedup.linkage import BASELINE, person_frame, train  # noqa: E402


def main(path: str) -> None:
    records, _truth = synth_records(Path(path))
    frame = person_frame(records)
    model = train(frame)
    BASELINE.write_text(json.dumps(model, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{BASELINE}: trained on {len(frame)} records")


if __name__ == "__main__":
    main(sys.argv[1])
