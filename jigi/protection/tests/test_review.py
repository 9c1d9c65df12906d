"""Findings of the security review of protection (each test failed before its fix): what a
receiver keeps seeing after a withdrawal, free texts left in clear, and the key file."""

from __future__ import annotations

import pytest

from jigi.protection import selectors, services
from jigi.protection.models import Referral
from jigi.protection.tests.factories import case, provider, referral_consent, worker

pytestmark = pytest.mark.django_db


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
