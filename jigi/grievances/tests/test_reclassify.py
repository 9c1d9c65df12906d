"""A disclosure recorded under an ordinary category: reclassified as sensitive, it is restricted
at once; only a focal point moves it back out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import signed_in
from jigi.audit.models import AuditEntry
from jigi.core.errors import InvalidInput, NotFound
from jigi.grievances import selectors, services
from jigi.grievances.models import Category, Level
from jigi.grievances.tests.factories import complaint, focal_point, officer, rule

pytestmark = pytest.mark.django_db


def test_reclassified_as_sensitive_it_leaves_every_general_list_at_once(areas: None) -> None:
    kayes = officer()
    focal = focal_point()
    rule(focal, Level.LOCAL, category=Category.SEA)
    recorded = complaint(kayes, category=Category.OTHER)
    services.assign_complaint(actor=kayes, complaint=recorded, assignee=kayes)
    client = signed_in(kayes)
    url = reverse("grievances:action", args=[recorded.code, "reclassify"])
    refused = client.post(url, {"category": Category.SEA, "reason": ""})
    assert refused.status_code == 302
    recorded.refresh_from_db()
    assert recorded.category == Category.OTHER  # no reason: nothing changed
    moved = client.post(url, {"category": Category.SEA, "reason": "Révélation d'abus à l'appel"})
    assert moved["Location"] == reverse("grievances:list")
    recorded.refresh_from_db()
    assert (recorded.is_sensitive, recorded.assigned_to) == (True, focal)
    assert client.get(reverse("grievances:detail", args=[recorded.code])).status_code == 404
    assert recorded.code not in client.get(reverse("grievances:list")).content.decode()
    assert not selectors.complaints_for(kayes, selectors.Filters()).filter(pk=recorded.pk).exists()
    entry = AuditEntry.objects.get(action="grievances.reclassify")
    assert entry.changes == {"sensitive": [False, True]}  # the category is not named
    with pytest.raises(NotFound):
        services.reclassify_complaint(
            actor=kayes, complaint=recorded, category=Category.OTHER, reason="Erreur"
        )
    services.reclassify_complaint(
        actor=focal, complaint=recorded, category=Category.INFORMATION, reason="Pas un abus"
    )
    recorded.refresh_from_db()
    assert recorded.is_sensitive is False


def test_a_category_change_needs_a_new_category_and_a_reason(areas: None) -> None:
    kayes = officer()
    recorded = complaint(kayes)
    with pytest.raises(InvalidInput) as refused:
        services.reclassify_complaint(
            actor=kayes, complaint=recorded, category=recorded.category, reason=""
        )
    assert set(refused.value.errors) == {"category", "reason"}
    services.reclassify_complaint(
        actor=kayes, complaint=recorded, category=Category.WRONG_AMOUNT, reason="Montant reçu"
    )
    entry = AuditEntry.objects.get(action="grievances.reclassify")
    assert entry.changes["category"] == [Category.PAYMENT_NOT_RECEIVED, Category.WRONG_AMOUNT]
