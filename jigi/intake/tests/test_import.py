"""Bulk import: real CSV, XLSX and Kobo files through the staged → validated → committed
pipeline, with the errors, re-imports and permissions a programme officer runs into."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from conftest import KAYES_COMMUNE, MOPTI_COMMUNE
from jigi.accounts.models import User
from jigi.audit.models import AuditEntry
from jigi.audit.services import verify_chain
from jigi.core.errors import Forbidden, InvalidInput
from jigi.intake import reports, services
from jigi.intake.models import ImportBatch, MappingTemplate, SourceRecord, StagedHousehold
from jigi.intake.synth import write
from jigi.registry.models import Household, IdentityDocument, Individual

pytestmark = pytest.mark.django_db

HEADER = [
    "household_id", "commune_pcode", "village", "relationship", "given_names", "family_name",
    "sex", "birth_date", "phone", "nina",
]  # fmt: skip
ROWS = [
    ["M1", KAYES_COMMUNE, "Médine", "head", "Mamadou", "Traoré", "M", "1970-01-01", "76123456", ""],
    ["M1", KAYES_COMMUNE, "Médine", "spouse", "Aïssata", "Keïta", "F", "1978-05-04", "", ""],
    ["M1", KAYES_COMMUNE, "Médine", "child", "Fatoumata", "Traoré", "F", "2012-03-02", "", ""],
    ["M2", KAYES_COMMUNE, "Plateau", "head", "Oumar", "Diarra", "M", "1965-01-01", "", "12345678901234A"],
]  # fmt: skip


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def staged(
    content: bytes, name: str = "menages.csv", actor: User | None = None, **options: Any
) -> ImportBatch:
    batch = services.create_batch(
        actor=actor, content=io.BytesIO(content), original_name=name, **options
    )
    services.validate_batch(batch)
    batch.refresh_from_db()
    return batch


def committed(batch: ImportBatch, policy: str = ImportBatch.Policy.VALID_ONLY) -> ImportBatch:
    """Commit as the uploader would after reviewing the summary."""
    batch.policy = policy
    services.commit_batch(batch, actor=batch.created_by)
    batch.refresh_from_db()
    return batch


def errors_of(batch: ImportBatch) -> list[list[Any]]:
    return list(services.error_rows(batch))


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [("utf-8", ",", False), ("utf-8", ";", True), ("cp1252", ";", False)],
)
def test_csv_in_any_usual_encoding_and_separator_keeps_the_accents(
    areas: None, encoding: str, delimiter: str, bom: bool
) -> None:
    content = csv_bytes(ROWS, delimiter=delimiter, encoding=encoding)
    batch = staged((b"\xef\xbb\xbf" if bom else b"") + content)
    assert batch.delimiter == delimiter
    assert (batch.households_total, batch.households_new, batch.households_error) == (2, 2, 0)
    committed(batch)
    wife = Individual.objects.get(given_names="Aïssata")
    assert wife.family_name == "Keïta"
    assert wife.household.village == "Médine"
    assert Individual.objects.get(given_names="Mamadou").phone == "+22376123456"
    assert IdentityDocument.objects.get().number_normalised == "12345678901234A"
    head = Individual.objects.get(given_names="Mamadou")
    assert set(head.name_tokens.values_list("token", flat=True)) == {"mamadou", "traore"}
    assert verify_chain().ok


def test_each_bad_value_is_reported_with_its_row_column_and_reason(areas: None) -> None:
    bad = [
        ["B1", "ML999999", "Kati", "head", "Awa", "Coulibaly", "F", "1980-01-01", "", ""],
        ["B2", KAYES_COMMUNE, "Kati", "head", "Issa", "Koné", "M", "31/02/1980", "", ""],
        ["B3", KAYES_COMMUNE, "Kati", "head", "Seydou", "Sangaré", "X", "1980-01-01", "12", ""],
        ["B4", KAYES_COMMUNE, "Kati", "head", "Modibo", "Kanté", "M", "1980-01-01", "", ""],
        ["B4", KAYES_COMMUNE, "Kati", "head", "Adama", "Kanté", "M", "1982-01-01", "", ""],
        ["B5", KAYES_COMMUNE, "Kati", "head", "Bintou", "Sylla", "F", "05/01/1990", "", ""],
        ["", KAYES_COMMUNE, "Kati", "child", "Issa", "Sylla", "M", "2015-01-01", "", ""],
    ]
    batch = staged(csv_bytes(bad), name="terrain.csv")
    assert (batch.households_total, batch.households_error, batch.households_new) == (6, 5, 1)
    report = {(row[2], row[3]): row for row in errors_of(batch)}
    assert report[(2, "commune_pcode")][4] == "ML999999"
    assert "P-code inconnu" in report[(2, "commune_pcode")][5]
    assert report[(3, "birth_date")][4] == "31/02/1980"
    assert report[(4, "sex")][4] == "X"
    assert "téléphone" in report[(4, "phone")][5]
    assert "exactement un chef" in report[(5, "relationship")][5]
    assert "aucun ménage" in report[(8, "household_id")][5]
    assert all(row[0] == "terrain.csv" for row in report.values())
    # A French day-first date is read as such; the valid household goes in, the rest do not.
    committed(batch)
    assert Individual.objects.get().birth_date == date(1990, 1, 5)
    assert Household.objects.count() == 1


def test_all_or_nothing_writes_nothing_when_one_household_is_wrong(areas: None) -> None:
    bad = [*ROWS, ["M3", "ML999999", "Kati", "head", "Awa", "Coulibaly", "F", "1980-01-01", "", ""]]
    batch = staged(csv_bytes(bad))
    with pytest.raises(InvalidInput, match="1 ménage"):
        services.start_commit(actor=None, batch=batch, policy=ImportBatch.Policy.ALL_OR_NOTHING)
    assert not Household.objects.exists()


def test_an_unmapped_required_field_stops_before_anything_is_written(areas: None) -> None:
    header_without_sex = csv_bytes(ROWS).decode().replace(",sex,", ",genre_inconnu,").encode()
    batch = services.create_batch(
        actor=None, content=io.BytesIO(header_without_sex), original_name="x.csv"
    )
    with pytest.raises(InvalidInput, match=r"sexe \(sex\)"):
        services.validate_batch(batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "sex" in batch.error
    assert not StagedHousehold.objects.exists()


def test_a_saved_mapping_template_reads_french_headers(areas: None, tmp_path: Path) -> None:
    template = services.save_mapping_template(
        actor=None,
        template=None,
        name="Enquête ONG Kayes",
        description="Fiches papier saisies sous Excel",
        columns={"household_key": "N° ménage", "family_name": "NOM", "commune": "Code commune"},
        pcode_version="2021",
    )
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Saisie"
    sheet.append(["N° ménage", "Code commune", "Village", "Lien", "Prénoms", "NOM", "Sexe", "Date de naissance"])  # fmt: skip
    sheet.append([12, KAYES_COMMUNE, "Sirakoro", "Chef de ménage", "Moussa", "Samaké", "Homme", date(1975, 6, 1)])  # fmt: skip
    sheet.append([12, KAYES_COMMUNE, "Sirakoro", "Conjoint(e)", "Hawa", "Ballo", "Femme", "01/02/1980"])  # fmt: skip
    workbook.save(tmp_path / "saisie.xlsx")
    batch = staged(
        (tmp_path / "saisie.xlsx").read_bytes(), name="saisie.xlsx", mapping_template=template
    )
    assert batch.file_format == "xlsx"
    assert batch.households_new == 1, errors_of(batch)
    assert batch.source == "saisie"  # household ids are unique within the file's series
    committed(batch)
    wife = Individual.objects.get(given_names="Hawa")
    assert (wife.sex, wife.relationship, wife.birth_date) == ("F", "spouse", date(1980, 2, 1))
    assert Individual.objects.get(given_names="Moussa").birth_date == date(1975, 6, 1)


def test_errors_in_an_xlsx_name_the_sheet(areas: None, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Ménages"
    sheet.append(HEADER)
    sheet.append(["X1", KAYES_COMMUNE, "Kati", "head", "Awa", "Diallo", "F", "2090-01-01", "", ""])
    workbook.save(tmp_path / "m.xlsx")
    batch = staged((tmp_path / "m.xlsx").read_bytes(), name="m.xlsx")
    [row] = errors_of(batch)
    assert row[:5] == ["m.xlsx", "Ménages", 2, "birth_date", "2090-01-01"]
    out = io.BytesIO()
    assert reports.write_xlsx(batch, out) == 1
    report = load_workbook(io.BytesIO(out.getvalue()), read_only=True).active
    assert report is not None
    lines = list(report.iter_rows(values_only=True))
    assert lines[0] == ("Fichier", "Feuille", "Ligne", "Colonne", "Valeur", "Motif")
    assert lines[1][:4] == ("m.xlsx", "Ménages", 2, "birth_date")


def test_old_2015_pcodes_are_converted_through_the_crosswalk(areas: None) -> None:
    old = [
        ["O1", "ML010101", "Bangassi", "head", "Sékou", "Sissoko", "M", "1960-01-01", "", ""],
        ["O2", "ML010115", "Koniakary", "head", "Sira", "Sissoko", "F", "1961-01-01", "", ""],
    ]
    as_2021 = staged(csv_bytes(old))
    [row] = errors_of(as_2021)  # ML010115 is no 2021 code: the user is told what to choose
    assert "ML010115" in row[5]
    assert "2015" in row[5]
    batch = staged(csv_bytes(old), pcode_version="2015")
    committed(batch)
    # ML010101 is also a 2021 code, of another commune: the declared version decides.
    assert Household.objects.get(village="Bangassi").commune_id == "ML010301"
    assert Household.objects.get(village="Koniakary").commune_id == "ML010315"


def test_importing_the_same_file_twice_changes_nothing_and_says_so(areas: None) -> None:
    committed(staged(csv_bytes(ROWS)))
    before = AuditEntry.objects.count()
    again = staged(csv_bytes(ROWS))
    assert (again.households_unchanged, again.households_new, again.households_updated) == (2, 0, 0)
    committed(again)
    assert Household.objects.count() == 2
    assert again.households_committed == 0
    assert (
        AuditEntry.objects.filter(action__startswith="registry.").count()
        == AuditEntry.objects.filter(action__startswith="registry.", seq__lte=before).count()
    )


def test_a_file_imported_before_the_hash_changed_is_still_unchanged_and_a_change_still_seen(
    areas: None,
) -> None:
    """Records imported before December 2026 kept a hash of Python's json: importing the
    same file again changes nothing; a corrected value is still an update."""
    first = staged(csv_bytes(ROWS))
    legacy = {item.key: services.legacy_content_hash(item.payload) for item in first.staged.all()}
    committed(first)
    for key, old in legacy.items():
        assert SourceRecord.objects.get(key=key).content_hash != old
        SourceRecord.objects.filter(key=key).update(content_hash=old)
    again = staged(csv_bytes(ROWS))
    assert (again.households_unchanged, again.households_updated) == (2, 0)
    corrected = [list(row) for row in ROWS]
    for row in corrected[:3]:  # M1
        row[HEADER.index("village")] = "Médine-Coura"
    changed = staged(csv_bytes(corrected))
    assert (changed.households_unchanged, changed.households_updated) == (1, 1)


def test_a_file_checked_twice_before_either_is_written_registers_each_household_once(
    areas: None,
) -> None:
    first = staged(csv_bytes(ROWS[:3]))  # M1
    second = staged(csv_bytes(ROWS))  # M1 again, and M2: both new when checked
    assert second.households_new == 2
    committed(first)
    committed(second)  # M1 is known by now: it is not written a second time
    assert Household.objects.count() == 2
    assert Household.objects.get(village="Médine").members.count() == 3
    # M2, written in the same chunk as M1 was set apart from, has all of its rows.
    oumar = Individual.objects.get(given_names="Oumar")
    assert oumar.household.village == "Plateau"
    assert IdentityDocument.objects.get(individual=oumar).number_normalised == "12345678901234A"
    assert SourceRecord.objects.get(key="M2").household == oumar.household
    assert set(oumar.name_tokens.values_list("token", flat=True)) == {"oumar", "diarra"}
    assert (
        AuditEntry.objects.filter(
            action="registry.household_registered", target_id=str(oumar.household.pk)
        ).count()
        == 1
    )
    assert verify_chain().ok


def test_an_updated_row_updates_the_record_with_history(areas: None) -> None:
    committed(staged(csv_bytes(ROWS)))
    household = Household.objects.get(village="Médine")
    changed = [list(row) for row in ROWS]
    changed[2][4] = "Fatoumata Binta"  # the child's given names corrected
    changed.append(["M1", KAYES_COMMUNE, "Médine", "child", "Oumou", "Traoré", "F", "2020-01-01", "", ""])  # fmt: skip
    batch = staged(csv_bytes(changed))
    assert (batch.households_updated, batch.households_unchanged) == (1, 1)
    committed(batch)
    assert Household.objects.count() == 2
    assert sorted(household.members.values_list("given_names", flat=True)) == [
        "Aïssata", "Fatoumata Binta", "Mamadou", "Oumou",
    ]  # fmt: skip
    child = Individual.objects.get(given_names="Fatoumata Binta")
    update = AuditEntry.objects.get(action="registry.member_updated", target_id=str(child.pk))
    assert update.changes["given_names"] == ["Fatoumata", "Fatoumata Binta"]
    assert AuditEntry.objects.filter(action="registry.member_added").count() == 1


def test_rows_of_a_household_need_not_follow_each_other(areas: None) -> None:
    shuffled = [ROWS[0], ROWS[3], ROWS[1], ROWS[2]]
    batch = staged(csv_bytes(shuffled))
    assert (batch.households_total, batch.households_new, batch.households_error) == (2, 2, 0)
    committed(batch)
    assert Household.objects.get(village="Médine").members.count() == 3


def test_households_outside_the_officers_scope_are_refused(
    programme_officer_kayes: User,
) -> None:
    rows = [
        *ROWS,
        ["P1", MOPTI_COMMUNE, "Sévaré", "head", "Ali", "Maïga", "M", "1970-01-01", "", ""],
    ]
    batch = staged(csv_bytes(rows), actor=programme_officer_kayes)
    [row] = errors_of(batch)
    assert row[2] == 6
    assert "hors de votre zone" in row[5]
    committed(batch)
    assert not Household.objects.filter(commune_id=MOPTI_COMMUNE).exists()
    assert (
        AuditEntry.objects.filter(
            action="registry.household_registered", actor_id=programme_officer_kayes.pk
        ).count()
        == 2
    )


def test_only_officers_with_the_import_right_may_import(enumerator_kayes: User) -> None:
    with pytest.raises(Forbidden):
        services.create_batch(
            actor=enumerator_kayes, content=io.BytesIO(csv_bytes(ROWS)), original_name="m.csv"
        )


def test_unreadable_files_are_refused_with_their_name(areas: None) -> None:
    with pytest.raises(InvalidInput, match="photo.pdf"):
        services.create_batch(actor=None, content=io.BytesIO(b"%PDF"), original_name="photo.pdf")
    with pytest.raises(InvalidInput, match="vide"):
        services.create_batch(actor=None, content=io.BytesIO(b""), original_name="m.csv")


def test_the_synthetic_register_imports_whole(areas: None, tmp_path: Path) -> None:
    result = write(tmp_path / "r.csv", households_count=150, seed=5, duplicate_rate=0.0)
    batch = staged((tmp_path / "r.csv").read_bytes(), name="r.csv")
    assert batch.households_error == 0, errors_of(batch)[:3]
    committed(batch)
    assert Individual.objects.count() == result.records
    assert batch.members_committed == result.records
    assert SourceRecord.objects.count() == 150
    # Once written, the staged copies of personal data are emptied.
    assert not StagedHousehold.objects.exclude(payload={}).exists()


# --------------------------------------------------------------------------------------------
# KoboToolbox


def kobo_submission(uuid: str, **overrides: Any) -> dict[str, Any]:
    """A submission of the generated XLSForm as Kobo's API returns it (all answers strings)."""
    submission: dict[str, Any] = {
        "_id": 1001,
        "_uuid": uuid,
        "_submission_time": "2026-10-05T09:12:44",
        "_geolocation": [14.44, -11.43],
        "_attachments": [{"download_url": "https://kf.example/a.jpg", "filename": "a.jpg"}],
        "_validation_status": {},
        "formhub/uuid": "f1",
        "meta/instanceID": f"uuid:{uuid}",
        "start": "2026-10-05T08:50:00.000+00:00",
        "today": "2026-10-05",
        "household/region": "ML01",
        "household/cercle": "ML0103",
        "household/commune": KAYES_COMMUNE,
        "household/village": "Diamou",
        "household/gps": "14.44321 -11.43210 120 5",
        "household/displacement": "resident",
        "household/roof": "straw",
        "household/assets": "radio phone",
        "household/goats": "4",
        "members": [
            {
                "members/given_names": "Drissa",
                "members/family_name": "Doumbia",
                "members/sex": "M",
                "members/relationship": "head",
                "members/birth_precision": "estimated",
                "members/birth_date": "1968-01-01",
                "members/phone": "+22366123456",
                "members/seeing": "2",
            },
            {
                "members/given_names": "Kadiatou",
                "members/family_name": "Camara",
                "members/sex": "F",
                "members/relationship": "spouse",
                "members/birth_precision": "exact",
                "members/birth_date": "1985-07-14",
                "members/pregnancy": "pregnant",
            },
        ],
    }
    submission.update(overrides)
    return submission


