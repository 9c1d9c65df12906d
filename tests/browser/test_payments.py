"""A payment cycle in a real browser, in French: the approver (not the submitter) approves, the
agency's file is downloaded with its control total, the agency's return is checked then
applied, and the cycle is reconciled."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from jigi.accounts.models import User
from jigi.accounts.tests.factories import UserFactory
from jigi.payments import services
from jigi.payments.models import PaymentCycle
from jigi.payments.tests.factories import cycle_for, enrolled, make_programme
from tests.browser.test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_approve_send_import_returns_and_reconcile(
    live_server: Any, page: Page, payment_officer: User, tmp_path: Path
) -> None:
    programme = make_programme()
    for index in range(2):
        enrolled(programme, head={"phone": f"+2237620{index:04d}"})
    maker = UserFactory.create(username="preparateur", role="payment_officer", national_scope=True)
    cycle = services.generate_payroll(actor=maker, cycle=cycle_for(programme))
    services.submit_cycle(actor=maker, cycle=cycle)

    sign_in(page, live_server.url, "paiements")
    page.get_by_role("link", name="Cycles de paiement").click()
    page.get_by_role("link", name=cycle.name).click()
    page.get_by_text("Approuver…").click()
    page.get_by_role("button", name="Confirmer l'approbation").click()
    expect(page.get_by_test_id("status")).to_have_text("Approuvé")

    with page.expect_download() as download:
        page.get_by_test_id("agency-files").get_by_role("button", name="CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[-1][0] == "TOTAL"
    assert rows[-1][7] == "30000"
    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("Envoyé aux agences")

    returned = tmp_path / "retour.csv"
    lines = rows[1:-1]
    returned.write_text(
        "payment_id,status,amount,paid_at,operator_txn_id\n"
        + "".join(f"{row[0]},paid,{row[7]},2027-03-05,OM{row[0]}\n" for row in lines)
        + "TOTAL,,30000,,\n",
        encoding="utf-8",
    )
    page.set_input_files("input[type=file]", str(returned))
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_test_id("summary")).to_contain_text("2 valides, 0 erreurs")
    page.get_by_role("button", name="Appliquer les 2 lignes valides").click()
    expect(page.locator("body")).to_contain_text("2 ligne(s) appliquée(s)")
    page.get_by_role("button", name="Marquer comme rapproché").click()
    expect(page.get_by_test_id("status")).to_have_text("Rapproché")
    assert PaymentCycle.objects.get(pk=cycle.pk).status == PaymentCycle.Status.RECONCILED
