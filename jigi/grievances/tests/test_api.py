"""The API: record, the scoped list without sensitive cases, 404 on a sensitive read, the
lifecycle, and the public status endpoint that needs no token and gives status only."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from conftest import signed_in
from jigi.grievances.models import Category
from jigi.grievances.tests.factories import complaint, officer

pytestmark = pytest.mark.django_db


def test_record_list_read_and_resolve_through_the_api(areas: None) -> None:
    kayes = officer()
    client = signed_in(kayes)
    refused = client.post("/api/v1/grievances", json.dumps({"channel": "sms",
                          "category": "information", "description": " "}),
                          content_type="application/json")  # fmt: skip
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"description", "area_code"}
    created = client.post("/api/v1/grievances", json.dumps({"channel": "sms",
                          "category": "information", "description": "Quand le paiement ?",
                          "area_code": "ML010312"}), content_type="application/json")  # fmt: skip
    assert created.status_code == 201
    code = created.json()["code"]
    sea = complaint(category=Category.SEA)
    listed = client.get("/api/v1/grievances").json()
    assert [item["code"] for item in listed["items"]] == [code]
    assert client.get(f"/api/v1/grievances/{sea.code}").status_code == 404
    assert client.get(f"/api/v1/grievances/{code}").json()["description"] == "Quand le paiement ?"
    closed = client.post(f"/api/v1/grievances/{code}/close", "{}", content_type="application/json")
    assert closed.status_code == 422
    resolved = client.post(f"/api/v1/grievances/{code}/resolve",
                           json.dumps({"resolution": "explained", "note": "Le 15."}),
                           content_type="application/json")  # fmt: skip
    assert resolved.json()["status"] == "resolved"
    public = Client().get(f"/api/v1/public/grievances/{code.lower()}")
    assert public.status_code == 200
    assert set(public.json()) == {"code", "status", "status_label", "received_at", "resolved_at"}
    assert Client().get("/api/v1/grievances").status_code == 401