def test_kobo_api_json_for_the_generated_form(areas: None) -> None:
    payload = {"count": 2, "next": None, "previous": None, "results": [
        kobo_submission("a1"),
        kobo_submission("b2", **{"household/commune": "ML010399", "household/village": "Kéniéba"}),
    ]}  # fmt: skip
    batch = staged(json.dumps(payload).encode(), name="kobo.json")
    assert batch.file_format == "kobo-json"
    assert batch.source == "kobo"
    [error] = errors_of(batch)
    assert error[2:5] == [2, "household/commune", "ML010399"]
    committed(batch)
    household = Household.objects.get()
    assert household.registered_on == date(2026, 10, 5)
    assert (str(household.latitude), str(household.longitude)) == ("14.44321", "-11.43210")
    assert (household.has_radio, household.has_phone, household.has_cart) == (True, True, False)
    assert (household.goats, household.roof) == (4, "straw")
    head, wife = household.members.order_by("id")
    assert (head.seeing, head.birth_precision, head.phone) == (2, "estimated", "+22366123456")
    assert wife.pregnancy == "pregnant"
    assert SourceRecord.objects.get().key == "a1"


def test_a_kobo_member_error_names_the_member(areas: None) -> None:
    submission = kobo_submission("c3")
    submission["members"][1]["members/birth_date"] = "2099-01-01"
    batch = staged(json.dumps([submission]).encode(), name="kobo.json")
    [error] = errors_of(batch)
    assert error[2:5] == [1, "members/birth_date [2]", "2099-01-01"]


