"""Scale-out: the trained model runs unchanged on Splink's Spark backend (local mode here)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jigi.dedup import evaluation, linkage
from jigi.intake.synth import write

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None and not os.environ.get("JIGI_CI"),
    reason="Spark needs Java (.ci/run installs it from Debian and never skips this)",
)


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setCheckpointDir(str(tmp_path_factory.mktemp("checkpoints")))
    yield session
    session.stop()


def test_spark_finds_the_same_pairs_as_duckdb(areas: None, tmp_path: Path, spark: Any) -> None:
    synth = write(tmp_path / "register.csv", households_count=500, seed=11, duplicate_rate=0.1)
    records, truth = evaluation.synth_records(synth.path)
    frame = linkage.person_frame(records)
    model = linkage.train(frame)
    on_duckdb = linkage.predict(frame, model, threshold=0.5)
    on_spark = linkage.predict_on_spark(frame, model, spark, threshold=0.5)

    def pairs(found: Any) -> set[tuple[str, str]]:
        return {
            (min(a, b), max(a, b))
            for a, b in zip(
                found["unique_id_l"].astype(str), found["unique_id_r"].astype(str), strict=True
            )
        }

    assert len(truth) > 100
    assert pairs(on_spark) == pairs(on_duckdb)
    assert evaluation.score(on_spark, truth, threshold=0.5).f1 >= 0.9
    spark_probability = dict(zip(pairs(on_spark), on_spark["match_probability"], strict=True))
    duckdb_probability = dict(zip(pairs(on_duckdb), on_duckdb["match_probability"], strict=True))
    assert all(
        abs(spark_probability[pair] - duckdb_probability[pair]) < 1e-6 for pair in spark_probability
    )
