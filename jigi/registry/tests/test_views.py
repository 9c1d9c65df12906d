import csv
import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from conftest import signed_in
from jigi.accounts.models import User
from jigi.audit.models import AuditEntry
from jigi.registry.models import ChangeRequest, Household, Individual
from jigi.registry.tests.factories import HouseholdFactory, IndividualFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household() -> Household:
    created = HouseholdFactory.create(
        head={"given_names": "Moussa", "family_name": "Keïta", "sex": "M"}
    )
    IndividualFactory.create(household=created, given_names="Awa", family_name="Traoré")
    return created


def test_list_page_finds_by_name_and_htmx_gets_only_the_results(
    programme_officer_kayes: User, household: Household
) -> None:
    client = signed_in(programme_officer_kayes)
    page = client.get("/registry/?q=traore").content.decode()
    assert "<html" in page
    assert household.code in page
    assert "Moussa Keïta" in page  # the head is shown, whichever member matched
    partial = client.get(
        "/registry/?q=keita", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    ).content.decode()
    assert "<html" not in partial
    assert household.code in partial


def test_list_query_count_does_not_grow_with_households(
    programme_officer_kayes: User, django_assert_max_num_queries: Any
) -> None:
    for _number in range(25):
        HouseholdFactory.create()
    client = signed_in(programme_officer_kayes)
    with django_assert_max_num_queries(14):
        response = client.get("/registry/")
    assert response.content.decode().count("/registry/KY-") >= 25


def test_household_page_shows_members_and_ages(
    programme_officer_kayes: User, household: Household, django_assert_max_num_queries: Any
) -> None:
    for _number in range(6):
        IndividualFactory.create(household=household, relationship="child")
    client = signed_in(programme_officer_kayes)
    with django_assert_max_num_queries(18):
        body = client.get(f"/registry/{household.code}/").content.decode()
    assert "★ Moussa Keïta" in body
    assert body.count("Traoré") >= 7
    assert f"{household.members.get(given_names='Moussa').age_on(timezone.localdate())} ans" in body


def test_a_household_outside_the_scope_answers_not_found(
    outsider: User, household: Household
) -> None:
    assert signed_in(outsider).get(f"/registry/{household.code}/").status_code == 404
    assert signed_in(outsider).get(f"/registry/{household.code}/edit/").status_code == 404


def test_gbv_staff_have_no_register_pages(gbv_worker: User, household: Household) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = signed_in(gbv_worker)
    device = TOTPDevice.objects.create(user=gbv_worker, name="phone", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id  # the second factor is passed
    session.save()
    assert client.get("/").status_code == 200
    assert client.get("/registry/").status_code == 403
    assert client.get(f"/registry/{household.code}/").status_code == 403


def test_officer_edits_directly_and_history_shows_old_and_new(
    programme_officer_kayes: User, household: Household
) -> None:
    client = signed_in(programme_officer_kayes)
    form = client.get(f"/registry/{household.code}/edit/").context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"goats": "7", "version": household.version})
    response = client.post(f"/registry/{household.code}/edit/", data)
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.goats == 7
    page = client.get(f"/registry/{household.code}/").content.decode()
    assert "Ménage modifié" in page
    assert "0 → 7" in page


def test_a_stale_form_is_refused_with_a_clear_message(
    programme_officer_kayes: User, household: Household
) -> None:
    client = signed_in(programme_officer_kayes)
    form = client.get(f"/registry/{household.code}/edit/").context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    Household.objects.filter(pk=household.pk).update(version=5)  # someone saved meanwhile
    response = client.post(f"/registry/{household.code}/edit/", {**data, "goats": "3"})
    assert "modifié par quelqu" in response.content.decode()
    assert Household.objects.get(pk=household.pk).goats == 0


