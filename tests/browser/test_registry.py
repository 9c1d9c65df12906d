"""The register in a real browser: find a household, propose a correction, approve it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from jigi.accounts.models import User
from jigi.registry.models import Individual
from jigi.registry.tests.factories import HouseholdFactory, IndividualFactory
from tests.browser.test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_open_propose_and_approve(
    live_server: Any,
    browser: Browser,
    page: Page,
    enumerator_kayes: User,
    programme_officer_kayes: User,
) -> None:
    household = HouseholdFactory.create(
        head={"given_names": "Moussa", "family_name": "Keïta", "sex": "M"}
    )
    spouse = IndividualFactory.create(
        household=household, given_names="Aïssata", family_name="Traoré"
    )

    sign_in(page, live_server.url, "enqueteur.kayes")
    page.get_by_role("link", name="Ménages").click()
    page.fill("input[name=q]", "traore")
    expect(page.get_by_test_id("count")).to_have_text("1 ménage")
    page.get_by_role("link", name=household.code).click()
    expect(page.get_by_test_id("household-code")).to_have_text(household.code)

    page.locator("tr", has_text="Aïssata Traoré").get_by_role("link", name="Modifier").click()
    page.fill("#id_family_name", "Coulibaly")
    page.fill("#id_reason", "nom d'épouse sur l'acte de mariage")
    page.click("button:text('Envoyer la demande')")
    expect(page.locator(".messages")).to_contain_text("Demande de modification envoyée")

    context = browser.new_context()
    officer = context.new_page()
    sign_in(officer, live_server.url, "programme.kayes")
    officer.get_by_role("link", name="Demandes de modification").click()
    officer.get_by_role("link", name="Corriger un membre").click()
    expect(officer.get_by_test_id("proposed")).to_contain_text("Coulibaly")
    officer.click("button:text('Approuver et appliquer')")
    expect(officer.locator(".messages")).to_contain_text("approuvée")
    context.close()

    spouse.refresh_from_db()
    assert spouse.family_name == "Coulibaly"
    page.goto(f"{live_server.url}/registry/{household.code}/")
    expect(page.get_by_test_id("history")).to_contain_text("Traoré → Coulibaly")
    assert Individual.objects.filter(family_name="Coulibaly").count() == 1
