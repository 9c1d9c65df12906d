"""What a person does in a real browser: sign in, switch language, manage users, watch a job."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD
from jigi.accounts.models import User
from jigi.core import jobs
from jigi.core.models import Job, Site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]:text-matches('Se connecter|Sign in')")


def test_login_in_french_then_switch_to_english(
    live_server: Any, page: Page, enumerator_kayes: User
) -> None:
    page.goto(f"{live_server.url}/")
    # An English browser still gets French first.
    expect(page.locator("h1")).to_have_text("Connexion à Jigi")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    sign_in(page, live_server.url, "enqueteur.kayes")
    expect(page.locator("h1")).to_contain_text("Bonjour")
    expect(page.get_by_test_id("scope")).to_have_text("Commune de Kayes")

    page.click("button[value=en]")
    expect(page.locator("h1")).to_contain_text("Hello")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_administrator_creates_a_scoped_user_who_sees_only_their_region(
    live_server: Any,
    browser: Browser,
    page: Page,
    administrator: User,
    kayes_antenna: Site,
    mopti_antenna: Site,
) -> None:
    sign_in(page, live_server.url, "admin.national")
    page.click("nav.sidenav >> text=Utilisateur·rice·s")
    page.click("text=Nouveau compte")
    page.fill("#id_username", "fatoumata.keita")
    page.fill("#id_first_name", "Fatoumata")
    page.fill("#id_last_name", "Keïta")
    page.fill("#id_password", "provisoire-tres-long")
    page.select_option("#id_role", label="Chargé·e de programme")
    page.select_option("#id_regions", label="Kayes (ML01)")
    page.click("button:text('Créer le compte')")
    expect(page.locator("h1")).to_contain_text("fatoumata.keita")
    expect(page.locator("main")).to_contain_text("Région de Kayes")

    context = browser.new_context()
    newcomer = context.new_page()
    sign_in(newcomer, live_server.url, "fatoumata.keita", "provisoire-tres-long")
    # The temporary password must be replaced first.
    expect(newcomer).to_have_url(re.compile(r"/accounts/password/$"))
    newcomer.fill("#id_new_password1", "mon-nouveau-secret-2026")
    newcomer.fill("#id_new_password2", "mon-nouveau-secret-2026")
    newcomer.click("button[type=submit]:text('Enregistrer')")
    expect(newcomer.get_by_test_id("scope")).to_have_text("Région de Kayes")
    newcomer.click("nav.sidenav >> text=Sites")
    expect(newcomer.locator("#results")).to_contain_text("Antenne régionale de Kayes")
    expect(newcomer.locator("#results")).not_to_contain_text("Mopti")
    expect(newcomer.locator("nav.sidenav")).not_to_contain_text("Utilisateur")
    context.close()


def test_a_job_shows_live_progress_until_it_finishes(
    live_server: Any, page: Page, administrator: User
) -> None:
    sign_in(page, live_server.url, "admin.national")
    page.get_by_role("link", name="Tâches", exact=True).click()
    page.get_by_role("button", name="Vérifier la chaîne d'audit").click()
    expect(page.get_by_test_id("job-status")).to_have_text("En attente")
    # The worker runs it; the open page polls and shows the outcome without a reload by hand.
    job = Job.objects.get(kind="audit.verify")
    jobs.execute_job(str(job.pk))
    expect(page.get_by_test_id("job-status")).to_have_text("Terminée", timeout=10_000)
    expect(page.get_by_test_id("job-result")).to_contain_text("True")
