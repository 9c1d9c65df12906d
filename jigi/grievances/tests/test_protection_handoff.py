"""A hand-off to protection tells whoever sees it that the complainant disclosed violence: it
is made on a sensitive complaint only, that complaint never leaves the sensitive categories,
and nobody but a focal point sees a referral, its status or its timeline entries, even on a
row that is not sensitive (older data)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook

from conftest import signed_in
from jigi.accounts.models import User
from jigi.audit.models import AuditEntry
from jigi.core.errors import Conflict
from jigi.core.handoffs import pending_handoffs, take_up
from jigi.grievances import selectors, services
from jigi.grievances.models import Category, Complaint, Event, Level, ProtectionReferral
from jigi.grievances.tests.factories import complaint, focal_point, household, officer, rule

pytestmark = pytest.mark.django_db

# What would tell a reader that the complaint was handed to protection.
TELLTALES = (
    "protection",
    "Référencement",
    "Référée",
    "pris en charge",
    "Prise en charge",
    'data-testid="referral',
)


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> None:
    settings.JIGI_GRIEVANCE_FILES_DIR = tmp_path / "grievances"


def _second_factor(client: Client, user: User) -> Client:
    device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def _refer(actor: User, recorded: Complaint) -> ProtectionReferral:
    return services.refer_to_protection(
        actor=actor, complaint=recorded, has_consent=True, consent_on=timezone.localdate()
    )


def _assert_nothing_about_protection(text: str) -> None:
    for telltale in TELLTALES:
        assert telltale.lower() not in text.lower(), telltale


def test_an_ordinary_complaint_is_not_referred_until_reclassified_as_sensitive(
    areas: None,
) -> None:
    focal = focal_point()
    kayes = officer()
    payment = complaint(kayes, description="Pas payé ; elle a aussi parlé de violences.")
    with pytest.raises(Conflict) as refused:
        _refer(focal, payment)
    assert "Seule une plainte sensible" in str(refused.value)
    assert "Changez d'abord sa catégorie" in str(refused.value)
    # The page refuses it in the same words, and nothing was written.
    client = _second_factor(signed_in(focal), focal)
    url = reverse("grievances:action", args=[payment.code, "refer"])
    answer = client.post(url, {"has_consent": "on", "consent_on": "2027-03-01"}, follow=True)
    assert "Seule une plainte sensible" in answer.content.decode()
    assert not ProtectionReferral.objects.exists()
    assert not Event.objects.filter(kind=Event.Kind.REFERRAL).exists()
    assert not AuditEntry.objects.filter(action="grievances.refer_protection").exists()
    assert pending_handoffs("protection", ["ML"]) == []
    # Reclassified (audited, restricted at once), it is referred.
    services.reclassify_complaint(
        actor=focal, complaint=payment, category=Category.SEA, reason="Révélation de violences"
    )
    payment.refresh_from_db()
    assert payment.is_sensitive
    _refer(focal, payment)
    assert [h.label for h in pending_handoffs("protection", ["ML"])] == [payment.code]


def test_a_complaint_loaded_before_its_reclassification_out_is_not_referred(
    areas: None,
) -> None:
    """The referral reads the complaint again under its lock: a copy loaded while it was
    sensitive does not carry a referral onto a complaint since moved out."""
    focal = focal_point()
    sea = complaint(category=Category.SEA)
    stale = Complaint.objects.get(pk=sea.pk)
    services.reclassify_complaint(
        actor=focal, complaint=sea, category=Category.INFORMATION, reason="Pas un abus"
    )
    with pytest.raises(Conflict):
        _refer(focal, stale)
    assert not ProtectionReferral.objects.exists()


@pytest.mark.parametrize("taken_up", [False, True])
def test_a_referred_complaint_never_leaves_the_sensitive_categories(
    areas: None, taken_up: bool
) -> None:
    focal = focal_point()
    sea = complaint(category=Category.SEA)
    referral = _refer(focal, sea)
    if taken_up:
        assert take_up(f"grievances:{referral.pk}")
    with pytest.raises(Conflict) as refused:
        services.reclassify_complaint(
            actor=focal, complaint=sea, category=Category.INFORMATION, reason="Erreur"
        )
    assert "référée à la protection" in str(refused.value)
    sea.refresh_from_db()
    assert (sea.category, sea.is_sensitive) == (Category.SEA, True)
    assert not AuditEntry.objects.filter(action="grievances.reclassify").exists()
    # Between sensitive categories it still moves.
    services.reclassify_complaint(
        actor=focal, complaint=sea, category=Category.STAFF_MISCONDUCT, reason="Agent en cause"
    )
    sea.refresh_from_db()
    assert (sea.category, sea.is_sensitive) == (Category.STAFF_MISCONDUCT, True)


def _inconsistent(kayes: User, focal: User) -> Complaint:
    """An ordinary complaint with a referral, as older data may hold: written directly."""
    family = household()
    payment = complaint(kayes, household_code=family.code)
    referral = ProtectionReferral.objects.create(
        complaint=payment, has_consent=True, consent_on=timezone.localdate(),
        referred_by=focal, referred_at=timezone.now(),
    )  # fmt: skip
    Event.objects.create(complaint=payment, kind=Event.Kind.REFERRAL, actor=focal,
                         at=timezone.now())  # fmt: skip
    assert take_up(f"grievances:{referral.pk}")  # adds "Pris en charge par la protection"
    assert not payment.is_sensitive
    return payment


def test_an_ordinary_officer_sees_nothing_of_a_referral_on_an_ordinary_complaint(
    areas: None,
) -> None:
    kayes = officer()
    focal = focal_point()
    payment = _inconsistent(kayes, focal)
    client = signed_in(kayes)
    page = client.get(reverse("grievances:detail", args=[payment.code]))
    assert page.status_code == 200
    assert "Pas reçu le paiement" in page.content.decode()  # the page itself is there
    _assert_nothing_about_protection(page.content.decode())
    api = client.get(f"/api/v1/grievances/{payment.code}")
    assert api.status_code == 200
    _assert_nothing_about_protection(json.dumps(api.json(), ensure_ascii=False))
    listed = client.get("/api/v1/grievances").json()
    assert [item["code"] for item in listed["items"]] == [payment.code]
    _assert_nothing_about_protection(json.dumps(listed, ensure_ascii=False))
    for name in ("grievances:list", "grievances:dashboard"):
        _assert_nothing_about_protection(client.get(reverse(name)).content.decode())
    searched = client.get(reverse("grievances:list"), {"q": payment.code}).content.decode()
    assert payment.code in searched
    _assert_nothing_about_protection(searched)
    assert payment.household is not None
    panel = client.get(reverse("registry:household_detail", args=[payment.household.code]))
    assert payment.code in panel.content.decode()
    _assert_nothing_about_protection(panel.content.decode())
    export = client.get(reverse("grievances:export"))
    sheet = load_workbook(io.BytesIO(export.content)).active
    cells = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    assert payment.code in cells
    _assert_nothing_about_protection(cells)
    # The reads that the pages use hold it back too.
    assert selectors.protection_referral_for(kayes, payment) is None
    assert Event.Kind.REFERRAL not in {e.kind for e in selectors.timeline_for(kayes, payment)}
    # A focal point sees it, to set the complaint right.
    focal_page = _second_factor(signed_in(focal), focal).get(
        reverse("grievances:detail", args=[payment.code])
    )
    assert 'data-testid="referral"' in focal_page.content.decode()
    assert "Pris en charge par la protection" in focal_page.content.decode()


def test_an_inconsistent_referred_complaint_only_moves_into_a_sensitive_category(
    areas: None,
) -> None:
    kayes = officer()
    focal = focal_point()
    payment = _inconsistent(kayes, focal)
    with pytest.raises(Conflict) as refused:
        services.reclassify_complaint(
            actor=kayes, complaint=payment, category=Category.WRONG_AMOUNT, reason="Montant"
        )
    assert "point focal" in str(refused.value)
    _assert_nothing_about_protection(str(refused.value))  # the reason is for focal points
    services.reclassify_complaint(
        actor=kayes, complaint=payment, category=Category.SEA, reason="Révélation d'abus"
    )
    payment.refresh_from_db()
    assert payment.is_sensitive
    page = signed_in(kayes).get(reverse("grievances:detail", args=[payment.code]))
    assert page.status_code == 404  # restricted to focal points at once


def test_the_audit_page_names_neither_who_referred_nor_which_complaint(
    areas: None, administrator: User
) -> None:
    """An administrator reads the audit page: beside the complaint's other entries (an
    ordinary complaint's recording names its household), a named referral would tie a
    household to a GBV disclosure."""
    focal = focal_point()
    sea = complaint(category=Category.SEA)
    _refer(focal, sea)
    page = signed_in(administrator).get(reverse("audit:entries")).content.decode()
    assert "grievances.refer_protection" in page  # the entry is there, in its place
    row = next(line for line in page.splitlines() if "grievances.refer_protection" in line)
    assert sea.code not in row
    assert focal.username not in row


def test_an_appeal_of_a_referred_complaint_goes_to_a_focal_point_only(areas: None) -> None:
    """The appeal and the escalation pick the next level's assignee by the rules: a rule for
    every category never hands a referred case to an ordinary officer."""
    focal = focal_point()
    regional = officer("plaintes.region")
    rule(regional, Level.REGIONAL)  # any category, any region
    sea = complaint(category=Category.SEA)
    _refer(focal, sea)
    services.resolve_complaint(actor=focal, complaint=sea, resolution="referred", note="VBG")
    services.appeal_complaint(actor=focal, complaint=sea, reason="Pas de suite")
    sea.refresh_from_db()
    assert (sea.status, sea.is_sensitive, sea.assigned_to) == ("appealed", True, None)
    rule(focal, Level.NATIONAL, category=Category.SEA)
    services.resolve_complaint(actor=focal, complaint=sea, resolution="referred", note="VBG")
    services.appeal_complaint(actor=focal, complaint=sea, reason="Toujours rien")
    sea.refresh_from_db()
    assert sea.assigned_to == focal
    assert not selectors.complaints_for(regional).filter(pk=sea.pk).exists()


def test_the_register_change_request_of_a_referred_complaint_says_nothing_of_protection(
    areas: None, programme_officer_kayes: User
) -> None:
    """A data correction sent to the register names the complaint by its code only: its
    reviewers learn nothing of a referral, even one left on an ordinary complaint."""
    kayes = officer()
    focal = focal_point()
    family = household()
    correction = complaint(kayes, category=Category.DATA_CORRECTION, household_code=family.code)
    ProtectionReferral.objects.create(
        complaint=correction, has_consent=True, consent_on=timezone.localdate(),
        referred_by=focal, referred_at=timezone.now(),
    )  # fmt: skip
    change = services.request_register_correction(
        actor=kayes, complaint=correction, kind="correct_household", payload={"village": "X"}
    )
    reviewer = signed_in(programme_officer_kayes)
    for url in (
        reverse("registry:change_request_detail", args=[change.pk]),
        reverse("registry:change_requests"),
        reverse("registry:household_detail", args=[family.code]),
    ):
        page = reviewer.get(url)
        assert page.status_code == 200
        _assert_nothing_about_protection(page.content.decode())
