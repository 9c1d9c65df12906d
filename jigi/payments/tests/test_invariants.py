"""Hypothesis interleaves enrolment changes, compliance files, generation, approval, files,
returns (applied once or twice), re-issues and closing; after every step the payment
invariants must hold."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from jigi.accounts.tests.factories import UserFactory
from jigi.core.errors import Conflict, DomainError
from jigi.payments import services
from jigi.payments.models import PaymentCycle, PaymentLine
from jigi.payments.tests.factories import START, cycle_for, enrolled, make_programme
from jigi.programmes import services as programmes
from jigi.programmes.models import Enrolment

pytestmark = pytest.mark.django_db

OUTCOMES = st.sampled_from(["paid", "failed", "uncollected"])


class Payments(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.programme = make_programme(compliance_rule="30%")  # 4 500 of 15 000
        self.checker = UserFactory.create(
            username="approbateur", role="payment_officer", national_scope=True
        )
        self.day = date(2027, 2, 1)
        self.frozen: dict[int, set[tuple[int, int, int]]] = {}  # cycle → its lines at submission
        self.closed: dict[int, list[tuple[Any, ...]]] = {}  # cycle → its lines at closing

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _cycles(self, status: str) -> list[PaymentCycle]:
        return list(PaymentCycle.objects.filter(programme=self.programme, status=status))

    @rule()
    def enrol_a_household(self) -> None:
        enrolled(self.programme)

    @rule(data=st.data())
    @precondition(lambda self: Enrolment.objects.exists())
    def suspend_or_reactivate(self, data: st.DataObject) -> None:
        enrolment = data.draw(st.sampled_from(list(Enrolment.objects.order_by("pk"))))
        event = "suspended" if enrolment.status == "active" else "reactivated"
        programmes.change_enrolment_status(
            actor=None, enrolment=enrolment, event=event, on=START, reason="Essai"
        )

    @rule()
    def open_a_cycle(self) -> None:
        self.day += timedelta(days=60)
        cycle_for(self.programme, number_on=self.day)

    @rule(data=st.data(), times=st.integers(1, 2))
    def generate(self, data: st.DataObject, times: int) -> None:
        cycles = list(PaymentCycle.objects.filter(programme=self.programme))
        if not cycles:
            return
        cycle = data.draw(st.sampled_from(cycles))
        for _time in range(times):
            try:
                services.generate_payroll(actor=None, cycle=cycle)
            except Conflict:
                assert cycle.status != PaymentCycle.Status.DRAFT

    @rule(data=st.data())
    @precondition(lambda self: Enrolment.objects.exists())
    def import_compliance(self, data: st.DataObject) -> None:
        cycles = list(PaymentCycle.objects.filter(programme=self.programme))
        generated = [c for c in cycles if c.status == "draft" and c.lines.exists()]
        if data.draw(st.booleans()) and generated:
            cycles = generated  # most often after generation: the lines must follow at once
        if not cycles:
            return
        cycle = data.draw(st.sampled_from(cycles))
        codes = list(Enrolment.objects.values_list("household__code", flat=True))
        chosen = data.draw(st.lists(st.sampled_from(codes), unique=True, min_size=1))
        rows = [f"{code},{data.draw(st.sampled_from(['oui', 'non']))}" for code in chosen]
        content = "\n".join(["household_code,compliant", *rows]).encode()
        try:
            services.import_compliance(
                actor=None, cycle=cycle, file_name="c.csv", content=content, apply_valid=True
            )
        except Conflict:
            assert cycle.status != PaymentCycle.Status.DRAFT

    @rule(data=st.data())
    def submit_and_approve(self, data: st.DataObject) -> None:
        drafts = [c for c in self._cycles("draft") if c.lines.exists()]
        if not drafts:
            return
        cycle = services.submit_cycle(actor=None, cycle=data.draw(st.sampled_from(drafts)))
        self.frozen[cycle.pk] = set(cycle.lines.values_list("pk", "household_id", "amount_xof"))
        services.approve_cycle(actor=self.checker, cycle=cycle)
        services.export_agency_file(actor=None, cycle=cycle, agency=None, file_format="csv")

    @rule(data=st.data(), twice=st.booleans())
    def import_returns(self, data: st.DataObject, twice: bool) -> None:
        sent = self._cycles("sent")
        if not sent:
            return
        cycle = data.draw(st.sampled_from(sent))
        pending = list(cycle.lines.filter(status="pending").order_by("pk"))
        chosen = data.draw(st.lists(st.sampled_from(pending), unique=True)) if pending else []
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["payment_id", "status", "amount", "paid_at", "operator_txn_id"])
        for line in chosen:
            writer.writerow([line.pk, data.draw(OUTCOMES), line.amount_xof,
                             cycle.cycle_on.isoformat(), f"T{line.pk}"])  # fmt: skip
        content = out.getvalue().encode()
        for _time in range(2 if twice else 1):
            try:
                checked = services.check_returns(
                    actor=None, cycle=cycle, file_name="r.csv", content=content
                )
                services.apply_returns(actor=None, returns=checked)
            except DomainError:
                assert _time == 1  # only the second copy of a file is refused

    @rule(data=st.data())
    def reconcile_and_close(self, data: st.DataObject) -> None:
        done = [c for c in self._cycles("sent") if not c.lines.filter(status="pending").exists()]
        if not done:
            return
        cycle = services.reconcile_cycle(actor=None, cycle=data.draw(st.sampled_from(done)))
        cycle = services.close_cycle(actor=None, cycle=cycle)
        self.closed[cycle.pk] = list(
            cycle.lines.order_by("pk").values_list("pk", "status", "amount_xof", "paid_on")
        )

    @rule(data=st.data())
    @precondition(lambda self: Enrolment.objects.exists())
    def run_a_whole_cycle(self, data: st.DataObject) -> None:
        """Open, generate, approve, send, get every outcome back, close: cycles in a row are
        what bring re-issues (and re-issues that fail again)."""
        self.open_a_cycle()
        cycle = PaymentCycle.objects.filter(programme=self.programme).latest("number")
        services.generate_payroll(actor=None, cycle=cycle)
        if not cycle.lines.exists():
            return
        cycle = services.submit_cycle(actor=None, cycle=cycle)
        self.frozen[cycle.pk] = set(cycle.lines.values_list("pk", "household_id", "amount_xof"))
        services.approve_cycle(actor=self.checker, cycle=cycle)
        services.export_agency_file(actor=None, cycle=cycle, agency=None, file_format="csv")
        cycle.refresh_from_db()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["payment_id", "status", "amount", "paid_at", "operator_txn_id"])
        for line in cycle.lines.order_by("pk"):
            writer.writerow([line.pk, data.draw(OUTCOMES), line.amount_xof,
                             cycle.cycle_on.isoformat(), f"T{line.pk}"])  # fmt: skip
        checked = services.check_returns(
            actor=None, cycle=cycle, file_name="all.csv", content=out.getvalue().encode()
        )
        services.apply_returns(actor=None, returns=checked)
        self.reconcile_and_close(data)

    @invariant()
    def nobody_is_paid_twice_in_a_cycle(self) -> None:
        for cycle in PaymentCycle.objects.filter(programme=self.programme):
            households = cycle.lines.values_list("household_id", flat=True)
            assert len(households) == len(set(households))

    @invariant()
    def parts_add_up_and_totals_hold(self) -> None:
        for line in PaymentLine.objects.all():
            assert line.amount_xof == (
                line.base_xof + line.member_top_up_xof + line.emergency_xof + line.arrears_xof
                - line.deduction_xof
            )  # fmt: skip
        for cycle in PaymentCycle.objects.exclude(status="draft"):
            assert (
                sum(cycle.lines.values_list("amount_xof", flat=True)) == cycle.totals["amount_xof"]
            )

    @invariant()
    def draft_lines_carry_the_deduction_of_their_compliance(self) -> None:
        from jigi.payments.models import ComplianceRecord

        deduction = self.programme.non_compliance_deduction_xof()
        for line in PaymentLine.objects.filter(cycle__status="draft"):
            failed = ComplianceRecord.objects.filter(
                cycle_id=line.cycle_id, household_id=line.household_id, compliant=False
            ).exists()
            assert line.deduction_xof == (deduction if failed else 0)
            assert line.deduction_xof <= line.base_xof

    @invariant()
    def a_payment_is_reissued_at_most_once_and_only_if_it_failed(self) -> None:
        for line in PaymentLine.objects.filter(reissue_of__isnull=False).select_related(
            "reissue_of"
        ):
            original = line.reissue_of
            assert original is not None
            assert original.status in {"failed", "uncollected"}
            assert original.reissue_of_id is None  # a re-issue is never re-issued
            assert line.arrears_xof == original.amount_xof
            assert original.cycle_id != line.cycle_id

    @invariant()
    def frozen_payrolls_and_closed_cycles_do_not_change(self) -> None:
        for cycle_id, lines in self.frozen.items():
            now = set(
                PaymentLine.objects.filter(cycle_id=cycle_id).values_list(
                    "pk", "household_id", "amount_xof"
                )
            )
            assert now == lines
        for cycle_id, closed in self.closed.items():
            assert closed == list(
                PaymentLine.objects.filter(cycle_id=cycle_id)
                .order_by("pk")
                .values_list("pk", "status", "amount_xof", "paid_on")
            )


def test_payment_invariants_hold_whatever_the_order_of_operations(areas: None) -> None:
    machine = Payments.TestCase
    machine.settings = settings(
        max_examples=15,
        stateful_step_count=16,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    machine().runTest()
