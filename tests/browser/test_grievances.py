"""Recording and resolving a complaint in French in a real browser: the form refuses an empty
description by name, the receipt gives the tracking code, the officer resolves and closes it,
and the public status page shows "Clôturée" for the code."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from jigi.grievances.models import Complaint
from jigi.grievances.tests.factories import household, officer
from tests.browser.test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_resolve_and_close_a_complaint_in_french(
    live_server: Any, page: Page, areas: None
) -> None:
    officer()
    family = household()
    sign_in(page, live_server.url, "plaintes.kayes")
    page.get_by_role("link", name="Enregistrer une plainte", exact=True).click()
    page.get_by_label("Canal").select_option("hotline")
    page.get_by_label("Catégorie").select_option("payment_not_received")
    page.get_by_label("Code ménage").fill(family.code)
    page.get_by_role("button", name="Enregistrer la plainte").click()
    expect(page.get_by_role("alert")).to_contain_text("Décrivez la plainte")
    page.get_by_label("Description").fill("Le récipiendaire n'a rien reçu au dernier cycle.")
    page.get_by_role("button", name="Enregistrer la plainte").click()
    code = Complaint.objects.get().code
    expect(page.get_by_test_id("tracking-code")).to_have_text(code)
    page.get_by_role("button", name="Ouvrir la plainte").click()
    expect(page.get_by_test_id("status")).to_have_text("Nouvelle")
    page.get_by_label("Type de résolution").select_option("explained")
    page.locator("#id_note").fill("Paiement retiré le 3 ; expliqué au téléphone.")
    page.get_by_role("button", name="Enregistrer la résolution").click()
    expect(page.get_by_test_id("status")).to_have_text("Résolue")
    page.get_by_text("Clôturer…").click()
    page.get_by_role("button", name="Confirmer la clôture").click()
    expect(page.get_by_test_id("status")).to_have_text("Clôturée")
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/plainte/suivi/?code={code.lower()}")
    expect(page.get_by_test_id("public-status").get_by_test_id("status")).to_have_text("Clôturée")
    expect(page.locator("main")).not_to_contain_text("rien reçu")
