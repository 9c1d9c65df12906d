"""Migration 0004 on a register that holds values of the first format: they come out bound
to their case and still open."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jigi.protection import crypto, selectors
from jigi.protection.models import Case, Incident
from jigi.protection.tests.factories import case, incident

BEFORE = [("protection", "0003_seal_follow_up_purpose_and_consent_scope")]
AFTER = [("protection", "0004_bind_sealed_values_to_their_case")]


@pytest.mark.django_db(transaction=True)
def test_migration_binds_first_format_values_to_their_case(areas: None) -> None:
    kase = case()
    incident(kase)
    Case.objects.filter(pk=kase.pk).update(
        name_sealed=crypto.seal("Awa Keïta", field="protection.case.name_sealed")
    )
    Incident.objects.filter(case=kase).update(
        narrative_sealed=crypto.seal("Au puits.", field="protection.incident.narrative_sealed")
    )
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    stored = Case.objects.get(pk=kase.pk)
    assert stored.name_sealed.startswith("v2.")
    assert Incident.objects.get(case=kase).narrative_sealed.startswith("v2.")
    opened = selectors.case_file(kase.assigned_worker, kase.code)
    assert opened.name == "Awa Keïta"
    assert opened.incidents[0].narrative == "Au puits."
    with pytest.raises(crypto.SealError):  # bound: it no longer opens without its case
        crypto.unseal(stored.name_sealed, field="protection.case.name_sealed")
