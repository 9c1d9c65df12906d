"""Ways a sensitive case could reach someone who is not a focal point, each closed: the
escalation job's figures, the audit entries' details, an API token that outlived its role's
right to one, and assignment rules that hand a case to someone who cannot open it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from freezegun import freeze_time

from conftest import signed_in
from jigi.accounts.services import create_api_token
from jigi.accounts.tests.factories import UserFactory
from jigi.audit.models import AuditEntry
from jigi.core.jobs import execute_job
from jigi.grievances import services
from jigi.grievances.models import Category, Complaint, Level
from jigi.grievances.tests.factories import (
    MOPTI_COMMUNE,
    complaint,
    focal_point,
    household,
    officer,
    rule,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> None:
    settings.JIGI_GRIEVANCE_FILES_DIR = tmp_path / "grievances"


def test_the_escalation_job_an_officer_starts_counts_no_sensitive_case(areas: None) -> None:
    kayes = officer()
    with freeze_time("2027-03-01"):
        complaint()
        sea = complaint(category=Category.SEA)
    with freeze_time("2027-04-01"):
        job = services.start_escalation(actor=kayes, enqueue=False)
        finished = execute_job(str(job.pk))
    # The officer's job page shows its figures: the sensitive case is escalated, not counted.
    assert finished.result == {"escalated": 1, "checked": 1}
    assert finished.total == 1
    page = signed_in(kayes).get(f"/jobs/{job.pk}/").content.decode()
    assert "<dd>1</dd>" in page
    assert "<dd>2</dd>" not in page
    sea.refresh_from_db()
    assert sea.level == Level.REGIONAL


def test_audit_entries_of_a_sensitive_case_name_neither_its_category_nor_the_household(
    areas: None,
) -> None:
    family = household()
    focal = focal_point()
    rule(focal, category=Category.SEA)
    sea = complaint(category=Category.SEA, household_code=family.code)
    ordinary = complaint(household_code=family.code)
    entries = AuditEntry.objects.filter(target_type="grievances.complaint")
    sensitive_text = json.dumps(
        [entry.changes for entry in entries.filter(target_id=str(sea.pk))], ensure_ascii=False
    )
    assert family.code not in sensitive_text
    assert "sea" not in sensitive_text
    # An ordinary complaint's entry keeps its details.
    ordinary_text = json.dumps(
        [entry.changes for entry in entries.filter(target_id=str(ordinary.pk))]
    )
    assert family.code in ordinary_text
    assert "payment_not_received" in ordinary_text


def test_a_token_made_before_becoming_a_focal_point_no_longer_opens_anything(
    areas: None,
) -> None:
    user = officer(national_scope=True)
    secret = create_api_token(actor=user, name="passerelle").secret
    sea = complaint(category=Category.SEA, description="Récit EAS confidentiel")
    headers = {"Authorization": f"Bearer {secret}"}
    assert Client().get("/api/v1/grievances", headers=headers).status_code == 200
    # Promoted to focal point: the role has no API token (its second factor would be bypassed).
    user.role = "grievance_focal_point"
    user.save(update_fields=["role"])
    response = Client().get(f"/api/v1/grievances/{sea.code}", headers=headers)
    assert response.status_code == 401
    assert "Récit EAS" not in response.content.decode()


def test_rules_never_hand_a_complaint_to_someone_who_cannot_open_it(areas: None) -> None:
    kayes = officer()  # scope: Kayes region
    kayes_focal = UserFactory.create(
        username="plaintes.eas.kayes", role="grievance_focal_point", scope_areas=["ML01"]
    )
    national_focal = focal_point("plaintes.eas.national")
    rule(kayes)  # any category, any region
    rule(kayes_focal, category=Category.SEA)  # any region
    rule(national_focal, category=Category.SEA, level=Level.LOCAL)
    mopti = complaint(area_code=MOPTI_COMMUNE)
    assert mopti.assigned_to is None
    assert mopti.status == Complaint.Status.NEW
    mopti_sea = complaint(category=Category.SEA, area_code=MOPTI_COMMUNE)
    assert mopti_sea.assigned_to == national_focal
    kayes_sea = complaint(category=Category.SEA)
    assert kayes_sea.assigned_to == kayes_focal
