"""The protection audit as a GBV supervisor reads it: who opened, changed or tried to open the
cases of their site, on the case page and on the site audit page, newest first, filtered and
paginated, in a constant number of queries; never a sealed value, never another site's case,
and the reading itself logged (masked on the administrators' audit page)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from jigi.accounts.models import User
from jigi.accounts.tests.factories import UserFactory
from jigi.audit.models import AuditEntry
from jigi.protection import access, selectors, services
from jigi.protection.models import Case
from jigi.protection.tests.factories import (
    case,
    incident,
    provider,
    referral_consent,
    supervisor,
    worker,
)
from jigi.protection.tests.test_access import client_for

pytestmark = pytest.mark.django_db


def kayes_worker() -> User:
    provider("osc-kayes", "ML010312")
    return worker("vbg.kayes", "osc-kayes", area="ML010312", first_name="Fanta",
                  last_name="Coulibaly")  # fmt: skip


def kayes_case() -> Case:
    return case(kayes_worker(), site_code="osc-kayes", area="ML010312")


def rows_of(html: str) -> list[str]:
    """The audit table's rows, as text."""
    body = html.split('data-testid="audit"')[1].split("</tbody>")[0]
    return [row.split("</tr>")[0] for row in body.split("<tr")[2:]]


def test_the_supervisor_sees_who_opened_the_case_and_who_was_refused_never_a_value(
    areas: None,
) -> None:
    kase = case(name="Aminata Diarra", contact="+22376543210")
    incident(kase, narrative="Récit confidentiel de l'agression")
    referral_consent(kase, "psychosocial")
    receiver = kayes_worker()
    referral = services.refer(actor=kase.assigned_worker, case=kase,
                              to_provider_id=provider("osc-kayes", "ML010312").pk,
                              service_type="psychosocial", message="Message scellé au centre")  # fmt: skip
    services.respond_to_referral(actor=receiver, referral=referral, accept=True)
    admin = UserFactory.create(username="admin.national", role="administrator",
                               national_scope=True)  # fmt: skip
    assert client_for(receiver).get(f"/protection/cases/{kase.code}/").status_code == 404
    assert client_for(admin).get(f"/protection/cases/{kase.code.lower()}/").status_code == 404
    client_for(kase.assigned_worker).get(f"/protection/cases/{kase.code}/")

    boss = supervisor()
    page = client_for(boss).get("/protection/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    rows = rows_of(html)
    # Newest first: the worker's reading, the administrator's and the Kayes worker's refusals,
    # the receiver's answer (named by the case's code), the referral, consent, incident, opening.
    assert "Consultation du dossier" in rows[0]
    assert "vbg.gestionnaire" in rows[0]
    assert "récits des incidents" in rows[0]
    assert "Refusé" in rows[1]
    assert "admin.national" in rows[1]
    assert kase.code in rows[1]
    assert "ouvrir le dossier — accès refusé" in rows[1]
    assert "Refusé" in rows[2]
    assert "vbg.kayes" in rows[2]
    assert "Fanta Coulibaly" in rows[2]
    assert "Réponse du prestataire" in rows[3]
    assert kase.code in rows[3]
    assert "Refusé" not in rows[3]
    assert "Orientation envoyée" in rows[4]
    assert "Ouverture du dossier" in rows[-1]
    assert len(rows) == 8
    for sealed in ("Aminata", "Diarra", "76543210", "Récit confidentiel", "Message scellé"):
        assert sealed not in html

    history = client_for(boss).get(f"/protection/cases/{kase.code}/audit/").content.decode()
    assert "admin.national" in history
    for sealed in ("Aminata", "76543210", "Récit confidentiel", "Message scellé"):
        assert sealed not in history

    read = AuditEntry.objects.filter(action="protection.read_site_audit", actor=boss).get()
    assert read.changes["page"] == 1
    administrators_log = client_for(admin).get("/audit/").content.decode()
    assert "protection.read_site_audit" in administrators_log
    assert "vbg.superviseure" not in administrators_log


def test_the_case_page_shows_its_access_history_to_the_site_supervisor_only(areas: None) -> None:
    kase = case(name="Aminata Diarra")
    mine = client_for(kase.assigned_worker).get(f"/protection/cases/{kase.code}/").content.decode()
    assert "Aminata Diarra" in mine  # the worker reads the case…
    assert 'id="access-history"' not in mine  # …not who else did
    assert "Journal d'accès VBG" not in mine
    assert (
        client_for(kase.assigned_worker).get(f"/protection/cases/{kase.code}/audit/").status_code
        == 404
    )
    refused = AuditEntry.objects.filter(action="protection.refused", actor=kase.assigned_worker)
    assert [e.changes for e in refused] == [{"attempted": "audit", "reason": "not_supervisor"}]

    boss = supervisor()
    page = client_for(boss).get(f"/protection/cases/{kase.code}/").content.decode()
    history = page.split('id="access-history"')[1]
    assert "vbg.gestionnaire" in history
    assert "lire l'historique des accès — accès refusé" in history.replace("&#x27;", "'")
    assert "Aminata" not in history
    assert 'href="/protection/audit/"' in page  # the navigation, for supervisors
    assert AuditEntry.objects.filter(action="protection.read_case_audit", actor=boss).exists()


def test_other_sites_cases_never_appear(areas: None) -> None:
    ours = case()
    theirs = kayes_case()
    client_for(theirs.assigned_worker).get(f"/protection/cases/{theirs.code}/")
    boss = client_for(supervisor())
    html = boss.get("/protection/audit/").content.decode()
    assert ours.code in html
    assert theirs.code not in html
    filtered = boss.get("/protection/audit/", {"case": theirs.code}).content.decode()
    table = filtered.split('data-testid="audit"')[1]
    assert theirs.code not in table
    assert "Aucune entrée." in table
    assert boss.get(f"/protection/cases/{theirs.code}/audit/").status_code == 404

    kayes_boss = client_for(supervisor("vbg.sup.kayes", "osc-kayes"))
    theirs_html = kayes_boss.get("/protection/audit/").content.decode()
    assert theirs.code in theirs_html
    assert ours.code not in theirs_html


def test_filters_by_case_code_user_and_dates(areas: None) -> None:
    first, second = case(), case()
    other = worker("vbg.binta", first_name="Binta", last_name="Sow")
    services.reassign_case(actor=supervisor(), case=second, worker_id=other.pk)
    with freeze_time("2026-03-01 10:00"):
        selectors.get_case_for(first.assigned_worker, first.code)
    with freeze_time("2026-03-15 23:30"):
        selectors.get_case_for(other, second.code)
    with freeze_time("2026-03-16 00:10"):
        selectors.get_case_for(other, second.code)
    boss = client_for(supervisor())

    def rows(**params: str) -> list[str]:
        return rows_of(boss.get("/protection/audit/", params).content.decode())

    by_code = rows(case=second.code.lower())
    assert by_code
    assert all(second.code in row for row in by_code)
    assert not any(first.code in row for row in by_code)
    by_user = rows(user="Sow")
    assert len(by_user) == 2
    assert all("vbg.binta" in row for row in by_user)
    assert len(rows(user="vbg.binta")) == 2
    march = rows(since="2026-03-01", until="2026-03-15")
    assert [("15/03/2026" in row, "01/03/2026" in row) for row in march] == [
        (True, False), (False, True),
    ]  # fmt: skip
    assert len(rows(since="2026-03-16", until="2026-03-16")) == 1
    assert len(rows(since="2026-03-16", until="2026-03-16", user="Sow")) == 1
    page = boss.get("/protection/audit/", {"since": "2026-13-45"})
    assert page.status_code == 200
    assert 'class="error"' in page.content.decode()


def test_the_site_audit_is_paginated_fifty_per_page_newest_first(areas: None) -> None:
    kase = case()
    for _ in range(59):
        selectors.get_case_for(kase.assigned_worker, kase.code)
    boss = supervisor()
    first = selectors.site_audit_for(boss, selectors.AuditFilters())
    second = selectors.site_audit_for(boss, selectors.AuditFilters(), page=2)
    assert first.paginator.count == 60
    assert len(first) == 50
    assert len(second) == 10
    seqs = [row.seq for row in first] + [row.seq for row in second]
    assert seqs == sorted(seqs, reverse=True)
    assert second[-1].action == "protection.open_case"
    html = client_for(boss).get("/protection/audit/", {"page": "2"}).content.decode()
    assert "Page 2 sur 2" in html
    assert len(rows_of(html)) == 10


def _activity(kase: Case, receiver: User, outsider: User, times: int) -> None:
    """Reads, receiver answers and refused attempts on a case: each kind of row the page shows."""
    referral_consent(kase, "psychosocial")
    for _ in range(times):
        selectors.get_case_for(kase.assigned_worker, kase.code)
        referral = services.refer(actor=kase.assigned_worker, case=kase,
                                  to_provider_id=provider("osc-kayes", "ML010312").pk,
                                  service_type="psychosocial")  # fmt: skip
        services.respond_to_referral(actor=receiver, referral=referral, accept=False)
        access.refuse(outsider, action="open", code=kase.code, reason="not_allowed_or_missing")


def test_the_site_audit_page_queries_do_not_grow_with_its_entries(areas: None) -> None:
    receiver = kayes_worker()
    outsider = UserFactory.create(username="admin.national", role="administrator")
    kase = case()
    client = client_for(supervisor())

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/protection/audit/").status_code == 200
        return len(captured)

    queries()  # the session's first request
    _activity(kase, receiver, outsider, 2)
    few = queries()
    _activity(case(), receiver, outsider, 8)
    assert AuditEntry.objects.filter(action="protection.respond_referral").count() == 10
    assert queries() == few


def test_audit_content_is_escaped(areas: None) -> None:
    kase = case()
    intruder = kayes_worker()
    access.refuse(intruder, action="<script>alert(1)</script>", code=kase.code, reason="x")
    html = client_for(supervisor()).get("/protection/audit/").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_supervisor_without_a_site_gets_not_found(areas: None) -> None:
    lonely = UserFactory.create(username="vbg.sans.site", role="gbv_supervisor")
    assert client_for(lonely).get("/protection/audit/").status_code == 404
    assert client_for(lonely).get("/protection/audit/").status_code == 404
    assert AuditEntry.objects.filter(action="protection.refused", actor=lonely).count() == 2
    anonymous = Client().get("/protection/audit/")
    assert anonymous["Location"].startswith("/accounts/login/")
