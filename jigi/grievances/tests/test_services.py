"""The complaint's life through the services: recording and its refusals, deadlines and
escalation with the clock moved (no sleeping), appeals, bulk actions, attachments, the
public form's throttle, the register and protection bridges and the exclusion listener."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from freezegun import freeze_time

from jigi.accounts.models import User
from jigi.audit.models import AuditEntry
from jigi.core.codes import is_valid_code
from jigi.core.errors import Conflict, InvalidInput, NotFound
from jigi.grievances import selectors, services
from jigi.grievances.models import (
    AppealOffer,
    Attachment,
    Category,
    Channel,
    Complaint,
    Deadline,
    Level,
    PublicAttempt,
)
from jigi.grievances.tests.factories import complaint, focal_point, household, officer, rule
from jigi.payments.models import PaymentLine
from jigi.payments.tests.factories import cycle_for, enrolled, make_programme
from jigi.programmes import services as programmes
from jigi.programmes.models import HouseholdScore
from jigi.programmes.tests.factories import make_formula
from jigi.programmes.tests.test_targeting import run_now
from jigi.registry import services as registry
from jigi.registry.models import ChangeRequest

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"0" * 100


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> Path:
    settings.JIGI_GRIEVANCE_FILES_DIR = tmp_path / "grievances"
    return tmp_path / "grievances"


def test_recording_gives_a_checksummed_code_the_deadline_and_the_rules_assignee(
    areas: None,
) -> None:
    kayes = officer()
    rule(kayes, category=Category.PAYMENT_NOT_RECEIVED, region_id="ML01")
    rule(officer("plaintes.ailleurs", national_scope=True))
    with freeze_time("2027-03-01 09:00:00"):
        recorded = complaint()
    assert is_valid_code(recorded.code, frozenset({"PT"}))
    assert services.read_tracking_code(recorded.code.lower().replace("-", " ")) == recorded.code
    assert recorded.status == Complaint.Status.ASSIGNED
    assert recorded.assigned_to == kayes  # the category and region rule beats the catch-all
    assert recorded.deadline_at - recorded.received_at == timedelta(days=15)
    assert recorded.region_id == "ML01"
    assert recorded.complainant == Complaint.Complainant.ANONYMOUS
    # A code with one character changed is not read as another complaint's.
    wrong = recorded.code[:-1] + ("0" if recorded.code[-1] != "0" else "1")
    assert services.read_tracking_code(wrong) is None


def test_a_deadline_row_overrides_the_default(areas: None) -> None:
    Deadline.objects.create(category=Category.INFORMATION, days=3, escalation_days=2)
    recorded = complaint(category=Category.INFORMATION)
    assert recorded.deadline_at - recorded.received_at == timedelta(days=3)


def test_bad_input_is_refused_field_by_field_and_nothing_is_written(
    areas: None, files: Path
) -> None:
    with pytest.raises(InvalidInput) as refused:
        complaint(
            description="   ",
            household_code="KY-0000ZZ-1",
            complainant_phone="12",
            attachments=[
                services.Upload("gros.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024)),
                services.Upload("photo.png", b"MZ\x90\x00 not an image"),
            ],
        )
    errors = refused.value.errors
    assert set(errors) == {"description", "household_code", "complainant_phone", "attachments"}
    assert "KY-0000ZZ-1" in errors["household_code"][0]
    assert any("gros.jpg" in message and "5 Mo" in message for message in errors["attachments"])
    assert any("photo.png" in message for message in errors["attachments"])
    assert not Complaint.objects.exists()
    assert not files.exists() or not any(files.iterdir())


def test_a_pdf_renamed_as_a_photo_is_refused_and_good_files_are_kept(areas: None) -> None:
    with pytest.raises(InvalidInput, match="corrigez"):
        complaint(attachments=[services.Upload("recu.jpg", PDF)])
    recorded = complaint(
        attachments=[services.Upload("recu.pdf", PDF), services.Upload("photo.PNG", PNG)]
    )
    stored = list(recorded.attachments.all())
    assert [a.content_type for a in stored] == ["application/pdf", "image/png"]
    assert services.attachment_path(stored[1]).read_bytes() == PNG


def test_lifecycle_with_deadlines_resolved_in_time_then_late(areas: None) -> None:
    kayes = officer()
    with freeze_time("2027-03-01 09:00:00"):
        first = complaint()
        second = complaint()
    assert first.status == Complaint.Status.NEW
    with freeze_time("2027-03-02 10:00:00"):
        services.assign_complaint(actor=kayes, complaint=first, assignee=kayes)
        services.start_work(actor=kayes, complaint=first)
        services.add_note(actor=kayes, complaint=first, text="Appelé l'agence Orange Money.",
                          kind="action")  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        services.close_complaint(actor=kayes, complaint=first)
    assert "resolution" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        services.resolve_complaint(actor=kayes, complaint=first, resolution="rejected", note=" ")
    assert refused.value.errors["note"] == ["Motif du rejet obligatoire."]
    with freeze_time("2027-03-11 10:00:00"):
        services.resolve_complaint(
            actor=kayes, complaint=first, resolution="explained", note="Paiement retiré le 3."
        )
    with freeze_time("2027-03-20 10:00:00"):  # 19 days: past the 15-day deadline
        services.resolve_complaint(
            actor=kayes, complaint=second, resolution="corrected", note="Réémis."
        )
    with freeze_time("2027-03-21 10:00:00"):
        services.close_complaint(actor=kayes, complaint=first)
    assert first.status == Complaint.Status.CLOSED
    assert [event.kind for event in first.events.all()] == [
        "received", "assigned", "status", "action", "status", "status",
    ]  # fmt: skip
    figures = selectors.statistics_for(kayes)
    assert (figures.resolved, figures.resolved_in_time) == (2, 1)
    assert figures.share_in_time == 0.5
    assert figures.median_days == pytest.approx((10.042 + 19.042) / 2, abs=0.05)


def test_escalation_job_moves_overdue_complaints_up_once_per_period(areas: None) -> None:
    regional = officer("plaintes.region")
    national = officer("plaintes.nationales", national_scope=True)
    rule(regional, Level.REGIONAL, region_id="ML01")
    rule(national, Level.NATIONAL)
    with freeze_time("2027-03-01 09:00:00"):
        late = complaint()  # 15 days
        on_time = complaint(category=Category.SUGGESTION)  # 30 days
    with freeze_time("2027-03-16 09:00:01"):
        assert services.escalate_overdue() == {"escalated": 1, "checked": 1}
        assert services.escalate_overdue() == {"escalated": 0, "checked": 0}
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert (late.level, late.assigned_to) == (Level.REGIONAL, regional)
    assert late.status == Complaint.Status.ASSIGNED  # it was new, with nobody to handle it
    assert on_time.level == Level.LOCAL
    with freeze_time("2027-03-23 09:00:02"):  # 7 more days at the regional level
        services.escalate_overdue()
    late.refresh_from_db()
    assert (late.level, late.assigned_to) == (Level.NATIONAL, national)
    with freeze_time("2027-06-01"):
        services.escalate_overdue()
    late.refresh_from_db()
    assert late.level == Level.NATIONAL  # nothing above national
    assert AuditEntry.objects.filter(action="grievances.escalate", target_id=late.pk).count() == 2


def test_escalation_as_a_job_reports_progress(areas: None) -> None:
    from jigi.core.jobs import execute_job

    with freeze_time("2027-03-01"):
        complaint()
    with freeze_time("2027-04-01"):
        job = services.start_escalation(actor=None, enqueue=False)
        finished = execute_job(str(job.pk))
    assert finished.status == "succeeded"
    assert finished.result == {"escalated": 1, "checked": 1}


def test_appeal_after_resolution_goes_up_a_level(areas: None) -> None:
    kayes = officer()
    regional = officer("plaintes.region")
    rule(regional, Level.REGIONAL)
    recorded = complaint()
    services.resolve_complaint(actor=kayes, complaint=recorded, resolution="explained", note="x")
    with pytest.raises(InvalidInput):
        services.appeal_complaint(actor=kayes, complaint=recorded, reason="")
    services.appeal_complaint(actor=kayes, complaint=recorded, reason="Toujours rien reçu.")
    assert (recorded.status, recorded.level, recorded.assigned_to) == (
        Complaint.Status.APPEALED, Level.REGIONAL, regional,
    )  # fmt: skip
    assert recorded.resolution == ""
    assert recorded.appeals == 1
    with pytest.raises(InvalidInput):
        services.close_complaint(actor=kayes, complaint=recorded)  # unresolved again: refused


def test_sensitive_cases_are_for_focal_points_only(areas: None) -> None:
    kayes = officer()
    focal = focal_point()
    ordinary = complaint()
    sea = complaint(category=Category.SEA, description="Un agent a demandé des faveurs.")
    assert sea.is_sensitive
    assert list(selectors.complaints_for(kayes)) == [ordinary]
    assert selectors.statistics_for(kayes).total == 1
    assert list(selectors.complaints_for(focal)) == [ordinary]  # general lists never hold them
    assert list(selectors.sensitive_for(focal)) == [sea]
    with pytest.raises(NotFound):
        selectors.get_complaint_for(kayes, sea.code)
    with pytest.raises(NotFound):
        selectors.sensitive_for(kayes)
    with pytest.raises(NotFound):
        services.resolve_complaint(actor=kayes, complaint=sea, resolution="referred", note="x")
    with pytest.raises(InvalidInput):  # an ordinary officer cannot be given a sensitive case
        services.assign_complaint(actor=focal, complaint=sea, assignee=kayes)
    assert selectors.get_complaint_for(focal, sea.code) == sea
    opened = AuditEntry.objects.get(action="grievances.open_sensitive")
    assert (opened.actor_label, opened.target_label) == ("plaintes.eas", sea.code)
    assert not AuditEntry.objects.filter(changes__icontains="faveurs").exists()


def test_referral_to_protection_needs_consent_and_copies_no_narrative(areas: None) -> None:
    focal = focal_point()
    sea = complaint(category=Category.SEA, description="Récit confidentiel.")
    with pytest.raises(InvalidInput) as refused:
        services.refer_to_protection(actor=focal, complaint=sea, has_consent=False, consent_on=None)
    assert set(refused.value.errors) == {"has_consent", "consent_on"}
    referral = services.refer_to_protection(
        actor=focal, complaint=sea, has_consent=True, consent_on=timezone.localdate()
    )
    assert referral.referred_by == focal
    assert "Récit" not in str([vars(referral)])
    with pytest.raises(Conflict):
        services.refer_to_protection(
            actor=focal, complaint=sea, has_consent=True, consent_on=timezone.localdate()
        )


def test_bulk_close_needs_a_reason_and_closes_all_or_none(areas: None) -> None:
    kayes = officer()
    rows = [complaint(category=Category.INFORMATION) for _ in range(3)]
    with pytest.raises(InvalidInput) as refused:
        services.bulk_close(actor=kayes, complaints=rows, resolution="explained", reason="")
    assert "reason" in refused.value.errors
    services.bulk_close(actor=kayes, complaints=rows, resolution="rejected", reason="Doublons")
    assert set(Complaint.objects.values_list("status", "resolution")) == {("closed", "rejected")}


def test_bulk_assign(areas: None) -> None:
    kayes = officer()
    other = officer("plaintes.autre")
    rows = [complaint() for _ in range(2)]
    assert services.bulk_assign(actor=kayes, complaints=rows, assignee=other, reason="Congé") == 2
    assert set(Complaint.objects.values_list("assigned_to__username", flat=True)) == {
        "plaintes.autre"
    }


def test_public_form_is_throttled_per_address(areas: None, settings: Any) -> None:
    settings.JIGI_PUBLIC_SUBMISSIONS_PER_HOUR = 2

    def submit(address: str) -> Complaint:
        data = services.NewComplaint(channel="api", category="suggestion",
                                     description="Plus de points de paiement.", area_code="ML01")  # fmt: skip
        return services.submit_public_complaint(address=address, data=data)

    assert submit("10.0.0.1").channel == Channel.WEB
    submit("10.0.0.1")
    with pytest.raises(InvalidInput, match="Trop de demandes"):
        submit("10.0.0.1")
    submit("10.0.0.2")  # another address is not held back
    assert Complaint.objects.count() == 3
    assert not PublicAttempt.objects.filter(address_hash__contains="10.0.0").exists()
    with freeze_time(timezone.now() + timedelta(hours=1, minutes=1)):
        submit("10.0.0.1")


def test_a_payment_complaint_names_the_households_last_payment(
    areas: None, payment_officer: User
) -> None:
    from jigi.payments import services as payments

    programme = make_programme()
    enrolment = enrolled(programme)
    cycle = payments.generate_payroll(actor=None, cycle=cycle_for(programme))
    cycle = payments.submit_cycle(actor=None, cycle=cycle)
    payments.approve_cycle(actor=payment_officer, cycle=cycle)
    kayes = officer()
    recorded = complaint(kayes, household_code=enrolment.household.code.lower())
    line = PaymentLine.objects.get()
    assert (recorded.payment_line, recorded.cycle, recorded.household) == (
        line, cycle, enrolment.household,
    )  # fmt: skip
    shown = selectors.payment_context(kayes, recorded)
    assert shown is not None
    assert shown["line"] == line
    assert shown["reconciliation"]["expected_lines"] == 1


def test_data_correction_becomes_a_change_request_and_resolves_once_approved(
    areas: None, programme_officer_kayes: User
) -> None:
    family = household()
    kayes = officer()
    recorded = complaint(kayes, category=Category.DATA_CORRECTION, household_code=family.code,
                         description="Le village est mal écrit.")  # fmt: skip
    change = services.request_register_correction(
        actor=kayes, complaint=recorded, kind="correct_household", payload={"village": "Plateau"}
    )
    assert recorded.status == Complaint.Status.IN_PROGRESS
    assert change.status == ChangeRequest.Status.PENDING
    assert recorded.code in change.reason
    with pytest.raises(InvalidInput, match="résolution"):
        services.resolve_complaint(actor=kayes, complaint=recorded, resolution="corrected",
                                   note="Corrigé")  # fmt: skip
    registry.approve_change(actor=programme_officer_kayes, change=change)
    recorded.refresh_from_db()
    services.resolve_complaint(actor=kayes, complaint=recorded, resolution="corrected",
                               note="Corrigé au registre")  # fmt: skip
    family.refresh_from_db()
    assert family.village == "Plateau"


def test_a_community_rejection_offers_an_appeal_recorded_with_its_context(
    areas: None, enumerator_kayes: User
) -> None:
    programme = make_programme(quotas={"ML010312": 1})
    make_formula(programme)
    family = household(children=3)
    run = programmes.adopt_run(actor=None, run=run_now(programme))
    score = HouseholdScore.objects.get(run=run, household=family)
    programmes.validate_household(
        actor=enumerator_kayes, score=score, validated=False, reason="Ménage aisé selon le comité"
    )
    kayes = officer()
    offer = selectors.appeal_offers_for(kayes).get()
    assert offer.household == family
    assert not Complaint.objects.exists()
    appeal = services.record_appeal_from_offer(
        actor=kayes, offer=offer, channel=Channel.COMMITTEE, description="Nous sommes pauvres."
    )
    assert appeal.category == Category.EXCLUSION
    assert appeal.score == score
    assert "Ménage aisé selon le comité" in appeal.description
    assert not selectors.appeal_offers_for(kayes).exists()
    with pytest.raises(Conflict):
        services.record_appeal_from_offer(actor=kayes, offer=AppealOffer.objects.get(),
                                          channel="hotline", description="")  # fmt: skip


def test_staff_record_inside_their_scope(areas: None, enumerator_kayes: User) -> None:
    assert complaint(enumerator_kayes).area_id == "ML010312"
    with pytest.raises(InvalidInput) as refused:
        complaint(enumerator_kayes, area_code="ML050609")
    assert "area_code" in refused.value.errors
    assert Attachment.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_escalate_command_runs_the_job(areas: None) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    with freeze_time("2027-03-01"):
        complaint()
    out = StringIO()
    with freeze_time("2027-04-01"):
        call_command("grievances", "escalate", "--json", stdout=out)
    assert json.loads(out.getvalue())["escalated"] == 1


def test_a_resolved_or_closed_complaint_is_not_reassigned_even_in_bulk(areas: None) -> None:
    kayes = officer()
    other = officer("plaintes.kayes2")
    done = complaint(category=Category.INFORMATION)
    services.resolve_complaint(actor=kayes, complaint=done, resolution="explained", note="Le 15.")
    still_open = complaint(category=Category.INFORMATION)
    with pytest.raises(Conflict):
        services.assign_complaint(actor=kayes, complaint=done, assignee=other)
    with pytest.raises(Conflict):
        services.bulk_assign(
            actor=kayes, complaints=[still_open, done], assignee=other, reason="Congé"
        )
    still_open.refresh_from_db()
    done.refresh_from_db()
    assert still_open.assigned_to is None
    assert done.assigned_to is None
    assert done.status == Complaint.Status.RESOLVED