def test_an_edited_kobo_submission_updates_the_household(areas: None) -> None:
    committed(staged(json.dumps([kobo_submission("d4")]).encode(), name="kobo.json"))
    edited = kobo_submission("d4-edit", **{"meta/rootUuid": "uuid:d4", "household/goats": "9"})
    batch = staged(json.dumps([edited]).encode(), name="kobo-2.json")
    assert batch.households_updated == 1
    committed(batch)
    household = Household.objects.get()
    assert household.goats == 9
    entry = AuditEntry.objects.get(action="registry.household_updated")
    assert entry.changes["goats"] == [4, 9]


def test_kobo_xlsx_export_with_a_sheet_per_repeat_group(areas: None, tmp_path: Path) -> None:
    workbook = Workbook()
    main = workbook.active
    assert main is not None
    main.title = "Jigi – recensement"
    main.append(["today", "household/commune", "household/village", "household/displacement",
                 "_id", "_uuid", "_submission_time", "_index"])  # fmt: skip
    main.append([date(2026, 9, 1), KAYES_COMMUNE, "Sadiola", "resident", 7, "e5", "2026-09-01T10:00:00", 1])  # fmt: skip
    main.append([date(2026, 9, 2), KAYES_COMMUNE, "Sadiola", "idp", 8, "f6", "2026-09-02T10:00:00", 2])  # fmt: skip
    members = workbook.create_sheet("members")
    members.append(["members/given_names", "members/family_name", "members/sex", "members/relationship",
                    "members/birth_date", "_index", "_parent_table_name", "_parent_index"])  # fmt: skip
    members.append(["Lassana", "Dembélé", "M", "head", date(1970, 1, 1), 1, "Jigi", 1])
    members.append(["Rokia", "Dembélé", "F", "child", date(2010, 1, 1), 2, "Jigi", 1])
    members.append(["Salimata", "Fofana", "F", "head", date(1990, 1, 1), 3, "Jigi", 2])
    workbook.save(tmp_path / "export.xlsx")
    batch = staged((tmp_path / "export.xlsx").read_bytes(), name="export.xlsx")
    assert batch.file_format == "kobo-xlsx"
    assert (batch.households_new, batch.rows_total) == (2, 3), errors_of(batch)
    committed(batch)
    assert Household.objects.get(displacement="resident").members.count() == 2
    assert Household.objects.get(displacement="idp").registered_on == date(2026, 9, 2)


