"""The programmes API as integrators use it: define, target, validate, enrol, respond to a
shock; each refusal the same call would get from outside the scope or without the role."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from conftest import KAYES_COMMUNE, KITA_COMMUNE, signed_in
from jigi.accounts.models import User
from jigi.core.jobs import execute_job
from jigi.core.models import FundingSource, Job
from jigi.core.tests.factories import FundingSourceFactory, OrganisationFactory
from jigi.programmes import services
from jigi.programmes.models import Enrolment, HouseholdScore, Programme, TargetingRun
from jigi.programmes.tests.factories import household, make_formula, make_programme

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, body or {}, content_type="application/json")


def put(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.put(path, body, content_type="application/json")


def programme_body(**overrides: Any) -> dict[str, Any]:
    organisation = OrganisationFactory.create(name="UTGFS", kind="ministry")
    if not FundingSource.objects.filter(code="ida-fa2").exists():
        FundingSourceFactory.create(code="ida-fa2", name="IDA FA2")
    body: dict[str, Any] = {
        "code": "tm-kayes",
        "name": "Transferts monétaires Kayes",
        "kind": "cash_transfer",
        "organisation": organisation.pk,
        "transfer_value_xof": 15000,
        "frequency_months": 3,
        "duration_months": 36,
        "target_groups": ["children_under_5"],
        "coverage": [{"commune": KAYES_COMMUNE, "quota": 120}, {"commune": KITA_COMMUNE}],
        "funding": [{"funding_source": "ida-fa2", "amount_xof": 500_000_000}],
    }
    body.update(overrides)
    return body


def adopted_list(programme: Programme) -> TargetingRun:
    make_formula(programme)
    run = services.start_targeting(actor=None, programme=programme, enqueue=False)
    return services.adopt_run(actor=None, run=services.compute_run(run, on=date(2026, 12, 1)))


def test_officer_defines_changes_and_launches_a_programme(programme_officer_kayes: User) -> None:
    client = signed_in(programme_officer_kayes)
    body = programme_body()
    bad = post(
        client,
        "/api/v1/programmes",
        {**body, "coverage": [{"commune": KAYES_COMMUNE, "quota": -4}], "kind": "lottery"},
    )
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert "Kayes" in errors["coverage.0"][0]
    assert "-4" in errors["coverage.0"][0]
    assert "kind" in errors
    nowhere = post(client, "/api/v1/programmes", {**body, "coverage": []})
    assert nowhere.status_code == 422
    assert "coverage" in nowhere.json()["errors"]
    misspelt = post(client, "/api/v1/programmes", {**body, "transfer_value": 15000})
    assert misspelt.status_code == 422
    assert "transfer_value" in json.dumps(misspelt.json())
    assert not Programme.objects.exists()

    created = post(client, "/api/v1/programmes", body)
    assert created.status_code == 201
    programme = created.json()
    assert (programme["status"], programme["version"]) == ("draft", 1)
    assert [(line["commune_name"], line["quota"]) for line in programme["coverage"]] == [
        ("Kayes", 120),
        ("Kita", None),
    ]
    assert programme["funding"] == [{"funding_source": "ida-fa2", "amount_xof": 500_000_000}]
    listed = client.get("/api/v1/programmes?status=draft&kind=cash_transfer").json()
    assert [(row["code"], row["communes"]) for row in listed["items"]] == [("tm-kayes", 2)]
    assert client.get("/api/v1/programmes?status=active").json()["count"] == 0

    changed = put(client, "/api/v1/programmes/tm-kayes", {**body, "version": 1, "name": "TM"})
    assert (changed.status_code, changed.json()["version"]) == (200, 2)
    stale = put(client, "/api/v1/programmes/tm-kayes", {**body, "version": 1, "name": "X"})
    assert stale.status_code == 409
    launched = post(client, "/api/v1/programmes/tm-kayes/launch")
    assert launched.json()["status"] == "active"
    assert post(client, "/api/v1/programmes/tm-kayes/launch").status_code == 422
    version = launched.json()["version"]
    no_reason = put(client, "/api/v1/programmes/tm-kayes", {**body, "version": version})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["errors"]
    assert client.get("/api/v1/programmes/nope").status_code == 404


def test_formula_versions_and_an_unknown_variable_is_named(programme_officer_kayes: User) -> None:
    programme = make_programme()
    client = signed_in(programme_officer_kayes)
    url = f"/api/v1/programmes/{programme.code}/formulas"
    bad = post(
        client,
        url,
        {
            "name": "PMT",
            "terms": [
                {"variable": "roof", "transform": "equals", "value": "straw", "weight": -1},
                {"variable": "revenu", "weight": 0.5},
            ],
        },
    )
    assert bad.status_code == 422
    assert list(bad.json()["errors"]) == ["terms.1"]
    assert "revenu" in bad.json()["errors"]["terms.1"][0]
    for name in ("PMT rural", "PMT rural révisée"):
        created = post(
            client,
            url,
            {
                "name": name,
                "intercept": 9,
                "terms": [{"variable": "cattle", "transform": "log1p", "weight": 0.4}],
            },
        )
        assert created.status_code == 201
    assert created.json()["number"] == 2
    listed = client.get(url).json()
    assert [row["number"] for row in listed["items"]] == [2, 1]
    assert listed["items"][0]["terms"] == [
        {"variable": "cattle", "transform": "log1p", "value": None, "weight": 0.4}
    ]


def test_roles_without_the_permission_are_refused(
    enumerator_kayes: User, payment_officer: User
) -> None:
    programme = make_programme()
    make_formula(programme)
    family = household()
    field = signed_in(enumerator_kayes)
    assert field.get(f"/api/v1/programmes/{programme.code}").status_code == 200
    assert post(field, "/api/v1/programmes", programme_body(code="autre")).status_code == 403
    assert post(field, f"/api/v1/programmes/{programme.code}/runs").status_code == 403
    refused = post(
        field,
        f"/api/v1/programmes/{programme.code}/enrolments",
        {"household": family.code, "start_on": "2027-01-01"},
    )
    assert refused.status_code == 403
    assert not TargetingRun.objects.exists()
    assert not Enrolment.objects.exists()
    payments = signed_in(payment_officer)
    assert payments.get("/api/v1/programmes").json()["count"] == 1
    addition = {"household": family.code, "reason": "Proposé par le comité"}
    assert post(
        payments, f"/api/v1/programmes/{programme.code}/list/additions", addition
    ).json() == {"detail": "Votre rôle ne permet pas cette action sur les programmes."}
    bulk = post(
        payments, f"/api/v1/programmes/{programme.code}/enrolments/bulk", {"start_on": "2027-01-01"}
    )
    assert bulk.status_code == 403
    assert not Job.objects.exists()


def test_a_run_is_queued_as_a_job_then_scored_and_adopted(programme_officer_kayes: User) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: 1})
    make_formula(programme)
    poorest = household(children=3)
    household(roof="corrugated_iron", cattle=12)
    client = signed_in(programme_officer_kayes)
    base = f"/api/v1/programmes/{programme.code}/runs"
    assert post(client, base, {"formula": 9}).json()["errors"] == {"formula": ["Formule inconnue."]}
    unknown = post(client, base, {"criteria": {"all": ["riches"]}})
    assert (unknown.status_code, list(unknown.json()["errors"])) == (422, ["criteria"])

    queued = post(client, base, {"criteria": {"all": [], "any": []}})
    assert queued.status_code == 202
    run = queued.json()
    assert (run["status"], run["formula"], run["summary"]) == ("computing", 1, None)
    assert client.get(f"/api/v1/jobs/{run['job']}").json()["status"] == "queued"
    assert client.get(f"{base}/{run['id']}/scores").json()["count"] == 0

    execute_job(run["job"])
    computed = client.get(f"{base}/{run['id']}").json()
    assert computed["status"] == "ready"
    assert computed["summary"]["communes"] == [
        {"commune": KAYES_COMMUNE, "scored": 2, "eligible": 2, "selected": 1, "quota": 1}
    ]
    scores = client.get(f"{base}/{run['id']}/scores").json()
    assert [(row["household"], row["rank"], row["is_selected"]) for row in scores["items"]] == [
        (poorest.code, 1, True),
        (scores["items"][1]["household"], 2, False),
    ]
    assert scores["items"][0]["size"] == 5
    selected = client.get(f"{base}/{run['id']}/scores?selected_only=true").json()
    assert [row["household"] for row in selected["items"]] == [poorest.code]
    assert [row["id"] for row in client.get(base).json()["items"]] == [run["id"]]

    adopted = post(client, f"{base}/{run['id']}/adopt")
    assert adopted.json()["status"] == "adopted"
    assert post(client, f"{base}/{run['id']}/adopt").status_code == 422
    pending = client.get(f"{base}/{run['id']}/scores?validation=pending").json()
    assert [row["household"] for row in pending["items"]] == [poorest.code]


def test_other_regions_see_the_rules_but_none_of_the_kayes_households(
    outsider: User, programme_officer_kayes: User
) -> None:
    programme = make_programme()
    family = household()
    run = adopted_list(programme)
    entry = run.scores.get()
    enrolment = services.enrol_household(
        actor=None, programme=programme, household=family, start_on=date(2027, 1, 1)
    )
    scores = f"/api/v1/programmes/{programme.code}/runs/{run.pk}/scores"
    kayes = signed_in(programme_officer_kayes)
    assert kayes.get(scores).json()["count"] == 1
    assert kayes.get(f"/api/v1/enrolments/{enrolment.pk}").status_code == 200
    mopti = signed_in(outsider)
    assert mopti.get(f"/api/v1/programmes/{programme.code}").status_code == 200
    assert mopti.get(scores).json() == {"items": [], "count": 0}
    assert mopti.get(f"/api/v1/enrolments/{enrolment.pk}").status_code == 404
    assert mopti.get("/api/v1/enrolments").json()["count"] == 0
    decision = post(
        mopti,
        f"/api/v1/programmes/{programme.code}/list/{entry.pk}/decision",
        {"validated": False, "reason": "Inconnu"},
    )
    assert decision.status_code == 404
    entry.refresh_from_db()
    assert entry.validation == HouseholdScore.Validation.PENDING
    assert post(mopti, f"/api/v1/programmes/{programme.code}/runs").status_code == 403


def test_community_validates_the_list_then_the_household_is_enrolled_and_suspended(
    enumerator_kayes: User, programme_officer_kayes: User
) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: 1})
    listed = household(children=2, head={"phone": "+22376123456"})
    proposed = household(roof="corrugated_iron", cattle=20)
    run = adopted_list(programme)
    entry = run.scores.get(household=listed)
    field = signed_in(enumerator_kayes)
    decide = f"/api/v1/programmes/{programme.code}/list/{entry.pk}/decision"
    unexplained = post(field, decide, {"validated": False})
    assert (unexplained.status_code, list(unexplained.json()["errors"])) == (422, ["reason"])
    validated = post(field, decide, {"validated": True})
    assert validated.json()["validation"] == "validated"
    addition = post(
        field,
        f"/api/v1/programmes/{programme.code}/list/additions",
        {"household": proposed.code, "reason": "Veuve sans ressources selon le comité"},
    )
    assert addition.status_code == 201
    assert (addition.json()["is_community_addition"], addition.json()["validation"]) == (
        True,
        "validated",
    )
    stranger = post(
        field,
        f"/api/v1/programmes/{programme.code}/list/additions",
        {"household": "KY-0000000", "reason": "?"},
    )
    assert stranger.status_code == 404

    officer = signed_in(programme_officer_kayes)
    enrol = f"/api/v1/programmes/{programme.code}/enrolments"
    created = post(officer, enrol, {"household": listed.code, "start_on": "2027-01-01"})
    assert created.status_code == 201
    enrolment = created.json()
    assert (enrolment["status"], enrolment["planned_end_on"]) == ("active", "2030-01-01")
    assert (enrolment["recipient_name"], enrolment["channel"]) == ("Moussa Traoré", "mobile_money")
    assert [event["kind"] for event in enrolment["events"]] == ["enrolled"]
    again = post(officer, enrol, {"household": listed.code, "start_on": "2027-02-01"})
    assert again.status_code == 422
    assert "déjà inscrit" in again.json()["detail"]

    status = f"/api/v1/enrolments/{enrolment['id']}/status"
    suspended = post(
        officer,
        status,
        {"event": "suspended", "on": "2027-03-01", "reason": "Absences", "version": 1},
    )
    assert (suspended.json()["status"], suspended.json()["version"]) == ("suspended", 2)
    stale = post(
        officer,
        status,
        {"event": "reactivated", "on": "2027-04-01", "reason": "Retour", "version": 1},
    )
    assert stale.status_code == 409
    spouse = listed.members.get(relationship="spouse")
    changed = post(
        officer,
        f"/api/v1/enrolments/{enrolment['id']}/recipient",
        {
            "recipient": spouse.pk,
            "channel": "cash_point",
            "on": "2027-04-01",
            "reason": "Le chef est parti en exode",
            "version": 2,
        },
    )
    assert (changed.json()["recipient"], changed.json()["alternate"]) == (spouse.pk, None)
    assert [event["kind"] for event in changed.json()["events"]] == [
        "enrolled",
        "suspended",
        "recipient_changed",
    ]
    listing = officer.get(f"/api/v1/enrolments?programme={programme.code}&status=suspended")
    assert [row["household"] for row in listing.json()["items"]] == [listed.code]


def test_bulk_enrolment_of_the_validated_list_runs_as_a_job(
    programme_officer_kayes: User,
) -> None:
    programme = make_programme()
    families = [household(), household(), household(head={"birth_date": date(2015, 1, 1)})]
    families[2].members.filter(relationship="spouse").delete()  # no adult left to be paid
    run = adopted_list(programme)
    for entry in run.scores.select_related("household"):
        services.validate_household(actor=None, score=entry, validated=True)
    client = signed_in(programme_officer_kayes)
    draft = make_programme(code="brouillon", launch=False)
    refused = post(client, f"/api/v1/programmes/{draft.code}/enrolments/bulk", {"start_on": "x"})
    assert refused.status_code == 422
    assert (
        post(client, f"/api/v1/programmes/{draft.code}/enrolments/bulk", {"start_on": "2027-01-01"})
        .json()["detail"]
        .startswith("Le programme doit être lancé")
    )

    started = post(
        client, f"/api/v1/programmes/{programme.code}/enrolments/bulk", {"start_on": "2027-01-01"}
    )
    assert started.status_code == 202
    job = started.json()
    assert (job["kind"], job["status"]) == ("programmes.enrol", "queued")
    execute_job(job["id"])
    done = client.get(f"/api/v1/jobs/{job['id']}").json()
    assert done["status"] == Job.Status.SUCCEEDED
    assert (done["result"]["enrolled"], done["result"]["refused_count"]) == (2, 1)
    assert done["result"]["refused"][0]["household"] == families[2].code
    listed = client.get(f"/api/v1/enrolments?programme={programme.code}").json()
    assert {row["household"] for row in listed["items"]} == {f.code for f in families[:2]}


def test_emergency_top_up_and_expansion(programme_officer_kayes: User, outsider: User) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: 1})
    first = household(children=2)
    next_one = household(children=1)
    adopted_list(programme)
    services.enrol_household(
        actor=None, programme=programme, household=first, start_on=date(2027, 1, 1)
    )
    client = signed_in(programme_officer_kayes)
    url = f"/api/v1/programmes/{programme.code}/emergencies"
    top_up = {
        "kind": "top_up",
        "shock": "Inondations d'août",
        "communes": [KAYES_COMMUNE],
        "amount_xof": 10000,
        "ends_on": "2027-07-01",
    }
    missing = post(client, url, top_up)
    assert missing.status_code == 422
    assert "cycles" in json.dumps(missing.json())
    outside = post(client, url, {**top_up, "cycles": 2, "communes": [KITA_COMMUNE]})
    assert (outside.status_code, list(outside.json()["errors"])) == (422, ["communes"])
    assert post(signed_in(outsider), url, {**top_up, "cycles": 2}).status_code == 403
    done = post(client, url, {**top_up, "cycles": 2})
    assert done.status_code == 201
    assert (done.json()["households"], done.json()["top_up_xof"]) == (1, 10000)

    expansion = post(
        client,
        url,
        {
            "kind": "expansion",
            "shock": "Inondations d'août",
            "communes": [KAYES_COMMUNE],
            "extra_quota": 1,
            "start_on": "2027-01-01",
            "ends_on": "2027-07-01",
        },
    )
    assert expansion.status_code == 201
    assert expansion.json()["households"] == 1
    [added] = Enrolment.objects.filter(emergency_id=expansion.json()["id"])
    assert added.household_id == next_one.pk


def test_lists_stay_within_their_query_budget(
    programme_officer_kayes: User, django_assert_max_num_queries: Any
) -> None:
    programme = make_programme()
    families = [household() for _ in range(8)]
    run = adopted_list(programme)
    for family in families:
        services.enrol_household(
            actor=None, programme=programme, household=family, start_on=date(2027, 1, 1)
        )
    client = signed_in(programme_officer_kayes)
    for url, rows in (
        (f"/api/v1/programmes/{programme.code}/runs/{run.pk}/scores", 8),
        ("/api/v1/enrolments", 8),
        (f"/api/v1/programmes/{programme.code}/runs", 1),
    ):
        with django_assert_max_num_queries(10):
            assert client.get(url).json()["count"] == rows


def test_naming_only_the_alternate_keeps_the_default_recipient(
    programme_officer_kayes: User,
) -> None:
    programme = make_programme()
    family = household()
    spouse = family.members.get(relationship="spouse")
    client = signed_in(programme_officer_kayes)
    created = post(
        client,
        f"/api/v1/programmes/{programme.code}/enrolments",
        {"household": family.code, "start_on": "2027-01-01", "alternate": spouse.pk},
    )
    assert created.status_code == 201, created.json()
    head = family.members.get(relationship="head")
    assert (created.json()["recipient"], created.json()["alternate"]) == (head.pk, spouse.pk)
