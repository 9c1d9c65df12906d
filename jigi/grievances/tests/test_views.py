"""The pages as people use them: recording with field errors, the list without sensitive
cases, 404 for others, the public form and status page, bulk actions, the dashboard's
figures and the audited export."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from conftest import signed_in
from jigi.accounts.models import User
from jigi.audit.models import AuditEntry
from jigi.grievances import services
from jigi.grievances.forms import CHALLENGE_SALT
from jigi.grievances.models import Category, Complaint
from jigi.grievances.tests.factories import complaint, focal_point, household, officer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> None:
    settings.JIGI_GRIEVANCE_FILES_DIR = tmp_path / "grievances"


def test_recording_a_complaint_gives_the_code_and_refuses_bad_input_by_field(
    areas: None, enumerator_kayes: User
) -> None:
    client = signed_in(enumerator_kayes)
    refused = client.post(
        "/grievances/new/",
        {"channel": "in_person", "category": "payment_not_received", "description": "",
         "household_code": "KY-ZZZZZZ-0"},
    )  # fmt: skip
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "Décrivez la plainte" in text
    assert "Aucun ménage n&#x27;a le code « KY-ZZZZZZ-0 »" in text
    assert not Complaint.objects.exists()
    family = household()
    response = client.post(
        "/grievances/new/",
        {"channel": "in_person", "category": "payment_not_received",
         "description": "Pas reçu le paiement.", "household_code": family.code},
        follow=True,
    )  # fmt: skip
    recorded = Complaint.objects.get()
    assert recorded.code in response.content.decode()
    assert recorded.household == family


def test_list_and_counts_leave_sensitive_cases_out_and_others_get_404(areas: None) -> None:
    kayes = officer()
    focal = focal_point()
    complaint(description="Paiement manquant")
    sea = complaint(category=Category.SEA, description="Récit EAS confidentiel")
    client = signed_in(kayes)
    page = client.get("/grievances/").content.decode()
    assert "1 plainte" in page
    assert sea.code not in page
    searched = client.get(f"/grievances/?q={sea.code}").content.decode()
    assert "Aucune plainte. Enregistrez" in searched
    assert f'href="/grievances/{sea.code}/"' not in searched
    assert client.get(f"/grievances/{sea.code}/").status_code == 404
    assert client.post(f"/grievances/{sea.code}/resolve/", {"resolution": "x"}).status_code == 404
    assert client.get("/grievances/sensitive/").status_code == 403
    dashboard = client.get("/grievances/dashboard/").content.decode()
    assert re.search(r'data-testid="total">1<', dashboard)
    # The focal point's general list holds no sensitive case either.
    assert sea.code not in signed_in(focal).get("/grievances/").content.decode()


def test_focal_point_opens_a_sensitive_case_and_it_is_audited(areas: None) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    focal = focal_point()
    device = TOTPDevice.objects.create(user=focal, name="t", confirmed=True)
    sea = complaint(category=Category.SEA, description="Récit EAS confidentiel")
    client = signed_in(focal)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    assert sea.code in client.get("/grievances/sensitive/").content.decode()
    page = client.get(f"/grievances/{sea.code}/")
    assert page.status_code == 200
    assert "Récit EAS confidentiel" in page.content.decode()
    assert AuditEntry.objects.filter(action="grievances.open_sensitive", actor=focal).count() == 1


def test_public_form_asks_a_sum_and_the_status_page_shows_status_only(areas: None) -> None:
    client = Client()
    form = client.get("/plainte/").content.decode()
    token = re.search(r'name="challenge" value="([^"]+)"', form)
    assert token is not None
    first, second = signing.loads(token.group(1), salt=CHALLENGE_SALT)
    values = {"category": "payment_not_received", "description": "Je n'ai rien reçu.",
              "region": "ML01", "complainant_name": "Aminata Diarra",
              "complainant_phone": "76 12 34 56", "challenge": token.group(1)}  # fmt: skip
    wrong = client.post("/plainte/", {**values, "answer": first + second + 1})
    assert "Ce n&#x27;est pas le bon résultat." in wrong.content.decode()
    robot = client.post("/plainte/", {**values, "answer": first + second, "website": "x"})
    assert "Envoi refusé." in robot.content.decode()
    assert not Complaint.objects.exists()
    thanks = client.post("/plainte/", {**values, "answer": first + second})
    recorded = Complaint.objects.get()
    assert recorded.code in thanks.content.decode()
    assert recorded.channel == "web"
    status = client.get("/plainte/suivi/", {"code": recorded.code.lower()}).content.decode()
    assert "Nouvelle" in status
    for private in ("Aminata", "Diarra", "rien reçu", "+22376123456", "Paiement non reçu", "Kayes"):
        assert private not in status
    missing = client.get("/plainte/suivi/", {"code": "PT-000000-0"}).content.decode()
    assert "Aucune plainte n'a ce code" in missing


def test_public_form_is_throttled(areas: None, settings: Any) -> None:
    settings.JIGI_PUBLIC_SUBMISSIONS_PER_HOUR = 1
    client = Client()

    def submit() -> str:
        token = re.search(
            r'name="challenge" value="([^"]+)"', client.get("/plainte/").content.decode()
        )
        assert token is not None
        first, second = signing.loads(token.group(1), salt=CHALLENGE_SALT)
        return client.post("/plainte/", {"category": "suggestion", "description": "Idée",
                                          "region": "ML01", "challenge": token.group(1),
                                          "answer": first + second}).content.decode()  # fmt: skip

    assert "Plainte reçue" in submit()
    assert "Trop de demandes" in submit()
    assert Complaint.objects.count() == 1


def test_bulk_close_from_the_list_with_a_reason(areas: None) -> None:
    kayes = officer()
    rows = [complaint(category=Category.INFORMATION) for _ in range(3)]
    client = signed_in(kayes)
    codes = [row.code for row in rows[:2]]
    client.post("/grievances/bulk/", {"action": "close", "resolution": "explained",
                                      "reason": "", "complaints": codes})  # fmt: skip
    assert not Complaint.objects.filter(status="closed").exists()
    client.post("/grievances/bulk/", {"action": "close", "resolution": "explained",
                                      "reason": "Information donnée", "complaints": codes})  # fmt: skip
    assert set(Complaint.objects.filter(status="closed").values_list("code", flat=True)) == set(
        codes
    )


def test_export_is_audited_and_holds_no_sensitive_case_or_personal_data(areas: None) -> None:
    kayes = officer()
    kept = complaint(complainant_name="Aminata Diarra")
    complaint(category=Category.FRAUD)
    response = signed_in(kayes).get("/grievances/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == kept.code
    assert "Aminata Diarra" not in str(rows)
    assert AuditEntry.objects.get(action="grievances.export").changes["rows"] == 1


def test_enumerator_may_record_but_not_browse(areas: None, enumerator_kayes: User) -> None:
    client = signed_in(enumerator_kayes)
    assert client.get("/grievances/new/").status_code == 200
    assert client.get("/grievances/").status_code == 403


def test_bulk_close_does_nothing_when_a_ticked_complaint_is_not_in_the_list(
    areas: None,
) -> None:
    kayes = officer()
    rows = [complaint(category=Category.INFORMATION) for _ in range(2)]
    sea = complaint(category=Category.SEA)
    mopti = complaint(category=Category.INFORMATION, area_code="ML050609")
    client = signed_in(kayes)
    for stranger in (sea.code, mopti.code, "PT-000000-0"):
        response = client.post(
            "/grievances/bulk/",
            {"action": "close", "resolution": "explained", "reason": "Information donnée",
             "complaints": [rows[0].code, rows[1].code, stranger]},
            follow=True,
        )  # fmt: skip
        text = response.content.decode()
        # One message for all three: a sensitive or out-of-scope code reads as a missing one.
        assert "ne sont plus dans votre liste" in text
        assert stranger not in text
        assert not Complaint.objects.filter(status="closed").exists()


def test_bulk_action_refuses_more_rows_than_it_handles(areas: None, settings: Any) -> None:
    from jigi.grievances import views

    kayes = officer()
    rows = [complaint(category=Category.INFORMATION) for _ in range(views.MAX_BULK + 1)]
    response = signed_in(kayes).post(
        "/grievances/bulk/",
        {"action": "close", "resolution": "explained", "reason": "Doublons",
         "complaints": [row.code for row in rows]},
        follow=True,
    )  # fmt: skip
    assert "200 plaintes au plus" in response.content.decode()
    assert not Complaint.objects.filter(status="closed").exists()


def _busy_kayes() -> User:
    """An officer with many complaints, each with its household, assignee and payment."""
    kayes = officer()
    for index in range(12):
        assignee = officer(f"plaintes.kayes{index}")
        recorded = complaint(household_code=household().code, complainant_name=f"Nom {index}")
        services.assign_complaint(actor=kayes, complaint=recorded, assignee=assignee)
    return kayes


def test_the_complaint_list_runs_a_fixed_number_of_queries(
    areas: None, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(_busy_kayes())
    client.get("/grievances/")  # warm the session and the caches
    with django_assert_max_num_queries(12):
        response = client.get("/grievances/?status=open&q=")
    assert "12 plaintes" in response.content.decode()
    with django_assert_max_num_queries(12):
        client.get("/grievances/", headers={"HX-Request": "true"})


def test_the_dashboard_runs_a_fixed_number_of_queries(
    areas: None, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(_busy_kayes())
    client.get("/grievances/dashboard/")
    with django_assert_max_num_queries(20):
        response = client.get("/grievances/dashboard/")
    assert 'data-testid="total">12<' in response.content.decode()


class _WholeReadRefused(SimpleUploadedFile):
    """An upload that fails if read whole: the limit must be enforced while reading."""

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            raise AssertionError("the whole upload was read into memory")
        content: bytes = super().read(size)
        return content


def test_an_oversized_attachment_is_refused_without_being_read_whole(
    areas: None, settings: Any
) -> None:
    from jigi.core.errors import InvalidInput
    from jigi.grievances.forms import uploads

    settings.JIGI_GRIEVANCE_FILE_MAX_BYTES = 1024
    kayes = officer()
    recorded = complaint()
    big = _WholeReadRefused("scan.pdf", b"%PDF-1.7\n" + b"0" * 4096, "application/pdf")
    (upload,) = uploads([big])  # as the recording form and the attach action read files
    with pytest.raises(InvalidInput) as refused:
        services.add_attachment(actor=kayes, complaint=recorded, upload=upload)
    assert "dépasse la taille maximale" in str(refused.value.errors)
    assert not recorded.attachments.exists()


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_attachments_from_the_page_are_served_only_to_those_who_may_open_the_complaint(
    areas: None,
) -> None:
    kayes = officer()
    recorded = complaint(kayes)
    client = signed_in(kayes)
    action = f"/grievances/{recorded.code}/attach/"
    client.post(action, {"file": SimpleUploadedFile("recu.png", PNG_BYTES, "image/png")})
    wrong = client.post(action, {"file": SimpleUploadedFile("x.png", b"MZ\x90\0", "image/png")})
    assert wrong.status_code == 302
    [stored] = recorded.attachments.all()  # the disguised executable was refused
    url = f"/grievances/{recorded.code}/attachments/{stored.pk}/"
    served = client.get(url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PNG_BYTES  # type: ignore[attr-defined]
    assert "attachment" in served["Content-Disposition"]
    outsider = officer("plaintes.mopti", areas=["ML05"])
    assert signed_in(outsider).get(url).status_code == 404
    services.attachment_path(stored).unlink()  # lost on disk (a restore without the files)
    assert client.get(url).status_code == 404


def test_resolve_appeal_and_satisfaction_from_the_page(areas: None) -> None:
    from jigi.grievances.models import Level
    from jigi.grievances.tests.factories import rule

    kayes = officer()
    regional = officer("plaintes.region")
    rule(regional, Level.REGIONAL)
    recorded = complaint(kayes)
    client = signed_in(kayes)
    base = f"/grievances/{recorded.code}"
    client.post(f"{base}/resolve/", {"resolution": "explained", "note": "Payé au cycle suivant"})
    client.post(f"{base}/satisfaction/", {"satisfaction": "unsatisfied"})
    client.post(f"{base}/appeal/", {"reason": ""})  # refused: an appeal says why
    recorded.refresh_from_db()
    assert (recorded.status, recorded.satisfaction) == ("resolved", "unsatisfied")
    client.post(f"{base}/appeal/", {"reason": "Toujours rien reçu"})
    recorded.refresh_from_db()
    assert (recorded.status, recorded.level, recorded.assigned_to) == (
        "appealed", Level.REGIONAL, regional,
    )  # fmt: skip
    page = signed_in(regional).get(f"{base}/").content.decode()
    assert "Toujours rien reçu" in page


def test_the_complaint_page_shows_when_protection_took_the_referral_up(areas: None) -> None:
    from django.utils import timezone

    from jigi.core.handoffs import take_up
    from jigi.grievances.models import ProtectionReferral

    focal = focal_point()
    sea = complaint(category=Category.SEA)
    services.refer_to_protection(
        actor=focal, complaint=sea, has_consent=True, consent_on=timezone.localdate()
    )
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=focal, name="t", confirmed=True)
    client = signed_in(focal)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    page = client.get(f"/grievances/{sea.code}/").content.decode()
    assert "À prendre en charge par la protection" in page
    assert take_up(f"grievances:{ProtectionReferral.objects.get().pk}")
    page = client.get(f"/grievances/{sea.code}/").content.decode()
    assert "Prise en charge" in page
