"""The payment pages and `jigi payroll generate` as payment officers use them."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import signed_in
from jigi.accounts.models import User
from jigi.accounts.tests.factories import UserFactory
from jigi.core.jobs import execute_job
from jigi.core.models import FundingSource, Job
from jigi.payments.models import PaymentCycle
from jigi.payments.tests.factories import cycle_for, enrolled, make_programme

pytestmark = pytest.mark.django_db


def test_officer_creates_generates_submits_and_another_approves(payment_officer: User) -> None:
    programme = make_programme()
    enrolled(programme)
    enrolled(programme, head={"phone": "+22376000001"})
    client = signed_in(payment_officer)
    response = client.post(
        reverse("payments:cycle_create"),
        {"programme": programme.pk, "name": "2027 – cycle 1", "cycle_on": "2027-03-01",
         "due_on": "2027-03-15", "funding_source": FundingSource.objects.get(code="ida-fa2").pk},
    )  # fmt: skip
    cycle = PaymentCycle.objects.get()
    assert response["Location"] == reverse("payments:cycle", args=[cycle.pk])
    job_page = client.post(reverse("payments:cycle_action", args=[cycle.pk, "generate"]))
    job = Job.objects.get(kind="payments.generate")
    assert job_page["Location"] == reverse("core:job_detail", args=[job.pk])
    assert execute_job(str(job.pk)).status == Job.Status.SUCCEEDED
    page = client.get(reverse("payments:cycle", args=[cycle.pk]))
    assert "30\u202f000\u202fFCFA" in page.content.decode()
    client.post(reverse("payments:cycle_action", args=[cycle.pk, "submit"]))
    refused = client.post(reverse("payments:cycle_action", args=[cycle.pk, "approve"]), follow=True)
    assert "double validation" in refused.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.SUBMITTED
    checker = UserFactory.create(
        username="approbatrice", role="payment_officer", national_scope=True
    )
    from jigi.payments.models import Budget

    Budget.objects.create(funding_source=cycle.funding_source, programme=programme, year=2027,
                          amount_xof=1_000_000)  # fmt: skip
    signed_in(checker).post(reverse("payments:cycle_action", args=[cycle.pk, "approve"]))
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.APPROVED


def test_shared_numbers_are_flagged_before_submission(payment_officer: User) -> None:
    programme = make_programme()
    enrolled(programme, head={"phone": "+22376000009"})
    enrolled(programme, head={"phone": "+22376000009"})
    from jigi.payments import services

    cycle = services.generate_payroll(actor=None, cycle=cycle_for(programme))
    page = signed_in(payment_officer).get(reverse("payments:cycle", args=[cycle.pk]))
    kinds = [anomaly.kind for anomaly in page.context["anomalies"]]
    assert kinds == ["shared_number"]


def test_programme_officers_read_but_do_not_prepare_payments(programme_officer_kayes: User) -> None:
    client = signed_in(programme_officer_kayes)
    assert client.get(reverse("payments:cycles")).status_code == 200
    assert client.get(reverse("payments:cycle_create")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_jigi_payroll_generate(areas: None) -> None:
    programme = make_programme()
    enrolled(programme)
    cycle = cycle_for(programme)
    out = io.StringIO()
    with contextlib.suppress(SystemExit):
        call_command("payroll", "generate", str(cycle.pk), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["ok"], result["lines"], result["amount_xof"]) == (True, 1, 15000)
    missing = io.StringIO()
    with contextlib.suppress(SystemExit):
        call_command("payroll", "generate", "999", "--json", stdout=missing)
    assert "999" in json.loads(missing.getvalue())["error"]


@pytest.mark.django_db(transaction=True)
def test_jigi_payroll_export_then_import_returns(areas: None, tmp_path: object) -> None:
    from pathlib import Path

    from jigi.payments import services

    folder = Path(str(tmp_path))
    programme = make_programme(compliance_rule="10%")
    member = enrolled(programme)
    draft = services.generate_payroll(actor=None, cycle=cycle_for(programme))
    (folder / "conformite.csv").write_text(
        f"household_code,compliant\n{member.household.code},non\nML-NOPE,oui\n"
    )

    def jigi(*args: str) -> dict[str, object]:
        out = io.StringIO()
        with contextlib.suppress(SystemExit):
            call_command("payroll", *args, "--json", stdout=out)
        result: dict[str, object] = json.loads(out.getvalue())
        return result

    refused = jigi("compliance", str(draft.pk), str(folder / "conformite.csv"))
    assert (refused["ok"], refused["applied"]) == (False, 0)
    kept = jigi("compliance", str(draft.pk), str(folder / "conformite.csv"), "--apply-valid")
    assert (kept["applied"], kept["non_compliant"]) == (1, 1)
    cycle = services.submit_cycle(actor=None, cycle=draft)
    checker = UserFactory.create(
        username="approbatrice", role="payment_officer", national_scope=True
    )
    services.approve_cycle(actor=checker, cycle=cycle)
    exported = jigi("export", str(cycle.pk), "--out", str(folder / "om.csv"))
    assert (exported["rows"], exported["total_xof"]) == (1, 13500)
    line = cycle.lines.get()
    (folder / "ret.csv").write_text(
        f"payment_id,status,amount,paid_at,operator_txn_id\n{line.pk},paid,13500,2027-03-05,OM9\n"
    )
    checked = jigi("import-returns", str(cycle.pk), str(folder / "ret.csv"))
    assert (checked["valid"], checked["applied"]) == (1, 0)
    applied = jigi("import-returns", str(cycle.pk), str(folder / "ret.csv"), "--apply")
    assert applied["applied"] == 1
    line.refresh_from_db()
    assert line.status == "paid"


def test_files_returns_and_reconciliation_from_the_cycle_page(payment_officer: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jigi.payments import services

    programme = make_programme()
    enrolled(programme)
    cycle = services.submit_cycle(
        actor=None, cycle=services.generate_payroll(actor=None, cycle=cycle_for(programme))
    )
    services.approve_cycle(actor=payment_officer, cycle=cycle)
    client = signed_in(payment_officer)
    download = client.post(reverse("payments:cycle_file", args=[cycle.pk]), {"format": "csv"})
    assert download["Content-Disposition"].startswith("attachment")
    line = cycle.lines.get()
    upload = SimpleUploadedFile(
        "retour.csv",
        f"payment_id,status,amount,paid_at\n{line.pk},paid,14000,2027-03-05\n".encode(),
    )
    checked = client.post(reverse("payments:cycle_returns", args=[cycle.pk]), {"file": upload})
    page = client.get(checked["Location"])
    assert "14000" in page.content.decode()
    assert "différent de la liste" in page.content.decode()
    line.refresh_from_db()
    assert line.status == "pending"
    cycle_page = client.get(reverse("payments:cycle", args=[cycle.pk]))
    assert cycle_page.context["reconciliation"]["total"]["outstanding_xof"] == 15000


def test_demo_payroll_waits_for_the_payment_officer(areas: None) -> None:
    from jigi.core.refdata import load_demo_reference
    from jigi.payments import demo
    from jigi.programmes import demo as programmes_demo
    from jigi.programmes.tests.factories import household

    load_demo_reference()
    for children in (0, 1, 2, 3, 1, 2):
        household(commune="ML010513", children=children)
    programmes_demo.seed()
    first = demo.seed()
    cycle = PaymentCycle.objects.get()
    assert cycle.status == PaymentCycle.Status.SUBMITTED
    assert first["lines"] == cycle.lines.count() > 0
    assert not cycle.lines.filter(agency__isnull=True).exists()  # Kayes: Orange Money
    assert demo.seed()["created"] == 0


def test_compliance_file_from_the_cycle_page(payment_officer: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jigi.core.money import format_xof
    from jigi.payments import services

    programme = make_programme(compliance_rule="2500")
    member = enrolled(programme)
    cycle = services.generate_payroll(actor=None, cycle=cycle_for(programme))
    client = signed_in(payment_officer)
    page = client.get(reverse("payments:cycle", args=[cycle.pk])).content.decode()
    assert "Importer la conformité" in page
    assert format_xof(2500) in page
    url = reverse("payments:cycle_compliance", args=[cycle.pk])
    bad = f"household_code;compliant\n{member.household.code};non\n<b>ML-X</b>;oui\n"
    refused = client.post(url, {"file": SimpleUploadedFile("c.csv", bad.encode())})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Code de ménage inconnu" in text
    assert "&lt;B&gt;ML-X&lt;/B&gt;" in text
    assert cycle.lines.get().deduction_xof == 0  # nothing written
    client.post(url, {"file": SimpleUploadedFile("c.csv", bad.encode()), "apply_valid": "on"})
    assert cycle.lines.get().amount_xof == 12500
    page = client.get(reverse("payments:cycle", args=[cycle.pk])).content.decode()
    assert "dont 1 non conforme" in page


def test_approvers_assign_agencies_by_region_and_others_only_read(
    payment_officer: User, programme_officer_kayes: User
) -> None:
    from datetime import date

    from jigi.core.models import AdminArea
    from jigi.payments import services
    from jigi.payments.models import AgencyAssignment, PaymentAgency

    programme = make_programme()
    agency = PaymentAgency.objects.create(
        code="moov", name="Moov Money", kind="mobile_money", contract_reference="M-1",
        contract_starts_on=date(2026, 1, 1),
    )  # fmt: skip
    expired = PaymentAgency.objects.create(
        code="ancien", name="Ancien opérateur", kind="cash_agents", contract_reference="A-0",
        contract_starts_on=date(2020, 1, 1), contract_ends_on=date(2021, 1, 1),
    )  # fmt: skip
    kayes = AdminArea.objects.get(pcode="ML01")
    client = signed_in(payment_officer)
    url = reverse("payments:agencies")
    page = client.get(url).content.decode()
    assert "Moov Money" in page
    assert "échu" in page
    refused = client.post(url, {"programme": programme.pk, "region": kayes.pk,
                                "agency": expired.pk})  # fmt: skip
    assert refused.status_code == 400
    assert "a pris fin" in refused.content.decode()
    client.post(url, {"programme": programme.pk, "region": kayes.pk, "agency": agency.pk})
    assert AgencyAssignment.objects.get(programme=programme, region=kayes).agency == agency
    enrolled(programme)
    cycle = services.generate_payroll(actor=None, cycle=cycle_for(programme))
    assert cycle.lines.get().agency == agency
    reader = signed_in(programme_officer_kayes)
    assert reader.get(url).status_code == 200
    assert reader.post(url, {"programme": programme.pk, "region": kayes.pk}).status_code == 403
    assert AgencyAssignment.objects.filter(programme=programme).count() == 1
