from typing import Any

import pytest
from django.test import Client

from conftest import signed_in
from jigi.accounts.models import User
from jigi.registry.models import ChangeRequest, Household
from jigi.registry.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

NEW_HOUSEHOLD: dict[str, Any] = {
    "commune": "ML010312",
    "household": {
        "village": "Plateau",
        "registered_on": "2026-02-01",
        "source": "web_form",
        "goats": 3,
    },
    "members": [
        {
            "given_names": "Moussa",
            "family_name": "Keïta",
            "sex": "M",
            "birth_date": "1970-01-01",
            "birth_precision": "estimated",
            "relationship": "head",
            "documents": [{"kind": "nina", "number": "12345678901234A"}],
        },
        {
            "given_names": "Awa",
            "family_name": "Traoré",
            "sex": "F",
            "birth_date": "1990-05-05",
            "relationship": "spouse",
        },
    ],
}


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, body, content_type="application/json")


def patch(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.patch(path, body, content_type="application/json")


def test_register_read_and_list_a_household(programme_officer_kayes: User) -> None:
    client = signed_in(programme_officer_kayes)
    created = post(client, "/api/v1/households", NEW_HOUSEHOLD)
    assert created.status_code == 201
    body = created.json()
    assert body["code"].startswith("KY-")
    assert [member["given_names"] for member in body["members"]] == ["Moussa", "Awa"]
    assert body["members"][0]["documents"][0]["number"] == "12345678901234A"
    assert body["attributes"]["goats"] == 3
    listed = client.get("/api/v1/households?q=traore").json()
    assert listed["items"][0]["head"] == "Moussa Keïta"
    assert client.get(f"/api/v1/households/{body['code']}").json()["version"] == 1


def test_validation_errors_name_every_field(programme_officer_kayes: User) -> None:
    bad = {
        **NEW_HOUSEHOLD,
        "commune": "ML999999",
        "members": [{**NEW_HOUSEHOLD["members"][0], "birth_date": "2099-01-01", "phone": "12"}],
    }
    response = post(signed_in(programme_officer_kayes), "/api/v1/households", bad)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"commune", "members.0.birth_date", "members.0.phone"} <= set(errors)
    assert not Household.objects.exists()


def test_schema_errors_are_422_too(programme_officer_kayes: User) -> None:
    response = post(
        signed_in(programme_officer_kayes), "/api/v1/households", {"commune": "ML010312"}
    )
    assert response.status_code == 422


def test_out_of_scope_is_404_and_wrong_role_is_403(outsider: User, enumerator_kayes: User) -> None:
    household = HouseholdFactory.create()
    assert signed_in(outsider).get(f"/api/v1/households/{household.code}").status_code == 404
    assert post(signed_in(enumerator_kayes), "/api/v1/households", NEW_HOUSEHOLD).status_code == 403


def test_patch_with_a_stale_version_is_409(programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create()
    client = signed_in(programme_officer_kayes)
    assert (
        patch(
            client, f"/api/v1/households/{household.code}", {"version": 1, "changes": {"goats": 2}}
        ).json()["version"]
        == 2
    )
    stale = patch(
        client, f"/api/v1/households/{household.code}", {"version": 1, "changes": {"goats": 9}}
    )
    assert stale.status_code == 409
    assert Household.objects.get(pk=household.pk).goats == 2


def test_members_add_update_and_exit(programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create()
    client = signed_in(programme_officer_kayes)
    child = post(
        client,
        f"/api/v1/households/{household.code}/members",
        {
            "given_names": "Ali",
            "family_name": "Keïta",
            "sex": "M",
            "birth_date": "2018-01-01",
            "relationship": "child",
        },
    )
    assert child.status_code == 201
    member_id = child.json()["id"]
    updated = patch(
        client, f"/api/v1/members/{member_id}", {"version": 1, "changes": {"phone": "66 00 11 22"}}
    )
    assert updated.json()["phone"] == "+22366001122"
    gone = post(
        client,
        f"/api/v1/members/{member_id}/exit",
        {"status": "moved_out", "on": "2026-01-01", "reason": "études"},
    )
    assert gone.json()["status"] == "moved_out"


def test_move_and_split(programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create()
    client = signed_in(programme_officer_kayes)
    son = post(
        client,
        f"/api/v1/households/{household.code}/members",
        {
            "given_names": "Ali",
            "family_name": "Keïta",
            "sex": "M",
            "birth_date": "1999-01-01",
            "relationship": "child",
        },
    ).json()
    moved = post(
        client,
        f"/api/v1/households/{household.code}/move",
        {"commune": "ML010513", "village": "Kita", "reason": "travail"},
    )
    assert moved.json()["commune"] == "ML010513"
    split = post(
        client,
        f"/api/v1/households/{household.code}/split",
        {"members": [son["id"]], "new_head": son["id"], "reason": "mariage"},
    )
    assert split.status_code == 201
    assert split.json()["members"][0]["relationship"] == "head"


def test_change_request_round_trip(enumerator_kayes: User, programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create()
    proposed = post(
        signed_in(enumerator_kayes),
        f"/api/v1/households/{household.code}/change-requests",
        {"kind": "correct_household", "reason": "recensement", "payload": {"goats": 4}},
    )
    assert proposed.status_code == 201
    request_id = proposed.json()["id"]
    own = post(signed_in(enumerator_kayes), f"/api/v1/change-requests/{request_id}/approve", {})
    assert own.status_code == 403
    approved = post(
        signed_in(programme_officer_kayes),
        f"/api/v1/change-requests/{request_id}/approve",
        {"comment": "ok"},
    )
    assert approved.json()["status"] == "approved"
    assert Household.objects.get(pk=household.pk).goats == 4
    again = post(
        signed_in(programme_officer_kayes), f"/api/v1/change-requests/{request_id}/approve", {}
    )
    assert again.status_code == 409
    assert ChangeRequest.objects.get().reviewed_by == programme_officer_kayes
