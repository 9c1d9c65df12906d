"""GBV work in French in a real browser: a case worker (second factor, a case opened with
consent, an incident classified from the guided questions — a date in the future refused
first —, a referral refused without consent, then the quick exit signs her out), and a supervisor
reading who opened a case and who was refused."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from jigi.core.errors import NotFound
from jigi.protection import selectors
from jigi.protection.models import Case
from jigi.protection.tests.factories import NO_ANSWERS, case, partner, provider, supervisor, worker
from tests.browser.test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_case_worker_opens_a_case_classifies_an_incident_and_exits(
    live_server: Any, page: Page, areas: None
) -> None:
    me = worker()
    provider()
    clinic = partner()
    device = TOTPDevice.objects.create(user=me, name="téléphone", confirmed=True)
    sign_in(page, live_server.url, "vbg.gestionnaire")
    page.get_by_label("Code à 6 chiffres").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Vérifier").click()

    page.get_by_role("link", name="Ouvrir un dossier", exact=True).first.click()
    page.get_by_label("Prestataire").select_option(index=1)
    page.get_by_label("Sexe de la survivante / du survivant").select_option("female")
    page.get_by_label("Niveau de risque").select_option("high")
    page.get_by_label("Nom (facultatif)").fill("Aminata Diallo")
    page.get_by_role("button", name="Ouvrir le dossier").click()
    expect(page.get_by_test_id("status")).to_have_text("Ouvert")
    code = Case.objects.get().code
    expect(page.get_by_test_id("code")).to_have_text(code)
    expect(page).not_to_have_title("Aminata")

    page.get_by_text("Enregistrer un incident…").click()
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.locator("#incident_incident_on").fill(tomorrow.isoformat())
    page.locator("#incident_region").select_option("ML09")
    page.locator("#incident_survivor_age").fill("16")
    page.locator("#incident_perpetrator_relationship").select_option("family")
    for key in NO_ANSWERS:
        answer = "yes" if key == "sexual_contact" else "no"
        page.locator(f"input[name={key}][value={answer}]").check()
    page.get_by_role("button", name="Enregistrer l'incident").click()
    expect(page.locator(".message.error")).to_contain_text("ne peut pas être dans le futur")

    page.get_by_text("Enregistrer un incident…").click()
    page.locator("#incident_incident_on").fill(timezone.localdate().isoformat())
    page.locator("#incident_region").select_option("ML09")
    page.locator("#incident_survivor_age").fill("16")
    page.locator("#incident_perpetrator_relationship").select_option("family")
    for key in NO_ANSWERS:
        answer = "yes" if key == "sexual_contact" else "no"
        page.locator(f"input[name={key}][value={answer}]").check()
    page.get_by_role("button", name="Enregistrer l'incident").click()
    expect(page.get_by_test_id("incident-type")).to_contain_text("Agression sexuelle")
    expect(page.get_by_test_id("incidents")).to_contain_text("Abus sexuel sur enfant")

    page.get_by_text("Orienter vers un prestataire…").click()
    page.locator("#referral_to_provider").select_option(str(clinic.pk))
    page.locator("#referral_service_type").select_option("health")
    page.get_by_role("button", name="Envoyer l'orientation").click()
    expect(page.locator(".message.error")).to_contain_text("Pas de consentement")
    expect(page.get_by_test_id("referrals")).to_contain_text("Aucune orientation")

    # The neutral page is answered here: the test machine has no network.
    page.route("https://www.wikipedia.org/**", lambda route: route.fulfill(body="Wikipedia"))
    page.get_by_test_id("quick-exit").click()
    page.wait_for_url("https://www.wikipedia.org/**")
    page.goto(f"{live_server.url}/protection/cases/{code}/")
    expect(page.locator("h1")).to_have_text("Connexion à Jigi")


def test_a_supervisor_finds_who_opened_a_case_and_who_was_refused(
    live_server: Any, page: Page, areas: None
) -> None:
    me = worker()
    provider()
    kase = case(me, name="Fanta Koné")
    selectors.case_file(me, kase.code)  # the case worker reads the file
    stranger = worker("vbg.kayes", "osc-kayes", area="ML010312")
    with contextlib.suppress(NotFound):
        selectors.get_case_for(stranger, kase.code)  # another site's worker tries
    boss = supervisor()
    device = TOTPDevice.objects.create(user=boss, name="téléphone", confirmed=True)
    sign_in(page, live_server.url, "vbg.superviseure")
    page.get_by_label("Code à 6 chiffres").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Vérifier").click()

    page.get_by_role("link", name="Journal d'accès VBG").first.click()
    audit = page.get_by_test_id("audit")
    expect(audit).to_contain_text(kase.code)
    expect(audit).to_contain_text("vbg.gestionnaire")
    expect(page.locator("body")).not_to_contain_text("Fanta")  # names fields, never values
    page.get_by_label("Utilisateur·rice").fill("vbg.kayes")
    page.get_by_role("button", name="Filtrer").click()  # htmx: the table alone is replaced
    expect(page).to_have_url(re.compile(r"user=vbg\.kayes"))
    expect(page.get_by_test_id("count")).to_have_text("1 entrée")
    expect(audit.locator("tr.refused")).to_contain_text("Refusé")

    page.get_by_role("link", name=kase.code).first.click()
    expect(page.locator("h1")).to_contain_text(kase.code)
    expect(page.get_by_test_id("audit")).to_contain_text("vbg.kayes")
