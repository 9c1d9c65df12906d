"""Reviewing a possible duplicate in a real browser: the queue, the pair side by side, a merge
and its undo."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from jigi.accounts.models import User
from jigi.dedup import services
from jigi.dedup.tests.conftest import register  # noqa: F401 (the fixture)
from jigi.registry.models import Household, Individual
from tests.browser.test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_review_a_pair_merge_it_then_undo(
    live_server: Any,
    page: Page,
    register: tuple[Household, ...],  # noqa: F811
    administrator: User,
    programme_officer_kayes: User,
) -> None:
    services.run_dedup(actor=administrator)
    sign_in(page, live_server.url, "programme.kayes")
    page.get_by_role("link", name="Doublons").click()
    expect(page.get_by_test_id("run-summary")).to_contain_text("paires candidates")
    row = page.get_by_role("row").filter(has_text="Mahamadou Tarawele")
    row.get_by_role("link", name="Comparer").click()

    table = page.get_by_test_id("side-by-side")
    expect(table).to_contain_text("Mamadou")
    expect(table.get_by_role("row", name="Nom Traoré Tarawele")).to_have_class("differs")
    expect(page.get_by_test_id("waterfall")).to_contain_text("Mêmes noms, variantes d'orthographe")

    page.get_by_label("Fiche A (Mamadou Traoré)").check()
    page.get_by_role("button", name="Fusionner les deux fiches").click()
    expect(page.locator("body")).to_contain_text("est fusionné(e) dans Mamadou Traoré")
    duplicate = Individual.objects.get(given_names="Mahamadou")
    assert duplicate.status == Individual.Status.MERGED

    page.goto(f"{live_server.url}/duplicates/merges/")
    page.get_by_role("button", name="Annuler la fusion").click()
    expect(page.locator("body")).to_contain_text("Fusion annulée")
    duplicate.refresh_from_db()
    assert duplicate.status == Individual.Status.ALIVE
