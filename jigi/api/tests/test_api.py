import json
from pathlib import Path

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client

from conftest import signed_in
from jigi.accounts.models import User
from jigi.api.api import api
from jigi.core.models import Job, Site

pytestmark = pytest.mark.django_db

SNAPSHOT = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def test_openapi_schema_matches_the_committed_snapshot() -> None:
    current = json.loads(
        json.dumps(api.get_openapi_schema(), sort_keys=True, cls=DjangoJSONEncoder)
    )
    assert current == json.loads(SNAPSHOT.read_text()), (
        "run `make docs` and commit docs/openapi.json"
    )


def test_docs_page_loads_its_assets_from_this_server(client: Client) -> None:
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Jigi API"
    page = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in page
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_anonymous_calls_are_refused(client: Client) -> None:
    assert client.get("/api/v1/sites").status_code == 401


def test_session_users_get_their_scope(
    programme_officer_kayes: User, kayes_antenna: Site, mopti_antenna: Site
) -> None:
    client = signed_in(programme_officer_kayes)
    body = client.get("/api/v1/sites").json()
    assert body["count"] == 1
    assert body["items"][0]["area_name"] == "Kayes"
    assert client.get(f"/api/v1/sites/{mopti_antenna.pk}").json() == {"detail": "Not found."}


def test_area_search_is_paginated_and_accent_insensitive(enumerator_kayes: User) -> None:
    client = signed_in(enumerator_kayes)
    communes = client.get("/api/v1/areas?level=3").json()
    assert communes["count"] == 701
    assert len(communes["items"]) == 50
    found = client.get("/api/v1/areas?q=SEGOU&level=1").json()
    assert [area["pcode"] for area in found["items"]] == ["ML04"]
    assert client.get("/api/v1/areas/ML99").status_code == 404


def test_validation_errors_name_the_field(enumerator_kayes: User) -> None:
    response = signed_in(enumerator_kayes).get("/api/v1/areas?level=region")
    assert response.status_code == 422
    assert "level" in json.dumps(response.json())


def test_starting_a_job_needs_its_permission(administrator: User, enumerator_kayes: User) -> None:
    refused = signed_in(enumerator_kayes).post(
        "/api/v1/jobs", {"kind": "audit.verify"}, content_type="application/json"
    )
    assert refused.status_code == 403
    unknown = signed_in(administrator).post(
        "/api/v1/jobs", {"kind": "nope"}, content_type="application/json"
    )
    assert unknown.status_code == 422
    assert "nope" in unknown.json()["detail"]
    started = signed_in(administrator).post(
        "/api/v1/jobs", {"kind": "audit.verify"}, content_type="application/json"
    )
    assert started.status_code == 202
    job = Job.objects.get()
    assert started.json()["id"] == str(job.pk)
    assert signed_in(administrator).get(f"/api/v1/jobs/{job.pk}").json()["status"] == "queued"
    assert signed_in(enumerator_kayes).get(f"/api/v1/jobs/{job.pk}").status_code == 404


def test_session_writes_need_the_csrf_token(administrator: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)
    response = client.post(
        "/api/v1/jobs", {"kind": "audit.verify"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_absurd_page_numbers_are_a_validation_error_not_a_crash(enumerator_kayes: User) -> None:
    response = signed_in(enumerator_kayes).get("/api/v1/sites?page=99999999999999999999999")
    assert response.status_code == 422
