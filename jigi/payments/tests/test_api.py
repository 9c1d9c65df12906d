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
