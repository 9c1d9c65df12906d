"""Payroll generation and the maker-checker: who is paid, how much, once, and by whom approved."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse

from conftest import signed_in
from jigi.accounts.models import User
from jigi.accounts.tests.factories import UserFactory
from jigi.core.errors import Conflict, Forbidden, InvalidInput
from jigi.payments import services
from jigi.payments.models import PaymentCycle, PaymentLine
from jigi.payments.tests.factories import CYCLE_ON, START, cycle_for, enrolled, make_programme
from jigi.programmes import services as programmes
from jigi.programmes.models import TopUp
from jigi.registry.models import Individual
from jigi.registry.tests.factories import IndividualFactory

pytestmark = pytest.mark.django_db


def approver() -> User:
    return UserFactory.create(username="approbateur", role="payment_officer", national_scope=True)


def test_payroll_pays_active_enrolments_by_the_programme_rule(areas: None) -> None:
    programme = make_programme(member_top_up_xof=1000, top_up_member_cap=5)
    small = enrolled(programme)  # head and spouse
    large = enrolled(programme, children=6)  # 8 members, 5 counted
    suspended = enrolled(programme)
    programmes.change_enrolment_status(
        actor=None, enrolment=suspended, event="suspended", on=START, reason="Absences"
    )
    cycle = services.generate_payroll(actor=None, cycle=cycle_for(programme))
    lines = {line.enrolment_id: line for line in cycle.lines.all()}
    assert set(lines) == {small.pk, large.pk}
    assert lines[small.pk].amount_xof == 15000 + 2 * 1000
    assert lines[large.pk].amount_xof == 15000 + 5 * 1000
    assert cycle.totals["amount_xof"] == 17000 + 20000
    assert lines[small.pk].recipient_name == "Moussa Traoré"


def test_regenerating_or_retrying_pays_nobody_twice(areas: None) -> None:
    programme = make_programme()
    first = enrolled(programme)
    cycle = services.generate_payroll(actor=None, cycle=cycle_for(programme))
    later = enrolled(programme)  # enrolled after the first generation, before submission
    cycle = services.generate_payroll(actor=None, cycle=cycle)
    cycle = services.generate_payroll(actor=None, cycle=cycle)
    assert sorted(cycle.lines.values_list("enrolment_id", flat=True)) == [first.pk, later.pk]
    line = cycle.lines.first()
    assert line is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(
            cycle=cycle, enrolment=line.enrolment, household=line.household, commune=line.commune,
            recipient=line.recipient, recipient_name="x", channel="cash_point", members=2,
            base_xof=15000, member_top_up_xof=0, emergency_xof=0, arrears_xof=0, deduction_xof=0,
            amount_xof=15000,
        )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_two_generations_at_the_same_time_write_each_line_once(areas: None) -> None:
    programme = make_programme()
    for _index in range(5):
        enrolled(programme)
    cycle = cycle_for(programme)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def generate() -> None:
        try:
            barrier.wait()
            services.generate_payroll(actor=None, cycle=cycle)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=generate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (
        errors == []
        or connection.vendor == "sqlite"
        and all("locked" in str(error) for error in errors)
    )
    assert cycle.lines.count() == 5
    assert cycle.lines.values("household").distinct().count() == 5


def test_a_submitted_payroll_is_frozen_against_register_edits(areas: None) -> None:
    programme = make_programme()
    enrolment = enrolled(programme)
    cycle = services.submit_cycle(
        actor=None, cycle=services.generate_payroll(actor=None, cycle=cycle_for(programme))
    )
    Individual.objects.filter(pk=enrolment.recipient_id).update(given_names="Mahamadou")
    enrolled(programme)
    with pytest.raises(Conflict, match="figée"):
        services.generate_payroll(actor=None, cycle=cycle)
    [line] = cycle.lines.all()
    assert line.recipient_name == "Moussa Traoré"


def test_the_submitter_cannot_approve_and_the_budget_must_hold(areas: None) -> None:
    maker = UserFactory.create(username="preparateur", role="payment_officer", national_scope=True)
    programme = make_programme()
    enrolled(programme)
    enrolled(programme)
    cycle = cycle_for(programme, budget=20000)
    cycle = services.generate_payroll(actor=maker, cycle=cycle)
    cycle = services.submit_cycle(actor=maker, cycle=cycle)
    with pytest.raises(Forbidden, match="double validation"):
        services.approve_cycle(actor=maker, cycle=cycle)
    checker = approver()
    with pytest.raises(InvalidInput) as refused:
        services.approve_cycle(actor=checker, cycle=cycle)
    assert "30\u202f000\u202fFCFA" in str(refused.value)  # what the cycle asks
    assert "20\u202f000\u202fFCFA" in str(refused.value)  # the allocation
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.SUBMITTED
    from jigi.payments.models import Budget

    Budget.objects.filter(programme=programme).update(amount_xof=30000)
    cycle = services.approve_cycle(actor=checker, cycle=cycle)
    assert (cycle.status, cycle.approved_by) == (PaymentCycle.Status.APPROVED, checker)


def test_emergency_top_ups_are_paid_for_their_number_of_cycles(areas: None) -> None:
    programme = make_programme()
    enrolment = enrolled(programme)
    programmes.emergency_top_up(
        actor=None, programme=programme, communes=[enrolment.household.commune_id],
        shock="Inondations", amount_xof=5000, cycles=1, ends_on=date(2027, 12, 31),
    )  # fmt: skip
    checker = approver()
    first = services.generate_payroll(actor=None, cycle=cycle_for(programme))
    assert first.lines.get().emergency_xof == 5000
    services.approve_cycle(actor=checker, cycle=services.submit_cycle(actor=None, cycle=first))
    assert TopUp.objects.get().cycles_paid == 1
    second = services.generate_payroll(
        actor=None, cycle=cycle_for(programme, number_on=date(2027, 6, 1))
    )
    assert second.lines.get().emergency_xof == 0


def test_a_failed_payment_is_reissued_once_in_the_next_cycle(areas: None) -> None:
    programme = make_programme()
    enrolled(programme)
    checker = approver()
    first = services.generate_payroll(actor=None, cycle=cycle_for(programme))
    services.approve_cycle(actor=checker, cycle=services.submit_cycle(actor=None, cycle=first))
    first.lines.update(status=PaymentLine.Status.FAILED, failure_reason="Numéro inconnu")
    second = services.generate_payroll(
        actor=None, cycle=cycle_for(programme, number_on=date(2027, 6, 1))
    )
    line = second.lines.get()
    assert (line.arrears_xof, line.amount_xof) == (15000, 30000)
    assert line.reissue_of == first.lines.get()
    services.approve_cycle(actor=checker, cycle=services.submit_cycle(actor=None, cycle=second))
    third = services.generate_payroll(
        actor=None, cycle=cycle_for(programme, number_on=date(2027, 9, 1))
    )
    assert third.lines.get().arrears_xof == 0


def test_household_page_lists_its_payments(areas: None, payment_officer: User) -> None:
    programme = make_programme()
    enrolment = enrolled(programme)
    services.generate_payroll(actor=None, cycle=cycle_for(programme))
    page = signed_in(payment_officer).get(
        reverse("registry:household_detail", args=[enrolment.household.code])
    )
    assert "2027 – cycle 1" in page.content.decode()


def test_members_counted_are_those_alive_on_generation(areas: None) -> None:
    programme = make_programme(member_top_up_xof=1000)
    enrolment = enrolled(programme)
    IndividualFactory.create(household=enrolment.household, given_names="Sali", status="deceased",
                             birth_date=date(2010, 1, 1), relationship="child")  # fmt: skip
    cycle = services.generate_payroll(actor=None, cycle=cycle_for(programme))
    assert cycle.lines.get().members == 2
    assert cycle.cycle_on == CYCLE_ON


@pytest.mark.django_db(transaction=True)
def test_two_processes_generating_at_once_write_each_line_once(areas: None) -> None:
    """Two `jigi payroll generate` processes on the same database, started together: each
    household still has one line (the cycle row lock, and the constraint behind it)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    programme = make_programme()
    for _index in range(40):
        enrolled(programme)
    cycle = cycle_for(programme)
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{settings['TEST']['NAME'] or settings['NAME']}"
    else:
        url = (
            f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        )
    env = os.environ | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jigi.test_settings"}
    manage = Path(__file__).resolve().parents[3] / "manage.py"
    runs = [
        subprocess.Popen(  # noqa: S603 (our own command, no shell)
            [sys.executable, str(manage), "payroll", "generate", str(cycle.pk), "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _run in range(2)
    ]
    outcomes = [run.communicate(timeout=120) for run in runs]
    codes = [run.returncode for run in runs]
    assert (
        codes == [0, 0]
        or connection.vendor == "sqlite"
        and any("locked" in err for _out, err in outcomes)
    ), outcomes
    assert cycle.lines.count() == 40
    assert cycle.lines.values("household").distinct().count() == 40
    from jigi.audit.models import AuditEntry

    added = [
        entry.changes["lines_added"][1]
        for entry in AuditEntry.objects.filter(action="payments.generate")
    ]
    assert sorted(added) == [0, 40] or len(added) == 1  # one wrote the payroll, one found it
