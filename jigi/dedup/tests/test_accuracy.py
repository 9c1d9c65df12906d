"""The model's accuracy where the truth is known (issue 5's figures): FEBRL3 and a synthetic
Malian register of about 100,000 individuals. The model is trained on each data set as it
would be on a register (u by sampling, m from the labels the data holds), then scored."""

from __future__ import annotations

from pathlib import Path

import pytest

from jigi.dedup import evaluation, linkage
from jigi.intake.synth import write

REVIEW_THRESHOLD = 0.5  # the default "to review" threshold: what the queue shows


def test_febrl3_pairwise_f1_is_at_least_099() -> None:
    records, truth = evaluation.febrl3()
    frame = linkage.person_frame(records)
    pairs = linkage.predict(frame, linkage.train(frame), threshold=0.2)
    result = evaluation.score(pairs, truth, threshold=REVIEW_THRESHOLD)
    assert result.f1 >= 0.99, result


@pytest.mark.slow
def test_synthetic_malian_register_pairwise_f1_is_at_least_095(areas: None, tmp_path: Path) -> None:
    # A different seed from the one the shipped baseline was learnt on.
    synth = write(
        tmp_path / "register.csv", households_count=17_000, seed=2027, duplicate_rate=0.05
    )
    records, truth = evaluation.synth_records(synth.path)
    assert len(records) > 95_000
    frame = linkage.person_frame(records)
    pairs = linkage.predict(frame, linkage.train(frame), threshold=0.2)
    result = evaluation.score(pairs, truth, threshold=REVIEW_THRESHOLD)
    assert result.f1 >= 0.95, result
