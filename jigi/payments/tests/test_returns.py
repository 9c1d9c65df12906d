"""Files for agencies, their returns and reconciliation: totals add up to the franc, every bad
return line is named, nothing is applied twice, a closed cycle never changes."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date

import pytest

from jigi.accounts.models import User
from jigi.accounts.tests.factories import UserFactory
from jigi.core.errors import Conflict, InvalidInput
from jigi.payments import selectors, services
from jigi.payments.models import PaymentCycle, PaymentLine
from jigi.payments.tests.factories import cycle_for, enrolled, make_programme

pytestmark = pytest.mark.django_db


def sent_cycle(households: int = 3) -> PaymentCycle:
    programme = make_programme()
    for _index in range(households):
        enrolled(programme, head={"phone": f"+2237600{_index:04d}"})
    cycle = services.generate_payroll(actor=None, cycle=cycle_for(programme))
    cycle = services.submit_cycle(actor=None, cycle=cycle)
    checker = UserFactory.create(
        username="approbateur", role="payment_officer", national_scope=True
    )
    cycle = services.approve_cycle(actor=checker, cycle=cycle)
    services.export_agency_file(actor=None, cycle=cycle, agency=None, file_format="csv")
    cycle.refresh_from_db()
    return cycle


def returns_file(rows: list[list[object]], total: int | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["payment_id", "status", "amount", "paid_at", "operator_txn_id",
                     "failure_reason"])  # fmt: skip
    writer.writerows(rows)
    if total is not None:
        writer.writerow(["TOTAL", "", total, "", "", ""])
    return out.getvalue().encode()


def test_agency_file_carries_every_line_and_its_control_total(areas: None) -> None:
    cycle = sent_cycle()
    file = services.export_agency_file(actor=None, cycle=cycle, agency=None, file_format="csv")
    rows = list(csv.reader(io.StringIO(file.content.decode())))
    assert rows[0][:3] == ["payment_id", "cycle_id", "household_code"]
    body, trailer = rows[1:-1], rows[-1]
    assert sum(int(row[7]) for row in body) == int(trailer[7]) == cycle.totals["amount_xof"]
    assert body[0][5].startswith("22376")  # MSISDN without "+" for the operator
    assert file.record.sha256 == hashlib.sha256(file.content).hexdigest()
    assert cycle.status == PaymentCycle.Status.SENT


def test_bad_return_lines_are_named_and_only_valid_ones_applied_on_request(areas: None) -> None:
    cycle = sent_cycle()
    first, second, third = cycle.lines.order_by("pk")
    content = returns_file(
        [
            [first.pk, "paid", first.amount_xof, "2027-03-10", "OM-1", ""],
            [first.pk, "paid", first.amount_xof, "2027-03-10", "OM-1", ""],  # duplicate
            [second.pk, "paid", second.amount_xof + 500, "2027-03-10", "OM-2", ""],
            [third.pk, "paid", third.amount_xof, "2026-01-01", "OM-3", ""],  # before the cycle
            [999999, "failed", 15000, "", "", "Numéro inconnu"],
        ],
        total=first.amount_xof * 2 + second.amount_xof + 500 + third.amount_xof + 15000,
    )
    checked = services.check_returns(actor=None, cycle=cycle, file_name="om.csv", content=content)
    reasons = {(error["line"], error["column"]) for error in checked.errors}
    assert reasons == {(3, "payment_id"), (4, "amount"), (5, "paid_at"), (6, "payment_id")}
    assert checked.valid_rows == 1
    assert not cycle.lines.exclude(status=PaymentLine.Status.PENDING).exists()  # nothing yet
    services.apply_returns(actor=None, returns=checked)
    first.refresh_from_db()
    assert (first.status, first.transaction_reference) == ("paid", "OM-1")
    with pytest.raises(InvalidInput, match="déjà été appliqué"):
        services.check_returns(actor=None, cycle=cycle, file_name="om.csv", content=content)


def test_wrong_control_total_is_reported(areas: None) -> None:
    cycle = sent_cycle(households=1)
    [line] = cycle.lines.all()
    content = returns_file([[line.pk, "paid", line.amount_xof, "2027-03-10", "T1", ""]], total=1)
    checked = services.check_returns(actor=None, cycle=cycle, file_name="r.csv", content=content)
    assert [error["column"] for error in checked.errors] == ["amount"]
    assert "Total de contrôle" in checked.errors[0]["reason"]


def test_reconciliation_adds_up_to_the_franc_then_the_cycle_closes_for_good(
    areas: None, administrator: User
) -> None:
    cycle = sent_cycle()
    first, second, third = cycle.lines.order_by("pk")
    content = returns_file(
        [
            [first.pk, "paid", first.amount_xof, "2027-03-10", "OM-1", ""],
            [second.pk, "failed", second.amount_xof, "", "", "Compte fermé"],
        ]
    )
    services.apply_returns(
        actor=None,
        returns=services.check_returns(actor=None, cycle=cycle, file_name="a.csv", content=content),
    )
    view = selectors.reconciliation(administrator, cycle)
    total = view["total"]
    assert total["expected_xof"] == cycle.totals["amount_xof"]
    assert (
        total["paid_xof"]
        + total["failed_xof"]
        + total["uncollected_xof"]
        + total["outstanding_xof"]
        == total["expected_xof"]
    )
    assert total["outstanding_xof"] == third.amount_xof
    with pytest.raises(InvalidInput, match="attendent encore"):
        services.reconcile_cycle(actor=None, cycle=cycle)
    late = returns_file([[third.pk, "uncollected", third.amount_xof, "", "", "Absent"]])
    services.apply_returns(
        actor=None,
        returns=services.check_returns(actor=None, cycle=cycle, file_name="b.csv", content=late),
    )
    cycle = services.close_cycle(
        actor=None, cycle=services.reconcile_cycle(actor=None, cycle=cycle)
    )
    with pytest.raises(Conflict):
        services.generate_payroll(actor=None, cycle=cycle)
    with pytest.raises(Conflict):
        services.check_returns(actor=None, cycle=cycle, file_name="b.csv", content=late)
    with pytest.raises(Conflict):
        services.export_agency_file(actor=None, cycle=cycle, agency=None, file_format="csv")
    assert cycle.status == PaymentCycle.Status.CLOSED


def test_failed_payments_of_a_reconciled_cycle_are_reissued_next_cycle(areas: None) -> None:
    cycle = sent_cycle(households=1)
    [line] = cycle.lines.all()
    content = returns_file([[line.pk, "failed", line.amount_xof, "", "", "Numéro inconnu"]])
    services.apply_returns(
        actor=None,
        returns=services.check_returns(actor=None, cycle=cycle, file_name="f.csv", content=content),
    )
    following = cycle_for(cycle.programme, number_on=date(2027, 6, 1))
    following = services.generate_payroll(actor=None, cycle=following)
    assert following.lines.get().reissue_of_id == line.pk


def test_budget_page_shows_committed_and_disbursed(areas: None, administrator: User) -> None:
    from django.urls import reverse

    from conftest import signed_in

    cycle = sent_cycle(households=2)
    first, second = cycle.lines.order_by("pk")
    content = returns_file([[first.pk, "paid", first.amount_xof, "2027-03-10", "T", ""]])
    services.apply_returns(
        actor=None,
        returns=services.check_returns(actor=None, cycle=cycle, file_name="p.csv", content=content),
    )
    [row] = signed_in(administrator).get(reverse("payments:budgets")).context["rows"]
    assert (row["committed_xof"], row["disbursed_xof"]) == (30000, 15000)
    assert row["remaining_xof"] == row["budget"].amount_xof - 30000
