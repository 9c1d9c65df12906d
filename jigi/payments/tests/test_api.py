"""The payments API as an agency integration or a script uses it: the same maker-checker,
the same scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import signed_in
from jigi.accounts.models import User
from jigi.accounts.tests.factories import UserFactory
from jigi.core.jobs import execute_job
from jigi.payments.models import Budget, PaymentCycle
from jigi.payments.tests.factories import enrolled, make_programme

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, body or {}, content_type="application/json")


def test_cycle_from_creation_to_approval_over_the_api(payment_officer: User) -> None:
    programme = make_programme()
    enrolled(programme)
    enrolled(programme)
    client = signed_in(payment_officer)
    bad = post(client, "/api/v1/payment-cycles", {"programme": "nope", "name": "c1",
               "cycle_on": "2027-03-01", "due_on": "2027-03-10", "funding_source": "ida-fa2"})  # fmt: skip
    assert bad.status_code == 422
    assert "programme" in bad.json()["errors"]
    created = post(client, "/api/v1/payment-cycles", {"programme": programme.code,
                   "name": "2027 – cycle 1", "cycle_on": "2027-03-01", "due_on": "2027-03-10",
                   "funding_source": "ida-fa2"})  # fmt: skip
    assert created.status_code == 201
    cycle_id = created.json()["id"]
    job = post(client, f"/api/v1/payment-cycles/{cycle_id}/generate")
    assert job.status_code == 202
    execute_job(job.json()["id"])
    lines = client.get(f"/api/v1/payment-cycles/{cycle_id}/lines").json()
    assert lines["count"] == 2
    assert {line["amount_xof"] for line in lines["items"]} == {15000}
    assert post(client, f"/api/v1/payment-cycles/{cycle_id}/submit").json()["status"] == "submitted"
    assert post(client, f"/api/v1/payment-cycles/{cycle_id}/approve").status_code == 403
    checker = UserFactory.create(
        username="approbatrice", role="payment_officer", national_scope=True
    )
    cycle = PaymentCycle.objects.get(pk=cycle_id)
    Budget.objects.create(funding_source=cycle.funding_source, programme=programme, year=2027,
                          amount_xof=20000)  # fmt: skip
    over = post(signed_in(checker), f"/api/v1/payment-cycles/{cycle_id}/approve")
    assert over.status_code == 422
    assert "Budget dépassé" in over.json()["detail"]
    Budget.objects.filter(programme=programme).update(amount_xof=30000)
    approved = post(signed_in(checker), f"/api/v1/payment-cycles/{cycle_id}/approve")
    assert approved.json()["status"] == "approved"
    total = client.get(f"/api/v1/payment-cycles/{cycle_id}/reconciliation").json()["total"]
    assert (total["expected_xof"], total["outstanding_xof"]) == (30000, 30000)


def test_lines_outside_the_scope_are_not_listed_and_readers_cannot_prepare(
    outsider: User, payment_officer: User
) -> None:
    programme = make_programme()
    enrolled(programme)
    from jigi.payments import services
    from jigi.payments.tests.factories import cycle_for

    cycle = services.generate_payroll(actor=None, cycle=cycle_for(programme))
    client = signed_in(outsider)  # a programme officer of Mopti
    assert client.get(f"/api/v1/payment-cycles/{cycle.pk}/lines").json()["count"] == 0
    assert post(client, f"/api/v1/payment-cycles/{cycle.pk}/generate").status_code == 403
    assert (
        signed_in(payment_officer).get(f"/api/v1/payment-cycles/{cycle.pk}/lines").json()["count"]
        == 1
    )


def test_files_returns_reconciliation_and_close_over_the_api(payment_officer: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jigi.payments import services

    programme = make_programme(compliance_rule="10%")
    first, second = enrolled(programme), enrolled(programme)
    client = signed_in(payment_officer)
    cycle_id = post(client, "/api/v1/payment-cycles", {"programme": programme.code,
                    "name": "2027 – cycle 1", "cycle_on": "2027-03-01", "due_on": "2027-03-10",
                    "funding_source": "ida-fa2"}).json()["id"]  # fmt: skip
    cycle = PaymentCycle.objects.get(pk=cycle_id)
    Budget.objects.create(
        funding_source=cycle.funding_source, programme=programme, year=2027, amount_xof=10**8
    )
    services.generate_payroll(actor=None, cycle=cycle)
    compliance = f"household_code,compliant\n{second.household.code},non\nML-NOPE,oui\n"
    refused = client.post(
        f"/api/v1/payment-cycles/{cycle_id}/compliance",
        {"file": SimpleUploadedFile("c.csv", compliance.encode())},
    )
    assert refused.status_code == 200
    assert refused.json()["written"] == 0
    assert refused.json()["errors"][0]["line"] == 3
    kept = client.post(
        f"/api/v1/payment-cycles/{cycle_id}/compliance",
        {"file": SimpleUploadedFile("c.csv", compliance.encode()), "apply_valid": "true"},
    ).json()
    assert (kept["written"], kept["non_compliant"]) == (1, 1)
    services.submit_cycle(actor=None, cycle=cycle)
    checker = UserFactory.create(username="verif2", role="payment_officer", national_scope=True)
    services.approve_cycle(actor=checker, cycle=cycle)
    downloaded = client.post(f"/api/v1/payment-cycles/{cycle_id}/files?file_format=csv")
    assert downloaded.status_code == 200
    assert downloaded["Content-Disposition"].endswith('.csv"')
    body = downloaded.content.decode().splitlines()
    assert body[-1].startswith("TOTAL")
    assert ",28500," in body[-1]
    files = client.get(f"/api/v1/payment-cycles/{cycle_id}/files").json()
    assert files[0]["sha256"] == downloaded["X-Content-SHA256"]
    assert post(client, f"/api/v1/payment-cycles/{cycle_id}/files?agency=nope").status_code == 404
    lines = {line.household_id: line for line in PaymentCycle.objects.get(pk=cycle_id).lines.all()}
    returns = "payment_id,status,amount,paid_at\n" + "\n".join(
        f"{line.pk},paid,{line.amount_xof},2027-03-05" for line in lines.values()
    )
    checked = client.post(
        f"/api/v1/payment-cycles/{cycle_id}/returns",
        {"file": SimpleUploadedFile("r.csv", returns.encode())},
    )
    assert checked.status_code == 201
    assert (checked.json()["valid_rows"], checked.json()["errors"]) == (2, [])
    returns_id = checked.json()["id"]
    applied = post(client, f"/api/v1/payment-cycles/{cycle_id}/returns/{returns_id}/apply")
    assert applied.json()["applied_rows"] == 2
    assert (
        post(client, f"/api/v1/payment-cycles/{cycle_id}/returns/{returns_id}/apply").status_code
        == 409
    )
    assert (
        post(client, f"/api/v1/payment-cycles/{cycle_id}/reconcile").json()["status"]
        == "reconciled"
    )
    assert post(client, f"/api/v1/payment-cycles/{cycle_id}/close").json()["status"] == "closed"
    assert lines[first.household_id].amount_xof == 15000
