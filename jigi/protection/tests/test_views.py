"""The pages as a case worker uses them: opening a case, the guided incident questions, bad
input named by field with nothing written, statistics on the page and in the XLSX alike, and
no survivor's name in the audit log an administrator reads."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import load_workbook

from jigi.audit.models import AuditEntry
from jigi.grievances import services as grievances
from jigi.grievances.models import Category, ProtectionReferral
from jigi.grievances.tests.factories import complaint, focal_point
from jigi.protection import services
from jigi.protection.models import Case, Incident, Referral
from jigi.protection.tests.factories import (
    NO_ANSWERS,
    case,
    incident,
    partner,
    provider,
    referral_consent,
    supervisor,
    worker,
)
from jigi.protection.tests.test_access import client_for

pytestmark = pytest.mark.django_db


def test_case_worker_opens_a_case_with_consent_and_it_is_theirs(areas: None) -> None:
    me = worker()
    center = provider()
    client = client_for(me)
    refused = client.post("/protection/new/", {"provider": center.pk, "survivor_sex": "female",
                                               "risk_level": "high"})  # fmt: skip
    assert "consentement éclairé aux services est nécessaire" in refused.content.decode()
    assert not Case.objects.exists()
    response = client.post(
        "/protection/new/",
        {"provider": center.pk, "survivor_sex": "female", "risk_level": "high",
         "services_consent_on": timezone.localdate().isoformat(), "name": "Assitan Koné"},
    )  # fmt: skip
    kase = Case.objects.get()
    assert response["Location"] == f"/protection/cases/{kase.code}/"
    assert kase.assigned_worker == me
    assert "Assitan" not in kase.name_sealed


def test_incident_form_derives_the_type_and_refuses_a_future_date(areas: None) -> None:
    kase = case()
    client = client_for(kase.assigned_worker)
    today = timezone.localdate()
    answers = dict.fromkeys(NO_ANSWERS, "no") | {"physical_violence": "yes", "denial": "yes"}
    values = {"incident_on": (today + timedelta(days=3)).isoformat(), "region": "ML09",
              "survivor_age": 30, "perpetrator_relationship": "intimate_partner", **answers}  # fmt: skip
    page = client.post(f"/protection/cases/{kase.code}/incident/", values, follow=True)
    assert "ne peut pas être dans le futur" in page.content.decode()
    assert not Incident.objects.exists()
    values["incident_on"] = (today - timedelta(days=1)).isoformat()
    page = client.post(f"/protection/cases/{kase.code}/incident/", values, follow=True)
    text = page.content.decode()
    assert "Incident enregistré : Agression physique." in text
    assert "Violence entre partenaires intimes (VPI)" in text
    assert Incident.objects.get().decided_by == "physical_violence"


def test_unanswered_questions_are_refused_by_name(areas: None) -> None:
    kase = case()
    page = client_for(kase.assigned_worker).post(
        f"/protection/cases/{kase.code}/incident/",
        {"incident_on": timezone.localdate().isoformat(), "region": "ML09",
         "perpetrator_relationship": "stranger", "penetration": "no"},
        follow=True,
    )  # fmt: skip
    assert "Répondez par oui ou non" in page.content.decode()
    assert not Incident.objects.exists()


def test_statistics_page_and_export_publish_the_same_suppressed_figures(areas: None) -> None:
    for _ in range(8):
        incident(case())
    for _ in range(7):
        incident(case(), answers={"penetration": False, "physical_violence": True})
    incident(case(), answers={"penetration": False, "sexual_contact": True})
    boss = supervisor()
    month = timezone.localdate().replace(day=1)
    with freeze_time(month + timedelta(days=45)):  # the month is over and published
        client = client_for(boss)  # signed in then (sessions expire)
        page = client.get("/protection/statistics/").content.decode()
        book = client.get("/protection/statistics.xlsx").content
    bamako_row = page.split("Bamako")[1].split("</tr>")[0]
    # The single sexual assault hidden, and the 7 physical assaults with it, or the row total
    # would give the 1 away. The 8 rapes too: the sex table shows the 16 women exactly, and
    # with it 8 + 1 + 7 would leave the hidden 1 only one or two possible values.
    assert bamako_row.count("<td>x</td>") == 3
    assert "<td>8</td>" not in bamako_row
    assert "<td>1</td>" not in bamako_row
    assert "<td>7</td>" not in bamako_row
    workbook = load_workbook(io.BytesIO(book))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    bamako = next(row for row in rows if row[0] and "Bamako" in str(row[0]))
    assert bamako[1:4] == ("x", "x", "x")
    sex = list(workbook.worksheets[2].iter_rows(values_only=True))
    assert next(row for row in sex if row[0] and "Bamako" in str(row[0]))[1] == 16
    assert AuditEntry.objects.filter(action="protection.export_statistics", actor=boss).exists()


def test_the_month_under_way_is_never_published(areas: None) -> None:
    """Between two views of a live month, a cell going from 0 to hidden would tell the type,
    age group and sex of the incident just reported."""
    for _ in range(7):
        incident(case())
    client = client_for(supervisor())
    this_month = f"{timezone.localdate():%Y-%m}"
    page = client.get("/protection/statistics/", {"month": this_month}).content.decode()
    assert "seront publiées le" in page
    assert f'value="{this_month}"' not in page  # the latest published month is shown instead
    api = client.get("/api/v1/protection/statistics", {"month": f"{this_month}-01"})
    assert api.status_code == 422
    assert "month" in api.content.decode()
    export = client.get("/protection/statistics.xlsx", {"month": this_month})
    assert export.status_code == 200  # the latest published month, not this one
    assert this_month not in export["Content-Disposition"]


def test_the_administrators_audit_log_names_codes_and_fields_never_the_survivor(
    areas: None, administrator: object
) -> None:
    kase = case(name="Hawa Sidibé", contact="+22366000000")
    incident(kase, narrative="Récit confidentiel")
    client_for(kase.assigned_worker).get(f"/protection/cases/{kase.code}/")
    log = client_for(administrator).get("/audit/").content.decode()  # type: ignore[arg-type]
    assert "protection.read_case" in log or kase.code in log
    assert "Hawa" not in log
    assert "66000000" not in log
    assert "confidentiel" not in log


def test_a_disclosure_handed_over_by_grievances_is_opened_as_a_case_once(areas: None) -> None:
    focal = focal_point()
    sea = complaint(category=Category.SEA, area_code="ML090101", description="Récit EAS")
    grievances.refer_to_protection(actor=focal, complaint=sea, has_consent=True,
                                   consent_on=timezone.localdate())  # fmt: skip
    me = worker()
    center = provider()
    kayes = worker("vbg.kayes", "osc-kayes", area="ML010312")
    provider("osc-kayes", "ML010312")
    assert sea.code not in client_for(kayes).get("/protection/").content.decode()
    client = client_for(me)
    listing = client.get("/protection/").content.decode()
    assert sea.code in listing
    assert "Récit EAS" not in listing
    ref = f"grievances:{ProtectionReferral.objects.get().pk}"
    values = {"provider": center.pk, "survivor_sex": "female", "risk_level": "medium",
              "services_consent_on": timezone.localdate().isoformat(), "handoff": ref}  # fmt: skip
    response = client.post("/protection/new/", values)
    kase = Case.objects.get()
    assert response["Location"] == f"/protection/cases/{kase.code}/"
    assert kase.handoff_ref == ref
    assert ProtectionReferral.objects.get().status == ProtectionReferral.Status.ACCEPTED
    assert sea.code not in client.get("/protection/").content.decode()
    again = client.post("/protection/new/", values)
    assert "plus en attente" in again.content.decode()
    assert Case.objects.count() == 1


def test_case_list_answers_in_a_fixed_number_of_queries(
    areas: None, django_assert_max_num_queries: Any
) -> None:
    me = worker()
    for _ in range(12):
        case(me)
    client = client_for(me)
    with django_assert_max_num_queries(22):  # 16, and the audit entry of the listing
        page = client.get("/protection/")
    assert "12 dossiers" in page.content.decode()
    listed = AuditEntry.objects.filter(action="protection.list_cases", actor=me).latest("seq")
    assert "risk_level" in listed.changes["fields"]


def test_the_receiving_center_accepts_and_completes_a_referral_on_its_page(areas: None) -> None:
    kase = case(name="Djeneba Sow")
    kayes_center = provider("osc-kayes", "ML010312")
    receiver = worker("vbg.kayes", "osc-kayes", area="ML010312")
    referral_consent(kase, "legal")
    services.refer(actor=kase.assigned_worker, case=kase, to_provider_id=kayes_center.pk,
                   service_type="legal", message="Accompagnement au tribunal.")  # fmt: skip
    client = client_for(receiver)
    page = client.get("/protection/referrals/").content.decode()
    assert "Accompagnement au tribunal." in page
    assert "En attente" in page
    assert "Djeneba" not in page
    referral = Referral.objects.get()
    client.post(f"/protection/referrals/{referral.pk}/accept/")
    client.post(f"/protection/referrals/{referral.pk}/complete/", {"note": "Plainte déposée."})
    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED
    other = client_for(kase.assigned_worker)
    assert other.post(f"/protection/referrals/{referral.pk}/accept/").status_code == 404


def test_the_provider_directory_shows_services_staff_and_funding(areas: None) -> None:
    center = provider(budget_amount=250_000)
    worker()
    supervisor()
    page = client_for(worker()).get("/protection/providers/").content.decode()
    assert center.name in page
    assert "Juridique" in page
    assert "1 / 1" in page
    assert "250000 USD" in page


def test_the_case_worker_records_the_answer_of_a_partner_without_jigi(areas: None) -> None:
    kase = case()
    clinic = partner()
    referral_consent(kase, "health")
    referral = services.refer(actor=kase.assigned_worker, case=kase, to_provider_id=clinic.pk,
                              service_type="health")  # fmt: skip
    client = client_for(kase.assigned_worker)
    base = f"/protection/cases/{kase.code}/"
    client.post(f"{base}referral_accepted/", {"referral": referral.pk})
    client.post(f"{base}referral_completed/", {"referral": referral.pk, "note": "Soins faits."})
    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED
    assert "Soins faits." in client.get(base).content.decode()
    assert "Soins faits." not in referral.feedback_sealed
    # A provider with its own Jigi staff answers for itself.
    kayes_center = provider("osc-kayes", "ML010312")
    referral_consent(kase, "legal")
    other = services.refer(actor=kase.assigned_worker, case=kase,
                           to_provider_id=kayes_center.pk, service_type="legal")  # fmt: skip
    client.post(f"{base}referral_accepted/", {"referral": other.pk})
    other.refresh_from_db()
    assert other.status == Referral.Status.PENDING
