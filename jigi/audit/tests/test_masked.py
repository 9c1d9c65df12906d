"""The general audit page never ties a household to a GBV case: protection entries and the
cash programme's "protection referral" show neither who nor what, and cannot be searched by
name; the chain still covers them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import signed_in
from jigi.accounts.models import User
from jigi.accounts.tests.factories import UserFactory
from jigi.audit.services import record, verify_chain
from jigi.core.context import action_source

pytestmark = pytest.mark.django_db


def test_gbv_entries_are_masked_on_the_audit_page(administrator: User) -> None:
    worker = UserFactory.create(username="vbg.kayes", role="gbv_case_worker", scope_areas=["ML01"])
    with action_source("web 10.9.9.9"):  # the GBV worker's machine
        record(actor=worker, action="protection.cash_referral", target_label="VB-ABC123-X")
        record(actor=worker, action="programmes.priority_referral", target_label="ML-KAY-000123")
    with action_source("web 10.1.1.1"):
        record(actor=worker, action="accounts.password_changed", target_label="vbg.kayes")
    client = signed_in(administrator)
    page = client.get(reverse("audit:entries")).content.decode()
    assert "protection.cash_referral" in page  # the entry is there, in its place
    assert "VB-ABC123-X" not in page
    assert "ML-KAY-000123" not in page
    assert "accounts.password_changed" in page
    # Nor where from: the address would tie the masked entries to the worker's other ones.
    assert "10.9.9.9" not in page
    assert "10.1.1.1" in page
    by_name = client.get(reverse("audit:entries"), {"actor": "vbg.kayes"}).content.decode()
    assert "accounts.password_changed" in by_name
    assert "priority_referral" not in by_name
    assert "cash_referral" not in by_name
    assert verify_chain().ok