def test_a_household_error_in_a_kobo_xlsx_points_at_the_main_sheet(
    areas: None, tmp_path: Path
) -> None:
    workbook = Workbook()
    main = workbook.active
    assert main is not None
    main.title = "Jigi"
    main.append(["household/commune", "household/village", "_uuid", "_index"])
    main.append(["ML9", "Sadiola", "g7", 1])
    members = workbook.create_sheet("members")
    members.append(["members/given_names", "members/family_name", "members/sex",
                    "members/relationship", "members/birth_date", "_parent_index"])  # fmt: skip
    members.append(["Lassana", "Dembélé", "M", "head", "1970-01-01", 1])
    workbook.save(tmp_path / "export.xlsx")
    batch = staged((tmp_path / "export.xlsx").read_bytes(), name="export.xlsx")
    [error] = errors_of(batch)
    assert error[1:5] == ["Jigi", 2, "household/commune", "ML9"]


def test_mapping_template_names_are_unique_and_fields_known(areas: None) -> None:
    services.save_mapping_template(
        actor=None, template=None, name="Kobo", description="", columns={}, pcode_version="2021"
    )
    with pytest.raises(InvalidInput) as refused:
        services.save_mapping_template(
            actor=None,
            template=None,
            name="kobo",
            description="",
            columns={"shoe_size": "taille"},
            pcode_version="2021",
        )
    assert set(refused.value.errors) == {"name", "columns"}
    assert MappingTemplate.objects.count() == 1


