"""The programme pages as officers use them: define, target, compare, validate, enrol."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from conftest import signed_in
from jigi.accounts.models import User
from jigi.core.jobs import execute_job
from jigi.core.models import Organisation
from jigi.core.tests.factories import FundingSourceFactory, OrganisationFactory
from jigi.programmes import services
from jigi.programmes.models import Enrolment, HouseholdScore, Programme, TargetingRun
from jigi.programmes.tests.factories import (
    KAYES_COMMUNE,
    KITA_COMMUNE,
    household,
    make_formula,
    make_programme,
)

pytestmark = pytest.mark.django_db


def form_data(organisation: Organisation, **overrides: Any) -> dict[str, Any]:
    data = {
        "code": "tm-kayes",
        "name": "Transferts monétaires Kayes",
        "kind": "cash_transfer",
        "organisation": organisation.pk,
        "transfer_value_xof": "15 000",
        "frequency_months": "3",
        "duration_months": "36",
        "coverage": f"{KAYES_COMMUNE} ; 120\nKita ; 80",
        "funding": "ida-fa2 ; 500 000 000",
    }
    data.update(overrides)
    return data


def test_officer_defines_a_programme_with_communes_by_code_or_name(
    programme_officer_kayes: User,
) -> None:
    organisation = OrganisationFactory.create(name="UTGFS", kind="ministry")
    FundingSourceFactory.create(code="ida-fa2", name="IDA FA2")
    client = signed_in(programme_officer_kayes)
    response = client.post(reverse("programmes:create"), form_data(organisation))
    assert response.status_code == 302
    programme = Programme.objects.get(code="tm-kayes")
    assert programme.transfer_value_xof == 15000
    assert dict(programme.coverage.values_list("commune_id", "quota")) == {
        KAYES_COMMUNE: 120,
        KITA_COMMUNE: 80,
    }
    page = client.get(reverse("programmes:detail", args=["tm-kayes"]))
    assert "15\u202f000\u202fFCFA" in page.content.decode()


def test_bad_programme_input_is_shown_next_to_the_field_and_nothing_is_saved(
    programme_officer_kayes: User,
) -> None:
    organisation = OrganisationFactory.create(name="UTGFS", kind="ministry")
    client = signed_in(programme_officer_kayes)
    response = client.post(
        reverse("programmes:create"),
        form_data(
            organisation, coverage="Atlantis ; 10\nML010312 ; -4", transfer_value_xof="15000.5"
        ),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Atlantis" in text
    assert "n&#x27;est pas une commune connue" in text
    assert not Programme.objects.exists()


def test_enumerators_cannot_define_programmes(enumerator_kayes: User) -> None:
    response = signed_in(enumerator_kayes).get(reverse("programmes:create"))
    assert response.status_code == 403


def test_programme_list_stays_within_its_query_budget(
    programme_officer_kayes: User, django_assert_max_num_queries: Any
) -> None:
    for index in range(5):
        make_programme(code=f"programme-{index}")
    client = signed_in(programme_officer_kayes)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("programmes:list"))
    assert response.context["page"].paginator.count == 5


def test_formula_form_saves_terms_and_names_a_bad_value(programme_officer_kayes: User) -> None:
    programme = make_programme()
    client = signed_in(programme_officer_kayes)
    url = reverse("programmes:formula_create", args=[programme.code])
    base = {"name": "PMT", "intercept": "9", "terms-TOTAL_FORMS": "2", "terms-INITIAL_FORMS": "0"}
    bad = client.post(
        url,
        {
            **base,
            "terms-0-variable": "roof",
            "terms-0-transform": "equals",
            "terms-0-value": "gold",
            "terms-0-weight": "-1",
        },
    )
    assert bad.status_code == 200
    assert "gold" in bad.content.decode()
    good = client.post(
        url,
        {
            **base,
            "terms-0-variable": "roof",
            "terms-0-transform": "equals",
            "terms-0-value": "straw",
            "terms-0-weight": "-1",
            "terms-1-variable": "cattle",
            "terms-1-transform": "log1p",
            "terms-1-weight": "0.4",
        },
    )
    assert good.status_code == 302
    formula = programme.formulas.get()
    assert [term["variable"] for term in formula.terms] == ["roof", "cattle"]
    preview = client.post(
        url, {**base, "terms-0-variable": "cattle", "terms-0-weight": "1", "preview": "1"}
    )
    run = TargetingRun.objects.get(formula__number=2)
    assert preview["Location"] == reverse("programmes:run", args=[programme.code, run.pk])


def test_simulation_runs_as_a_job_then_is_compared_and_adopted(
    programme_officer_kayes: User,
) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: 1})
    formula = make_formula(programme)
    poorest = household(children=3)
    household()
    client = signed_in(programme_officer_kayes)
    runs = []
    for criteria in ([], ["children_under_5"]):
        response = client.post(
            reverse("programmes:run_create", args=[programme.code]),
            {"formula": formula.pk, "all_of": criteria},
        )
        assert response.status_code == 302
        run = TargetingRun.objects.latest("id")
        execute_job(str(run.job_id))
        runs.append(run)
    page = client.get(reverse("programmes:run", args=[programme.code, runs[0].pk]))
    assert page.context["run"].summary["selected"] == 1
    compare = client.get(
        reverse("programmes:run_compare", args=[programme.code, runs[0].pk]),
        {"with": runs[1].pk},
    )
    [row] = compare.context["rows"]
    assert (row.left_eligible, row.right_eligible, row.both) == (2, 1, 1)
    client.post(reverse("programmes:run_adopt", args=[programme.code, runs[1].pk]))
    runs[1].refresh_from_db()
    assert runs[1].status == TargetingRun.Status.ADOPTED
    listed = runs[1].scores.get(validation=HouseholdScore.Validation.PENDING)
    assert listed.household_id == poorest.pk


def adopted_list(programme: Programme) -> TargetingRun:
    make_formula(programme)
    run = services.start_targeting(actor=None, programme=programme, enqueue=False)
    return services.adopt_run(actor=None, run=services.compute_run(run, on=date(2026, 12, 1)))


def test_field_staff_validate_a_village_list_and_download_it(enumerator_kayes: User) -> None:
    programme = make_programme()
    first = household(village="Liberté", head={"given_names": "Bakary"})
    second = household(village="Liberté")
    run = adopted_list(programme)
    client = signed_in(enumerator_kayes)
    villages = client.get(reverse("programmes:validation", args=[programme.code]))
    [village] = villages.context["villages"]
    url = reverse(
        "programmes:village",
        args=[programme.code, KAYES_COMMUNE, village["household__village_folded"]],
    )
    page = client.get(url)
    assert "Bakary" in page.content.decode()
    entry = run.scores.get(household=first)
    decide = reverse("programmes:decide", args=[programme.code, entry.pk])
    refused = client.post(decide, {"decision": "rejected", "reason": ""}, HTTP_HX_REQUEST="true")
    assert "Motif obligatoire" in refused.content.decode()
    client.post(decide, {"decision": "validated"})
    entry.refresh_from_db()
    assert entry.validation == HouseholdScore.Validation.VALIDATED
    download = client.get(url, {"format": "xlsx"})
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    from jigi.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="programmes.export_list").exists()
    assert run.scores.get(household=second).validation == HouseholdScore.Validation.PENDING


def test_other_regions_see_no_list_entries(outsider: User) -> None:
    programme = make_programme()
    household()
    run = adopted_list(programme)
    entry = run.scores.get()
    client = signed_in(outsider)
    page = client.get(reverse("programmes:validation", args=[programme.code]))
    assert page.context["villages"] == []
    response = client.post(
        reverse("programmes:decide", args=[programme.code, entry.pk]), {"decision": "validated"}
    )
    assert response.status_code in {403, 404}
    entry.refresh_from_db()
    assert entry.validation == HouseholdScore.Validation.PENDING


def test_enrolment_shows_on_the_household_page_and_its_status_changes(
    programme_officer_kayes: User,
) -> None:
    programme = make_programme()
    family = household()
    client = signed_in(programme_officer_kayes)
    response = client.post(
        reverse("programmes:enrol_one", args=[programme.code]),
        {"household": family.code, "start_on": "2027-01-01"},
    )
    enrolment = Enrolment.objects.get()
    assert response["Location"] == reverse("programmes:enrolment", args=[enrolment.pk])
    page = client.get(reverse("registry:household_detail", args=[family.code]))
    assert programme.name in page.content.decode()
    client.post(
        reverse("programmes:enrolment", args=[enrolment.pk]),
        {
            "event": "suspended",
            "on": "2027-02-01",
            "reason": "Absences aux sessions",
            "version": enrolment.version,
        },
    )
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.SUSPENDED
    stale = client.post(
        reverse("programmes:enrolment", args=[enrolment.pk]),
        {
            "event": "reactivated",
            "on": "2027-03-01",
            "reason": "Retour",
            "version": enrolment.version - 1,
        },
        follow=True,
    )
    assert "modifiée entre-temps" in stale.content.decode()


def test_emergency_expansion_from_the_form(programme_officer_kayes: User) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: 1})
    household(children=2)
    next_one = household(children=1)
    adopted_list(programme)
    client = signed_in(programme_officer_kayes)
    response = client.post(
        reverse("programmes:emergency", args=[programme.code]),
        {
            "kind": "expansion",
            "shock": "Inondations d'août",
            "communes": [KAYES_COMMUNE],
            "extra_quota": "1",
            "start_on": "2027-01-01",
            "ends_on": "2027-07-01",
        },
    )
    assert response.status_code == 302
    [enrolment] = Enrolment.objects.filter(emergency__isnull=False)
    assert enrolment.household_id == next_one.pk


def test_enrolments_export_is_logged_and_limited_to_exporting_roles(
    programme_officer_kayes: User, enumerator_kayes: User
) -> None:
    import csv
    import io

    from jigi.audit.models import AuditEntry

    programme = make_programme()
    family = household()
    services.enrol_household(
        actor=None, programme=programme, household=family, start_on=date(2027, 1, 1)
    )
    url = reverse("programmes:enrolments")
    response = signed_in(programme_officer_kayes).get(url, {"format": "csv"})
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[1][:2] == [programme.code, family.code]
    assert AuditEntry.objects.filter(action="programmes.export_enrolments").count() == 1
    refused = signed_in(enumerator_kayes).get(url, {"format": "csv"})
    assert refused.status_code == 403