def test_enumerator_edits_become_change_requests(
    enumerator_kayes: User, household: Household
) -> None:
    member = household.members.get(given_names="Awa")
    client = signed_in(enumerator_kayes)
    page = client.get(f"/registry/members/{member.pk}/edit/").content.decode()
    assert "Envoyer la demande" in page
    form = client.get(f"/registry/members/{member.pk}/edit/").context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {"family_name": "Coulibaly", "version": member.version, "reason": "acte de mariage"}
    )
    assert client.post(f"/registry/members/{member.pk}/edit/", data).status_code == 302
    change = ChangeRequest.objects.get()
    assert change.payload == {"family_name": "Coulibaly"}
    assert Individual.objects.get(pk=member.pk).family_name == "Traoré"


def test_approving_a_request_applies_it(
    enumerator_kayes: User, programme_officer_kayes: User, household: Household
) -> None:
    member = household.members.get(given_names="Awa")
    change = ChangeRequest.objects.create(
        household=household,
        individual=member,
        kind="correct_member",
        payload={"given_names": "Aminata"},
        reason="x",
        requested_by=enumerator_kayes,
    )
    detail = (
        signed_in(enumerator_kayes).get(f"/registry/change-requests/{change.pk}/").content.decode()
    )
    assert "Approuver" not in detail  # one cannot review one's own request
    client = signed_in(programme_officer_kayes)
    assert "Aminata" in client.get(f"/registry/change-requests/{change.pk}/").content.decode()
    client.post(f"/registry/change-requests/{change.pk}/", {"decision": "approve", "comment": "ok"})
    assert Individual.objects.get(pk=member.pk).given_names == "Aminata"


def test_export_csv_is_audited_and_scoped(
    programme_officer_kayes: User, household: Household
) -> None:
    HouseholdFactory.create(commune_id="ML050609")  # Mopti, outside the scope
    response = signed_in(programme_officer_kayes).get("/registry/export/?format=csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][0] == "Code ménage"
    assert [row[0] for row in rows[1:]] == [household.code]
    assert rows[1][6] == "Moussa Keïta"
    entry = AuditEntry.objects.get(action="registry.export")
    assert entry.changes["rows"] == 1
    assert entry.changes["format"] == "csv"


def test_export_audit_records_the_filter(
    programme_officer_kayes: User, household: Household
) -> None:
    signed_in(programme_officer_kayes).get(
        "/registry/export/?format=xlsx&q=keita&displacement=resident"
    )
    entry = AuditEntry.objects.get(action="registry.export")
    assert entry.changes["filters"] == {"q": "keita", "displacement": "resident"}


def test_export_xlsx_opens_with_the_same_rows(
    programme_officer_kayes: User, household: Household
) -> None:
    response = signed_in(programme_officer_kayes).get("/registry/export/?format=xlsx&q=keita")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == household.code
    assert len(values) == 2


def test_roles_that_may_not_export_are_refused(
    enumerator_kayes: User, household: Household
) -> None:
    assert signed_in(enumerator_kayes).get("/registry/export/?format=csv").status_code == 403
    assert not AuditEntry.objects.filter(action="registry.export").exists()


def test_area_cascade_options(programme_officer_kayes: User) -> None:
    body = (
        signed_in(programme_officer_kayes)
        .get("/registry/areas/?level=2&region=ML01")
        .content.decode()
    )
    assert 'value="ML0105"' in body  # Kita cercle
    assert "ML0501" not in body


def test_history_shows_plain_values_whole(programme_officer_kayes: User) -> None:
    from jigi.registry import services

    created = services.register_household(
        actor=programme_officer_kayes,
        commune="ML010312",
        household={"village": "Plateau", "registered_on": "2026-02-01", "source": "survey"},
        members=[
            services.NewMember(
                values={
                    "given_names": "Moussa",
                    "family_name": "Keïta",
                    "sex": "M",
                    "birth_date": "1970-01-01",
                    "relationship": "head",
                }
            )
        ],
    )
    body = signed_in(programme_officer_kayes).get(f"/registry/{created.code}/").content.decode()
    assert "ML010312" in body
    assert "M → L" not in body