def test_a_document_registered_since_the_check_sets_only_that_household_aside(
    areas: None,
) -> None:
    from jigi.registry.services import NewMember, register_household

    batch = staged(csv_bytes(ROWS))
    register_household(  # meanwhile, someone registers Oumar Diarra's NINA by hand
        actor=None,
        commune=KAYES_COMMUNE,
        household={"village": "Kati", "registered_on": "2026-01-01", "source": "survey"},
        members=[
            NewMember(
                values={"given_names": "Oumar", "family_name": "Diarra", "sex": "M",
                        "birth_date": "1965-01-01", "relationship": "head"},
                documents=({"kind": "nina", "number": "12345678901234A"},),
            )
        ],
    )  # fmt: skip
    committed(batch)
    assert (batch.households_committed, batch.households_error) == (1, 1)
    [error] = errors_of(batch)
    assert error[4] == "M2"
    assert "depuis la vérification" in error[5]


def test_a_cancelled_commit_is_reported_and_resumes_when_run_again(areas: None) -> None:
    from jigi.core.jobs import execute_job
    from jigi.core.models import Job

    batch = staged(csv_bytes(ROWS))
    job = services.start_commit(
        actor=None, batch=batch, policy=ImportBatch.Policy.VALID_ONLY, enqueue=False
    )
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    assert execute_job(str(job.pk)).status == Job.Status.CANCELLED
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "Relancer" in batch.error
    assert not Household.objects.exists()
    again = services.start_commit(actor=None, batch=batch, policy=batch.policy, enqueue=False)
    assert execute_job(str(again.pk)).status == Job.Status.SUCCEEDED
    batch.refresh_from_db()
    assert (batch.status, batch.households_committed) == (ImportBatch.Status.COMMITTED, 2)


