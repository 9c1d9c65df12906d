"""Registering a household on the web in a real browser: the register's possible duplicates
stop it until the officer confirms other people."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from jigi.accounts.models import User
from jigi.dedup import services
from jigi.dedup.tests.conftest import register  # noqa: F401 (the fixture)
from jigi.registry.models import Household
from tests.browser.test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_likely_duplicate_is_shown_before_the_household_is_saved(
    live_server: Any,
    page: Page,
    register: tuple[Household, ...],  # noqa: F811
    administrator: User,
    programme_officer_kayes: User,
) -> None:
    services.run_dedup(actor=administrator)
    before = Household.objects.count()
    sign_in(page, live_server.url, "programme.kayes")
    page.get_by_role("link", name="Nouveau ménage").click()
    page.locator("#id_commune").select_option(label="Kayes")
    page.locator("#id_village").fill("Médine")
    page.locator("#id_members-0-given_names").fill("Mohamed")
    page.locator("#id_members-0-family_name").fill("Traore")
    page.locator("#id_members-0-sex").select_option("M")
    page.locator("#id_members-0-birth_date").fill("1971-01-01")
    page.locator("#id_members-0-relationship").select_option("head")
    page.get_by_role("button", name="Vérifier et enregistrer").click()

    warning = page.get_by_test_id("possible-duplicates")
    expect(warning).to_contain_text("Mamadou Traoré")
    assert Household.objects.count() == before
    page.get_by_label("J'ai vérifié").check()
    page.get_by_role("button", name="Vérifier et enregistrer").click()
    expect(page.locator("body")).to_contain_text("enregistré")
    assert Household.objects.count() == before + 1
