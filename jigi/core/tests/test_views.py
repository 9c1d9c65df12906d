import pytest
from django.test import Client

from conftest import signed_in
from jigi.accounts.models import User
from jigi.core.models import Job, Site

pytestmark = pytest.mark.django_db


def test_signed_out_visitors_are_sent_to_the_login_page(client: Client) -> None:
    response = client.get("/reference/sites/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_navigation_shows_only_what_the_role_allows(
    administrator: User, enumerator_kayes: User
) -> None:
    admin_page = signed_in(administrator).get("/").content.decode()
    enumerator_page = signed_in(enumerator_kayes).get("/").content.decode()
    assert "/accounts/users/" in admin_page
    assert "/audit/" in admin_page
    assert "/accounts/users/" not in enumerator_page
    assert "/audit/" not in enumerator_page
    assert "/reference/sites/" in enumerator_page


def test_top_bar_names_the_users_scope(
    programme_officer_kayes: User, enumerator_kayes: User
) -> None:
    assert "Région de Kayes" in signed_in(programme_officer_kayes).get("/").content.decode()
    assert "Commune de Kayes" in signed_in(enumerator_kayes).get("/").content.decode()


def test_sites_list_shows_only_sites_in_scope(
    programme_officer_kayes: User, outsider: User, kayes_antenna: Site, mopti_antenna: Site
) -> None:
    kayes_page = signed_in(programme_officer_kayes).get("/reference/sites/").content.decode()
    assert "Antenne régionale de Kayes" in kayes_page
    assert "Antenne régionale de Mopti" not in kayes_page
    mopti_page = signed_in(outsider).get("/reference/sites/").content.decode()
    assert "Antenne régionale de Mopti" in mopti_page
    assert "Antenne régionale de Kayes" not in mopti_page


def test_a_site_outside_the_scope_answers_not_found(
    programme_officer_kayes: User, kayes_antenna: Site, mopti_antenna: Site
) -> None:
    client = signed_in(programme_officer_kayes)
    assert client.get(f"/reference/sites/{kayes_antenna.pk}/").status_code == 200
    assert client.get(f"/reference/sites/{mopti_antenna.pk}/").status_code == 404
    assert client.get("/reference/sites/999999/").status_code == 404


def test_site_list_query_count_does_not_grow_with_rows(
    programme_officer_kayes: User, django_assert_max_num_queries: object
) -> None:
    from jigi.core.tests.factories import SiteFactory

    for number in range(30):
        SiteFactory.create(code=f"kayes-{number}", area_id="ML010312")
    client = signed_in(programme_officer_kayes)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = client.get("/reference/sites/")
    assert response.content.decode().count("/reference/sites/") >= 30


def test_htmx_filter_returns_only_the_results_partial(programme_officer_kayes: User) -> None:
    response = signed_in(programme_officer_kayes).get(
        "/reference/areas/?q=kita", HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert '<div id="results">' in body
    assert "<html" not in body
    assert "Kita" in body


def test_area_page_lists_its_children(administrator: User) -> None:
    body = signed_in(administrator).get("/reference/areas/ML01/").content.decode()
    assert "Cercles (7)" in body
    assert "Kéniéba" in body


def test_job_page_shows_progress_and_polls_until_finished(administrator: User) -> None:
    job = Job.objects.create(
        kind="audit.verify", status=Job.Status.RUNNING, done=5, total=20, created_by=administrator
    )
    client = signed_in(administrator)
    partial = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert 'value="25"' in partial.content.decode()
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, done=20)
    finished = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
    assert "every 1s" not in finished.content.decode()


def test_users_see_only_their_own_jobs(administrator: User, enumerator_kayes: User) -> None:
    job = Job.objects.create(kind="audit.verify", created_by=administrator)
    assert signed_in(enumerator_kayes).get(f"/jobs/{job.pk}/").status_code == 404
    assert signed_in(administrator).get(f"/jobs/{job.pk}/").status_code == 200


def test_starting_a_job_needs_its_permission(administrator: User, enumerator_kayes: User) -> None:
    refused = signed_in(enumerator_kayes).post("/jobs/start/", {"kind": "audit.verify"})
    assert refused.status_code == 403
    started = signed_in(administrator).post("/jobs/start/", {"kind": "audit.verify"})
    job = Job.objects.get(kind="audit.verify")
    assert started["Location"] == f"/jobs/{job.pk}/"
    assert job.created_by == administrator


def test_job_list_polls_only_while_a_job_is_unfinished(administrator: User) -> None:
    client = signed_in(administrator)
    Job.objects.create(kind="audit.verify", status=Job.Status.SUCCEEDED, created_by=administrator)
    assert "every 2s" not in client.get("/jobs/").content.decode()
    Job.objects.create(kind="audit.verify", status=Job.Status.RUNNING, created_by=administrator)
    assert client.get("/jobs/").content.decode().count("every 2s") == 1


def test_dates_are_shown_day_first_in_french(administrator: User) -> None:
    from datetime import UTC, datetime

    job = Job.objects.create(kind="audit.verify", created_by=administrator)
    Job.objects.filter(pk=job.pk).update(created_at=datetime(2026, 3, 4, 23, 30, tzinfo=UTC))
    body = signed_in(administrator).get("/jobs/").content.decode()
    assert "04/03/2026 23:30" in body  # Africa/Bamako is UTC+0 all year, so the hour is unchanged


def test_first_page_stays_under_the_weight_budget(enumerator_kayes: User) -> None:
    """UI.md: a first load under ~200 KB (HTML + CSS + JS), before compression."""
    import re

    from django.contrib.staticfiles import finders

    response = signed_in(enumerator_kayes).get("/")
    html = response.content.decode()
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', html)
    assert assets, "the page loads its CSS and JS from /static/"
    weight = len(response.content)
    for asset in assets:
        path = finders.find(asset)
        assert isinstance(path, str)
        with open(path, "rb") as handle:
            weight += len(handle.read())
    assert weight < 200 * 1024


def test_nul_characters_in_the_address_get_a_plain_400(enumerator_kayes: User) -> None:
    assert signed_in(enumerator_kayes).get("/reference/sites/?q=%00").status_code == 400


def test_reference_edits_in_django_admin_are_audited(
    administrator: User, kayes_antenna: Site
) -> None:
    from jigi.audit.models import AuditEntry

    client = signed_in(administrator)
    page = client.get(f"/django-admin/core/site/{kayes_antenna.pk}/change/")
    assert page.status_code == 200
    client.post(
        f"/django-admin/core/site/{kayes_antenna.pk}/change/",
        {
            "code": "antenne-kayes",
            "name": "Antenne de Kayes (nouveau local)",
            "kind": "regional_antenna",
            "area": "ML010312",
            "organisation": kayes_antenna.organisation_id,
            "is_active": "on",
        },
    )
    entry = AuditEntry.objects.get(action="admin.site_updated")
    assert entry.changes["name"] == [
        "Antenne régionale de Kayes",
        "Antenne de Kayes (nouveau local)",
    ]