# --------------------------------------------------------------------------------------------
# What a careless key space or a re-sorted file must not do


def test_household_ids_of_an_unrelated_file_do_not_overwrite_anyone(areas: None) -> None:
    committed(staged(csv_bytes(ROWS), name="kayes-ong-a.csv"))
    other = [
        ["M1", KAYES_COMMUNE, "Autre", "head", "Bakary", "Coulibaly", "M", "1980-01-01", "", ""]
    ]
    batch = staged(csv_bytes(other), name="kayes-ong-b.csv")
    assert (batch.households_new, batch.households_updated) == (1, 0)
    committed(batch)
    assert Household.objects.get(village="Médine").members.count() == 3  # untouched


def test_a_known_id_in_another_commune_is_refused_not_moved(areas: None) -> None:
    committed(staged(csv_bytes(ROWS), name="m.csv"))
    moved = [[*row[:1], MOPTI_COMMUNE, *row[2:]] if row[0] == "M2" else row for row in ROWS]
    batch = staged(csv_bytes(moved), name="m.csv")
    assert (batch.households_error, batch.households_unchanged) == (1, 1)
    [error] = errors_of(batch)
    assert error[3] == "household_id"
    assert "autre commune" in error[5]
    assert Household.objects.get(village="Plateau").commune_id == KAYES_COMMUNE


def test_an_id_used_outside_the_officers_scope_is_refused_at_the_check(
    outsider: User,
) -> None:
    committed(staged(csv_bytes(ROWS), name="m.csv"))  # by the system, in Kayes
    mopti = [["M1", MOPTI_COMMUNE, "Sévaré", "head", "Ali", "Maïga", "M", "1970-01-01", "", ""]]
    batch = staged(csv_bytes(mopti), name="m.csv", actor=outsider)
    [error] = errors_of(batch)
    assert "hors de votre zone" in error[5]
    committed(batch)
    assert Household.objects.get(village="Médine").members.count() == 3


