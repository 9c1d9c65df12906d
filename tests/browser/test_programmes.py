"""Targeting and community validation in a real browser: a simulation run as a job, its page
refreshing itself when the job ends, adoption, and a village list decided row by row."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from jigi.accounts.models import User
from jigi.core.jobs import execute_job
from jigi.programmes.models import HouseholdScore, TargetingRun
from jigi.programmes.tests.factories import household, make_formula, make_programme
from tests.browser.test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_simulate_adopt_and_validate_a_village_list(
    live_server: Any, page: Page, programme_officer_kayes: User, enumerator_kayes: User
) -> None:
    programme = make_programme(quotas={"ML010312": 2})
    make_formula(programme)
    household(children=3, head={"given_names": "Bakary"})
    household(children=2, head={"given_names": "Seydou"})
    household(children=0)

    sign_in(page, live_server.url, "programme.kayes")
    page.get_by_role("link", name="Programmes", exact=True).click()
    page.get_by_role("link", name=programme.name).click()
    page.get_by_role("button", name="Nouvelle simulation de ciblage").click()
    page.get_by_label("Avec des enfants de moins de 5 ans").first.check()
    page.get_by_role("button", name="Lancer la simulation").click()
    expect(page.get_by_test_id("run-status")).to_have_text("En calcul")
    run = TargetingRun.objects.get()
    execute_job(str(run.job_id))
    # The page polls while the run computes and shows the result without a reload.
    expect(page.get_by_test_id("run-status")).to_have_text("Simulation", timeout=10_000)
    page.reload()
    expect(page.get_by_test_id("selected")).to_have_text("2 / 2")
    page.get_by_text("Adopter cette liste…").click()
    page.get_by_role("button", name="Confirmer l'adoption").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Adoptée")

    page.context.clear_cookies()
    sign_in(page, live_server.url, "enqueteur.kayes")
    page.goto(f"{live_server.url}/programmes/{programme.code}/list/")
    page.get_by_role("link", name="Liberté").click()
    bakary = page.get_by_role("row").filter(has_text="Bakary")
    bakary.get_by_role("button", name="Rejeter").click()
    expect(bakary).to_contain_text("Motif obligatoire")
    bakary.get_by_placeholder("Motif (obligatoire pour un rejet)").fill("Ménage parti à Bamako")
    bakary.get_by_role("button", name="Rejeter").click()
    expect(
        page.get_by_role("row").filter(has_text="Bakary").get_by_test_id("validation")
    ).to_have_text("Rejeté")
    page.get_by_role("row").filter(has_text="Seydou").get_by_role("button", name="Valider").click()
    expect(
        page.get_by_role("row").filter(has_text="Seydou").get_by_test_id("validation")
    ).to_have_text("Validé")
    decisions = {
        entry.household.members.get(relationship="head").given_names: entry.validation
        for entry in HouseholdScore.objects.filter(run=run).exclude(validation="")
    }
    assert decisions == {"Bakary": "rejected", "Seydou": "validated"}
