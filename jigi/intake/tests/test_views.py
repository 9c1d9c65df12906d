"""The import pages: upload, review the summary, commit, download the errors; who may."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from conftest import KAYES_COMMUNE, signed_in
from jigi.accounts.models import User
from jigi.audit.models import AuditEntry
from jigi.core import jobs
from jigi.intake.models import ImportBatch, MappingTemplate
from jigi.registry.models import Household

pytestmark = pytest.mark.django_db

FILE = (
    "household_id;commune_pcode;village;relationship;given_names;family_name;sex;birth_date\n"
    f"K1;{KAYES_COMMUNE};Légal Ségou;head;Souleymane;Konaté;M;1971-01-01\n"
    f"K1;{KAYES_COMMUNE};Légal Ségou;spouse;Assétou;Dao;F;1980-01-01\n"
    f"K2;{KAYES_COMMUNE};Légal Ségou;head;Youssouf;Touré;M;2099-01-01\n"
).encode("cp1252")


def run_jobs() -> None:
    """What the worker does: run the queued jobs (a step may queue the next)."""
    from jigi.core.models import Job

    while queued := list(Job.objects.filter(status=Job.Status.QUEUED)):
        for job in queued:
            jobs.execute_job(str(job.pk))


def test_upload_review_commit_and_error_report(programme_officer_kayes: User) -> None:
    client = signed_in(programme_officer_kayes)
    assert "Importer un fichier" in client.get("/imports/").content.decode()
    response = client.post(
        "/imports/new/", {"file": SimpleUploadedFile("menages.csv", FILE, "text/csv")}
    )
    batch = ImportBatch.objects.get()
    assert response.headers["Location"] == f"/imports/{batch.pk}/"
    progress = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "<progress" in progress  # the validation job is queued
    run_jobs()
    # The polling partial asks htmx to reload the page once the step is over.
    polled = client.get(f"/imports/{batch.pk}/?progress=1", HTTP_HX_REQUEST="true")
    assert polled.headers["HX-Refresh"] == "true"
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'data-testid="new">1<' in page
    assert 'data-testid="errors">1<' in page
    assert "2099-01-01" in page  # the error, its value and reason are on the page
    assert "La date de naissance est dans le futur." in page
    assert not Household.objects.exists()  # nothing is written before the user confirms

    report = client.get(f"/imports/{batch.pk}/errors.csv")
    lines = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))  # type: ignore[attr-defined]
    assert lines[0] == ["Fichier", "Feuille", "Ligne", "Colonne", "Valeur", "Motif"]
    assert lines[1][:5] == ["menages.csv", "", "4", "birth_date", "2099-01-01"]
    xlsx = client.get(f"/imports/{batch.pk}/errors.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    assert sheet is not None
    assert len(list(sheet.iter_rows(values_only=True))) == 2
    assert AuditEntry.objects.filter(action="intake.error_report_downloaded").count() == 2

    client.post(f"/imports/{batch.pk}/commit/", {"policy": "valid_only"})
    run_jobs()
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'data-testid="committed">1<' in page
    household = Household.objects.get()
    assert household.village == "Légal Ségou"  # Windows-1252 read right
    assert household.members.count() == 2


def test_the_error_report_is_in_the_users_language(programme_officer_kayes: User) -> None:
    programme_officer_kayes.language = "en"
    programme_officer_kayes.save()
    client = signed_in(programme_officer_kayes)
    client.post("/imports/new/", {"file": SimpleUploadedFile("m.csv", FILE, "text/csv")})
    run_jobs()
    batch = ImportBatch.objects.get()
    content = b"".join(client.get(f"/imports/{batch.pk}/errors.csv").streaming_content)  # type: ignore[attr-defined]
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert lines[0] == ["File", "Sheet", "Row", "Column", "Value", "Reason"]
    assert lines[1][5] == "The date of birth is in the future."


def test_all_or_nothing_is_refused_with_a_reason_when_a_household_is_wrong(
    programme_officer_kayes: User,
) -> None:
    client = signed_in(programme_officer_kayes)
    client.post("/imports/new/", {"file": SimpleUploadedFile("m.csv", FILE, "text/csv")})
    run_jobs()
    batch = ImportBatch.objects.get()
    response = client.post(
        f"/imports/{batch.pk}/commit/", {"policy": "all_or_nothing"}, follow=True
    )
    assert "rien n&#x27;est enregistré" in response.content.decode()
    run_jobs()
    assert not Household.objects.exists()


def test_a_bad_file_is_refused_on_the_upload_form(programme_officer_kayes: User) -> None:
    client = signed_in(programme_officer_kayes)
    page = client.post(
        "/imports/new/", {"file": SimpleUploadedFile("scan.pdf", b"%PDF-1.4", "application/pdf")}
    ).content.decode()
    assert "scan.pdf" in page
    assert not ImportBatch.objects.exists()


def test_only_the_importer_or_national_staff_see_an_import(
    programme_officer_kayes: User, outsider: User, administrator: User, enumerator_kayes: User
) -> None:
    signed_in(programme_officer_kayes).post(
        "/imports/new/", {"file": SimpleUploadedFile("m.csv", FILE, "text/csv")}
    )
    batch = ImportBatch.objects.get()
    assert signed_in(outsider).get(f"/imports/{batch.pk}/").status_code == 404
    assert signed_in(outsider).get(f"/imports/{batch.pk}/errors.csv").status_code == 404
    assert signed_in(administrator).get(f"/imports/{batch.pk}/").status_code == 200
    assert signed_in(enumerator_kayes).get("/imports/").status_code == 403
    assert signed_in(enumerator_kayes).post("/imports/new/", {}).status_code == 403


def test_abandoning_an_import_writes_nothing_and_removes_the_file(
    programme_officer_kayes: User, import_dir: object
) -> None:
    client = signed_in(programme_officer_kayes)
    client.post("/imports/new/", {"file": SimpleUploadedFile("m.csv", FILE, "text/csv")})
    run_jobs()
    batch = ImportBatch.objects.get()
    client.post(f"/imports/{batch.pk}/abandon/")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED
    assert not batch.staged.exists()
    assert not list(import_dir.iterdir())  # type: ignore[attr-defined]
    assert client.post(f"/imports/{batch.pk}/commit/", {"policy": "valid_only"}).status_code == 302
    assert not Household.objects.exists()


def test_mapping_templates_are_created_and_used_from_the_upload_form(
    programme_officer_kayes: User,
) -> None:
    client = signed_in(programme_officer_kayes)
    response = client.post(
        "/imports/mappings/new/",
        {
            "name": "Fiche ONG",
            "description": "",
            "pcode_version": "2021",
            "col_household_key": "Ménage n°",
            "col_given_names": "Prénom(s)",
        },
    )
    assert response.status_code == 302
    template = MappingTemplate.objects.get()
    assert template.columns == {"household_key": "Ménage n°", "given_names": "Prénom(s)"}
    assert "Fiche ONG" in client.get("/imports/mappings/").content.decode()
    content = (
        FILE.decode("cp1252")
        .replace("household_id", "Ménage n°")
        .replace("given_names", "Prénom(s)")
    )
    client.post(
        "/imports/new/",
        {
            "file": SimpleUploadedFile("o.csv", content.encode("utf-8"), "text/csv"),
            "mapping": template.pk,
        },
    )
    run_jobs()
    batch = ImportBatch.objects.get()
    assert (batch.households_new, batch.households_error) == (1, 1)
    duplicate = client.post(
        "/imports/mappings/new/", {"name": "fiche ong", "pcode_version": "2021"}
    ).content.decode()
    assert "Un modèle porte déjà ce nom." in duplicate


def test_the_page_says_when_the_same_file_was_uploaded_before(
    programme_officer_kayes: User, outsider: User
) -> None:
    for user in (outsider, programme_officer_kayes, programme_officer_kayes):
        signed_in(user).post(
            "/imports/new/", {"file": SimpleUploadedFile("m.csv", FILE, "text/csv")}
        )
    latest = ImportBatch.objects.order_by("-created_at", "-pk").first()
    assert latest is not None
    page = signed_in(programme_officer_kayes).get(f"/imports/{latest.pk}/").content.decode()
    assert "déjà été déposé" in page
    earlier = ImportBatch.objects.filter(created_by=programme_officer_kayes).exclude(pk=latest.pk)
    assert f'href="/imports/{earlier.get().pk}/"' in page
    first_by_outsider = ImportBatch.objects.filter(created_by=outsider).get()
    assert f'href="/imports/{first_by_outsider.pk}/"' not in page  # another officer's: hidden
