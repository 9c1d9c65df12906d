"""Demo complaints: a payment not received (assigned by the Kayes rule), an overdue one
escalated to the regional level, a sensitive case for the focal point `plaintes.eas`, and an
exclusion appeal from the demo's community validation when there is one. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from jigi.accounts.models import User
from jigi.grievances import services
from jigi.grievances.models import AssignmentRule, Category, Channel, Complaint, Level
from jigi.programmes.models import HouseholdScore
from jigi.registry.models import Household


def seed() -> dict[str, Any]:
    if Complaint.objects.exists():
        return {"complaints": Complaint.objects.count(), "created": 0}
    for username, level, region in (("plaintes.kayes", Level.LOCAL, "ML01"),
                                    ("plaintes.kayes", Level.REGIONAL, "ML01"),
                                    ("plaintes", Level.NATIONAL, None)):  # fmt: skip
        assignee = User.objects.filter(username=username).first()
        if assignee is not None:
            AssignmentRule.objects.get_or_create(assignee=assignee, level=level, region_id=region)
    focal = User.objects.filter(username="plaintes.eas").first()
    if focal is not None:
        AssignmentRule.objects.get_or_create(
            assignee=focal, level=Level.LOCAL, category=Category.SEA
        )
    family = Household.objects.filter(commune__pcode__startswith="ML01").order_by("id").first()
    created = [
        services.record_complaint(actor=None, data=services.NewComplaint(
            channel=Channel.HOTLINE, category=Category.PAYMENT_NOT_RECEIVED,
            description="Le récipiendaire n'a pas reçu le transfert du dernier cycle.",
            household_code=family.code if family else "", area_code="ML010312",
        )),
        services.record_complaint(actor=None, data=services.NewComplaint(
            channel=Channel.BOX, category=Category.INFORMATION,
            description="Quand aura lieu le prochain paiement à Kayes ?", area_code="ML0103",
        )),
        services.record_complaint(actor=None, data=services.NewComplaint(
            channel=Channel.IN_PERSON, category=Category.SEA,
            description="Signalement confidentiel reçu à l'antenne.", area_code="ML010312",
        )),
    ]  # fmt: skip
    # The information request is overdue: received 10 days ago (7-day deadline), escalated.
    overdue = created[1]
    past = timezone.now() - timedelta(days=10)
    Complaint.objects.filter(pk=overdue.pk).update(
        received_at=past, deadline_at=past + timedelta(days=7), escalate_at=past + timedelta(days=7)
    )
    services.escalate_overdue()
    rejected = HouseholdScore.objects.filter(validation=HouseholdScore.Validation.REJECTED).first()
    if rejected is not None:
        offer = services.offer_appeal(rejected)
        if offer.complaint_id is None and focal is not None:
            appeal = services.NewComplaint(
                channel=Channel.COMMITTEE, category=Category.EXCLUSION,
                description="Le ménage conteste son retrait de la liste.",
                household_code=rejected.household.code,
            )  # fmt: skip
            complaint = services.record_complaint(actor=None, data=appeal, score=rejected)
            offer.complaint = complaint
            offer.save(update_fields=["complaint"])
    return {"complaints": Complaint.objects.count(), "created": len(created)}