def test_re_sorting_a_file_changes_nothing_and_members_keep_their_identity(
    areas: None,
) -> None:
    committed(staged(csv_bytes(ROWS)))
    wife = Individual.objects.get(given_names="Aïssata")
    resorted = [ROWS[3], ROWS[2], ROWS[0], ROWS[1]]
    assert staged(csv_bytes(resorted)).households_unchanged == 2
    # The wife's birth date corrected, rows in another order: she is updated, nobody else.
    corrected = [list(row) for row in resorted]
    corrected[3][7] = "1979-05-04"
    batch = staged(csv_bytes(corrected))
    assert batch.households_updated == 1
    committed(batch)
    wife.refresh_from_db()
    assert (wife.given_names, wife.birth_date) == ("Aïssata", date(1979, 5, 4))
    assert Individual.objects.get(given_names="Fatoumata").birth_date == date(2012, 3, 2)
    assert Individual.objects.count() == 4


def test_a_nina_in_a_household_with_scattered_rows_is_not_a_duplicate(areas: None) -> None:
    rows = [
        ["S1", KAYES_COMMUNE, "Kati", "head", "Issa", "Koné", "M", "1970-01-01", "", "11111111111111B"],
        ROWS[3],
        ["S1", KAYES_COMMUNE, "Kati", "spouse", "Awa", "Koné", "F", "1975-01-01", "", ""],
    ]  # fmt: skip
    batch = staged(csv_bytes(rows))
    assert batch.households_error == 0, errors_of(batch)


def test_separate_gps_columns_are_rounded_like_a_geopoint(areas: None) -> None:
    header = "household_id,commune_pcode,village,_gps_latitude,_gps_longitude,relationship,given_names,family_name,sex,birth_date\n"  # fmt: skip
    row = f"G1,{KAYES_COMMUNE},Kati,14.4432187,-11.4321056,head,Issa,Koné,M,1970-01-01\n"
    committed(staged((header + row).encode()))
    household = Household.objects.get()
    assert (str(household.latitude), str(household.longitude)) == ("14.44322", "-11.43211")


