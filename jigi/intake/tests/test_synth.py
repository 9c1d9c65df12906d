"""The synthetic register: realistic enough to test and benchmark with, and honest about its
duplicates."""

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from jigi.intake.synth import COLUMNS, write

pytestmark = pytest.mark.django_db


def read(path: Path) -> tuple[list[dict[str, str]], dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with path.with_name(path.name + ".truth.csv").open(encoding="utf-8") as handle:
        truth = {row["record_id"]: row["person_id"] for row in csv.DictReader(handle)}
    return rows, truth


def test_same_seed_same_register_other_seed_other_register(areas: None, tmp_path: Path) -> None:
    write(tmp_path / "a.csv", households_count=300, seed=4, duplicate_rate=0.1)
    write(tmp_path / "b.csv", households_count=300, seed=4, duplicate_rate=0.1)
    write(tmp_path / "c.csv", households_count=300, seed=5, duplicate_rate=0.1)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()


def test_households_look_like_mali(areas: None, tmp_path: Path) -> None:
    write(tmp_path / "r.csv", households_count=3000, seed=1, duplicate_rate=0.0)
    rows, _truth = read(tmp_path / "r.csv")
    sizes = Counter(row["household_id"] for row in rows)
    assert 5.0 <= sum(sizes.values()) / len(sizes) <= 7.0
    heads = [row for row in rows if row["relationship"] == "head"]
    assert len(heads) == len(sizes)  # one head per household
    wives = Counter(row["household_id"] for row in rows if row["relationship"] == "spouse")
    assert any(count >= 2 for count in wives.values())  # polygamous households exist
    regions = Counter(row["commune_pcode"][:4] for row in rows)
    assert regions["ML03"] > regions["ML06"] > regions["ML08"]  # Sikasso ≫ Tombouctou ≫ Kidal
    displaced = Counter(row["commune_pcode"][:4] for row in rows if row["displacement"] == "idp")
    assert (
        displaced["ML05"] + displaced["ML06"] + displaced["ML07"]
        > displaced["ML03"] + displaced["ML01"]
    )
    estimated = [row for row in rows if row["birth_precision"] == "estimated"]
    assert len(estimated) > len(rows) / 4
    assert all(row["birth_date"][5:] in {"01-01", "12-31"} for row in estimated)
    phones = [row["phone"] for row in rows if row["phone"]]
    assert phones
    assert all(phone.startswith("+223") and len(phone) == 12 for phone in phones)
    assert not any(
        row["nina"] for row in rows if row["birth_date"] > "2010-01-01"
    )  # NINA for adults only


def test_ground_truth_names_every_duplicate_registration(areas: None, tmp_path: Path) -> None:
    result = write(tmp_path / "d.csv", households_count=2000, seed=2, duplicate_rate=0.1)
    rows, truth = read(tmp_path / "d.csv")
    assert set(truth) == {row["record_id"] for row in rows}
    records_by_person = defaultdict(list)
    for row in rows:
        records_by_person[truth[row["record_id"]]].append(row)
    repeated = [records for records in records_by_person.values() if len(records) > 1]
    assert len(repeated) > 100
    assert result.duplicate_records == sum(len(records) - 1 for records in repeated)
    # A duplicate is a registration in another household, and field drift made many differ.
    assert all(
        len({row["household_id"] for row in records}) == len(records) for records in repeated
    )
    differing = [
        records
        for records in repeated
        if len(
            {
                (row["given_names"], row["family_name"], row["birth_date"], row["phone"])
                for row in records
            }
        )
        > 1
    ]
    assert len(differing) > len(repeated) / 2


def test_xlsx_and_kobo_json_carry_the_same_people(areas: None, tmp_path: Path) -> None:
    write(tmp_path / "r.csv", households_count=50, seed=9, duplicate_rate=0.05)
    write(tmp_path / "r.xlsx", households_count=50, seed=9, duplicate_rate=0.05, file_format="xlsx")
    write(
        tmp_path / "r.json",
        households_count=50,
        seed=9,
        duplicate_rate=0.05,
        file_format="kobo-json",
    )
    rows, _truth = read(tmp_path / "r.csv")
    sheet = load_workbook(tmp_path / "r.xlsx", read_only=True)["register"]
    xlsx_rows = list(sheet.iter_rows(values_only=True))
    assert list(xlsx_rows[0]) == list(COLUMNS)
    assert [row[0] for row in xlsx_rows[1:]] == [row["record_id"] for row in rows]
    submissions = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert len(submissions) == 50
    assert all(submission["_uuid"].startswith("uuid-HH") for submission in submissions)
    kobo_members = [
        member["members/record_id"]
        for submission in submissions
        for member in submission["members"]
    ]
    assert kobo_members == [row["record_id"] for row in rows]


def test_command_reports_counts_and_refuses_bad_arguments(areas: None, tmp_path: Path) -> None:
    import io

    output = io.StringIO()
    call_command(
        "synth", "--households", "20", "--out", str(tmp_path / "s.csv"), "--json", stdout=output
    )
    result = json.loads(output.getvalue())
    assert result["ok"] is True
    assert result["households"] == 20
    assert (tmp_path / "s.csv.truth.csv").exists()
    errors = io.StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "synth", "--households", "0", "--out", str(tmp_path / "x.csv"), "--json", stdout=errors
        )
    assert "at least 1" in json.loads(errors.getvalue())["error"]
