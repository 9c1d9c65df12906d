"""Findings of the security review of protection (each test failed before its fix): what a
receiver keeps seeing after a withdrawal, free texts left in clear, and the key file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from jigi.audit.models import AuditEntry
from jigi.programmes.models import PriorityReferral
from jigi.programmes.tests.factories import make_programme
from jigi.protection import crypto, selectors, services
from jigi.protection.models import Referral
from jigi.protection.tests.factories import (
    case,
    partner,
    provider,
    referral_consent,
    supervisor,
    worker,
)
from jigi.protection.tests.test_access import client_for

pytestmark = pytest.mark.django_db


def raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 (test names only)
        return [row[0] for row in cursor.fetchall()]


def test_after_a_withdrawal_the_receiver_no_longer_reads_the_referral_message(areas: None) -> None:
    kase = case()
    kayes_center = provider("osc-kayes", "ML010312")
    receiver = worker("vbg.kayes", "osc-kayes", area="ML010312")
    referral_consent(kase, "psychosocial")
    services.refer(actor=kase.assigned_worker, case=kase, to_provider_id=kayes_center.pk,
                   service_type="psychosocial", message="Violences du mari, quartier Medina.")  # fmt: skip
    consent = kase.consents.get(purpose="referral")
    services.withdraw_consent(actor=kase.assigned_worker, consent=consent)
    incoming = selectors.incoming_referrals_for(receiver)
    assert [(r.status, r.message) for r in incoming] == [(Referral.Status.REVOKED, "")]


def test_an_override_reason_is_sealed_and_never_written_to_the_audit_log(areas: None) -> None:
    kase = case()
    clinic = partner()
    reason = "Le mari menace de la tuer ce soir"
    referral = services.refer(actor=supervisor(), case=kase, to_provider_id=clinic.pk,
                              service_type="safety", override_reason=reason)  # fmt: skip
    assert referral.is_override
    assert not any(
        reason in (value or "") for value in raw("protection_referral", "override_reason_sealed")
    )
    assert not any(reason in str(entry.changes) for entry in AuditEntry.objects.all())
    logged = AuditEntry.objects.get(action="protection.consent_override")
    assert logged.changes["override"] is True


def test_a_free_text_revocation_reason_is_not_stored_in_clear(areas: None) -> None:
    kase = case()
    clinic = partner()
    referral_consent(kase, "health")
    referral = services.refer(actor=kase.assigned_worker, case=kase, to_provider_id=clinic.pk,
                              service_type="health")  # fmt: skip
    services.revoke_referral(actor=kase.assigned_worker, referral=referral,
                             reason="Elle a peur que son oncle l'apprenne")  # fmt: skip
    for column in ("revoked_reason", "revoked_note_sealed"):
        assert not any("oncle" in value for value in raw("protection_referral", column))


def test_rewriting_the_key_file_never_leaves_it_truncated(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "protection.key"
    old = crypto.generate_key()
    crypto.write_key_file(path, [old])

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("jigi.protection.crypto.os.fdopen", broken)
    with pytest.raises(OSError, match="disk full"):
        crypto.write_key_file(path, [crypto.generate_key(), old])
    assert path.read_text().split() == [old]
    assert [p.name for p in tmp_path.iterdir()] == ["protection.key"]
    assert path.stat().st_mode & 0o777 == 0o600


def test_withdrawing_livelihoods_consent_withdraws_the_pending_cash_referral(areas: None) -> None:
    programme = make_programme()
    kase = case()
    referral_consent(kase, "livelihoods")
    cash = services.refer_to_cash_programme(actor=kase.assigned_worker, case=kase,
                                            programme_code=programme.code,
                                            commune_code="ML010312", phone="76 00 00 02")  # fmt: skip
    consent = kase.consents.get(purpose="referral", service_type="livelihoods")
    result = services.withdraw_consent(actor=kase.assigned_worker, consent=consent)
    priority = PriorityReferral.objects.get(pk=cash.priority_referral_id)
    assert priority.status == PriorityReferral.Status.WITHDRAWN
    assert (priority.phone, priority.household_id) == ("", None)  # the programme keeps nothing
    assert result.revoked_referrals == 1


def test_follow_up_purposes_and_consent_scopes_are_sealed(areas: None) -> None:
    kase = case()
    services.schedule_follow_up(actor=kase.assigned_worker, case=kase,
                                due_on=timezone.localdate() - timedelta(days=1),
                                purpose="Visite chez sa tante à Sébénikoro")  # fmt: skip
    services.give_consent(actor=kase.assigned_worker, case=kase, purpose="referral",
                          service_type="legal", given_on=timezone.localdate(),
                          scope_note="Seulement l'avocate, pas la police")  # fmt: skip
    assert not any("tante" in v for v in raw("protection_followup", "purpose_sealed"))
    assert not any("avocate" in v for v in raw("protection_consent", "scope_note_sealed"))
    opened = selectors.case_file(kase.assigned_worker, kase.code)
    assert [purpose for _row, purpose in opened.follow_ups] == ["Visite chez sa tante à Sébénikoro"]
    # The case list (someone may be looking at the screen) shows the overdue code, not why.
    listing = client_for(kase.assigned_worker).get("/protection/").content.decode()
    assert kase.code in listing
    assert "tante" not in listing
