"""An import in a real browser: upload a file, watch it checked, review, commit, see the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import KAYES_COMMUNE
from jigi.accounts.models import User
from jigi.core import jobs
from jigi.core.models import Job
from jigi.registry.models import Household
from tests.browser.test_ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_queued_job() -> None:
    """What the worker does, once the page has queued a step."""
    job = Job.objects.filter(status=Job.Status.QUEUED).get()
    jobs.execute_job(str(job.pk))


def test_upload_check_review_and_commit(
    live_server: Any, page: Page, programme_officer_kayes: User, tmp_path: Path, settings: Any
) -> None:
    settings.JIGI_IMPORT_DIR = tmp_path / "imports"
    source = tmp_path / "recensement.csv"
    source.write_text(
        "household_id;commune_pcode;village;relationship;given_names;family_name;sex;birth_date\n"
        f"A1;{KAYES_COMMUNE};Kayes N'Di;head;Moussa;Sidibé;M;12/03/1968\n"
        f"A1;{KAYES_COMMUNE};Kayes N'Di;spouse;Hawa;Sidibé;F;1975-01-01\n"
        f"A2;{KAYES_COMMUNE};Kayes N'Di;head;Bakary;Diallo;X;1990-01-01\n",
        encoding="utf-8",
    )
    sign_in(page, live_server.url, "programme.kayes")
    page.get_by_role("link", name="Imports").click()
    page.get_by_role("button", name="Importer un fichier").click()
    page.set_input_files("input[type=file]", str(source))
    page.get_by_role("button", name="Déposer et vérifier").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("Vérification en cours")

    run_queued_job()  # the page polls and reloads itself when the check is over
    expect(page.get_by_test_id("batch-status")).to_have_text("Vérifié, à confirmer", timeout=10_000)
    expect(page.get_by_test_id("new")).to_have_text("1")
    expect(page.get_by_test_id("errors")).to_have_text("1")
    expect(page.get_by_test_id("error-table")).to_contain_text("n’est pas un choix valide")
    assert not Household.objects.exists()

    page.get_by_label("Enregistrer les ménages valides, ignorer les autres").check()
    page.get_by_role("button", name="Enregistrer dans le registre").click()
    run_queued_job()
    expect(page.get_by_test_id("batch-status")).to_have_text("Enregistré", timeout=10_000)
    expect(page.get_by_test_id("committed")).to_have_text("1")
    household = Household.objects.get()
    assert household.members.count() == 2
    assert household.members.get(given_names="Moussa").birth_date.isoformat() == "1968-03-12"