def test_the_error_report_never_carries_a_live_formula(areas: None) -> None:
    evil = [
        ["F1", KAYES_COMMUNE, "Kati", "head", "=HYPERLINK(1)", "Koné", "Z", "1970-01-01", "", ""]
    ]
    batch = staged(csv_bytes(evil))
    out = io.BytesIO()
    reports.write_xlsx(batch, out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet is not None
    assert sheet["E2"].value == "Z"
    lines = "".join(reports.csv_lines(batch))
    assert "=HYPERLINK" not in lines.replace("'=HYPERLINK", "")


def test_an_import_partly_committed_cannot_be_abandoned(areas: None) -> None:
    batch = staged(csv_bytes(ROWS))
    services.start_commit(actor=None, batch=batch, policy="valid_only", enqueue=False)
    batch.refresh_from_db()
    with pytest.raises(InvalidInput, match="abandonné"):
        services.abandon_batch(actor=None, batch=batch)
    with pytest.raises(InvalidInput, match="ne peut pas être enregistré maintenant"):
        services.start_commit(actor=None, batch=batch, policy="valid_only", enqueue=False)


def test_households_written_meanwhile_by_another_run_are_not_written_or_counted_twice(
    areas: None,
) -> None:
    batch = staged(csv_bytes(ROWS))
    batch.policy = ImportBatch.Policy.VALID_ONLY
    # Two runs of one commit (a job taken over while its first run still lived) have read the
    # same households to write; the first writes them, then the second tries.
    pending = list(services._pending_rows(batch))
    first, second = services._Committer(batch, None), services._Committer(batch, None)
    first.commit(first.decode(pending))
    with pytest.raises(services.WrittenMeanwhile, match="written meanwhile"):
        second.commit(second.decode(pending))
    batch.refresh_from_db()
    assert Household.objects.count() == batch.households_committed == 2
    assert Individual.objects.count() == batch.members_committed == 4
    assert SourceRecord.objects.count() == 2
    assert not batch.staged.exists()  # nothing left to write
    assert verify_chain().ok


def _staged_rows(batch: ImportBatch) -> list[tuple[Any, ...]]:
    fields = (
        "key",
        "sheet",
        "first_row",
        "rows",
        "payload",
        "errors",
        "error_rows",
        "content_hash",
    )
    return sorted(batch.staged.values_list(*fields, "action"))


@pytest.mark.parametrize("workers", [2, 3])
def test_a_check_in_worker_processes_stages_what_a_check_in_file_order_stages(
    areas: None, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Small chunks so that numbers given twice (the injected duplicates) fall in other
    chunks, a NINA of the first household given again at the end, one household whose rows
    are split, and a bad value: the staged rows, the summary and the report are the same."""
    path = tmp_path / "r.csv"
    write(path, households_count=120, seed=11, duplicate_rate=0.2)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    nina, key, birth = (
        header.index("nina"),
        header.index("household_id"),
        header.index("birth_date"),
    )
    given = next(row for row in body if row[nina])
    body.append([*given[:key], "LATE", *given[key + 1 :]])  # its NINA again, far from the first
    body.insert(len(body) // 2, list(body[0]))  # the first household's rows, not together
    body[7][birth] = "31/31/1990"
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    content = out.getvalue().encode()
    monkeypatch.setattr(services, "CHUNK", 7)
    monkeypatch.setattr(services, "PARALLEL_CHECK_ROWS", 0)
    settings.JIGI_IMPORT_CHECK_WORKERS = 1
    here = staged(content, name="here.csv")
    settings.JIGI_IMPORT_CHECK_WORKERS = workers
    there = staged(content, name="there.csv")
    assert here.households_error > 5  # duplicates across chunks were found
    assert _staged_rows(here) == _staged_rows(there)
    assert services.summary(here) | {"import": 0, "file": ""} == services.summary(there) | {
        "import": 0,
        "file": "",
    }
    assert [row[1:] for row in errors_of(here)] == [row[1:] for row in errors_of(there)]


def test_a_malformed_row_of_a_large_file_is_named_as_in_a_small_one(
    areas: None, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    path = tmp_path / "r.csv"
    write(path, households_count=60, seed=3, duplicate_rate=0.0)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(200, lines[200] + ",en trop,encore")  # two values more than the header
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(services, "CHUNK", 5)
    monkeypatch.setattr(services, "PARALLEL_CHECK_ROWS", 0)
    settings.JIGI_IMPORT_CHECK_WORKERS = 2
    with pytest.raises(InvalidInput, match=r"r\.csv, ligne 201 : \d+ valeurs pour \d+ colonnes"):
        staged(path.read_bytes(), name="r.csv")
    assert multiprocessing.active_children() == []


def test_a_failing_check_worker_fails_the_check_and_leaves_no_process(
    areas: None, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    path = tmp_path / "r.csv"
    write(path, households_count=60, seed=3, duplicate_rate=0.0)
    monkeypatch.setattr(services, "CHUNK", 5)
    monkeypatch.setattr(services, "PARALLEL_CHECK_ROWS", 0)
    settings.JIGI_IMPORT_CHECK_WORKERS = 2
    check = services.Validator.check

    def broken(self: services.Validator, group: services.Group) -> services.StagedCheck:
        if group.rows[0].row > 200:
            raise ValueError("unreadable")
        return check(self, group)

    monkeypatch.setattr(services.Validator, "check", broken)
    with pytest.raises(RuntimeError, match="ValueError: unreadable"):
        staged(path.read_bytes(), name="r.csv")
    assert multiprocessing.active_children() == []


def test_a_check_worker_groups_the_rows_as_a_check_in_one_process(tmp_path: Path) -> None:
    """The workers' reading (rows outside their chunks read for their key only) gives the same
    households, in the same places, as the ordinary reading, with or without a key column,
    a column without a header and rows left blank."""
    from jigi.intake.readers import CsvReader

    path = tmp_path / "r.csv"
    path.write_text(
        "household_id,,given_names\n"
        "A,x,Awa\nA,y,Bintou\n,z,Coumba\n,z,Djeneba\n,,\nB, ,Fanta\n B ,,Gouro\nA,,Hawa\n",
        encoding="utf-8",
    )
    reader = CsvReader(path, "r.csv")
    for key_column in ("household_id", ""):
        ordinary = [
            (group.key, [(row.row, row.values) for row in group.rows])
            for group in services._groups(reader.rows(), key_column, "file")
        ]
        by_worker = [
            (position, group.key, [(row.row, row.values) for row in group.rows])
            for position, group in services._csv_groups(reader, key_column, lambda _p: True)
        ]
        assert [entry[1:] for entry in by_worker] == ordinary
        assert [entry[0] for entry in by_worker] == list(range(len(ordinary)))
        odd = list(services._csv_groups(reader, key_column, lambda position: position % 2 == 1))
        assert [(position, group.key) for position, group in odd] == [
            (position, key) for position, key, _rows in by_worker if position % 2 == 1
        ]
