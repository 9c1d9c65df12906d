from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from jigi.accounts.models import User
from jigi.audit.models import AuditEntry, AuditHead
from jigi.audit.services import entry_hash, record, record_many, verify_chain
from jigi.core.context import action_source

pytestmark = pytest.mark.django_db


def write_three(actor: User) -> list[AuditEntry]:
    return [
        record(actor=actor, action=f"test.action{n}", target=actor, changes={"n": n})
        for n in range(3)
    ]


def tamper(sql: str, params: list[str]) -> None:
    """Change rows behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks before ALTER
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
        cursor.execute(sql, params)


def test_each_entry_carries_the_hash_of_the_previous_one(administrator: User) -> None:
    first, second, third = write_three(administrator)
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert AuditHead.objects.get().last_hash == third.hash
    report = verify_chain()
    assert report.ok
    assert report.checked == 3


def test_entries_record_who_and_where_from(administrator: User) -> None:
    with action_source("web 10.1.2.3"):
        entry = record(actor=administrator, action="test.where", target=administrator)
    assert (entry.actor_label, entry.source, entry.target_type) == (
        "admin.national",
        "web 10.1.2.3",
        "accounts.user",
    )


def test_bulk_entries_chain_and_verify_like_single_ones(administrator: User) -> None:
    record(actor=administrator, action="test.single", target=administrator)
    odd = {
        "né le": date(1980, 12, 31),
        "montant": Decimal("12500.50"),
        "b": {"z": "Maïga", "a": [1, None, True]},
        "a": "Keïta",
    }
    appended = record_many(
        actor=administrator,
        action="test.bulk",
        items=[(administrator, odd), (administrator, {}), (administrator, {3: "x", 10: "y"})],  # type: ignore[dict-item]
    )
    assert appended == 3
    record(actor=administrator, action="test.after", target=administrator)
    report = verify_chain()
    assert (report.ok, report.checked) == (True, 5)
    first, _empty, keyed = AuditEntry.objects.filter(action="test.bulk").order_by("seq")
    assert first.changes == {
        "né le": "1980-12-31",
        "montant": "12500.50",
        "b": {"a": [1, None, True], "z": "Maïga"},
        "a": "Keïta",
    }
    assert keyed.changes == {"3": "x", "10": "y"}
    assert all(entry_hash(entry.hashed_fields()) == entry.hash for entry in (first, keyed))


def test_editing_an_entry_is_detected_and_named(administrator: User) -> None:
    write_three(administrator)
    tamper("UPDATE audit_auditentry SET changes = %s WHERE seq = 2", ['{"n": 99}'])
    report = verify_chain()
    assert not report.ok
    assert report.broken_seq == 2
    assert report.reason == "contenu modifié"


def test_removing_an_entry_in_the_middle_is_detected(administrator: User) -> None:
    write_three(administrator)
    tamper("DELETE FROM audit_auditentry WHERE seq = %s", ["2"])
    report = verify_chain()
    assert (report.ok, report.broken_seq) == (False, 2)


def test_removing_the_last_entry_is_detected(administrator: User) -> None:
    write_three(administrator)
    tamper("DELETE FROM audit_auditentry WHERE seq = %s", ["3"])
    report = verify_chain()
    assert (report.ok, report.broken_seq) == (False, 3)


def test_removing_the_tail_and_rewriting_the_head_is_caught_by_the_anchor(
    administrator: User,
) -> None:
    entries = write_three(administrator)
    anchor = (3, entries[2].hash)
    tamper("DELETE FROM audit_auditentry WHERE seq = %s", ["3"])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_audithead SET last_seq = 2, last_hash = %s", [entries[1].hash])
    assert verify_chain().ok  # without an anchor, a rewritten head hides the removal
    report = verify_chain(anchor=anchor)
    assert (report.ok, report.broken_seq) == (False, 3)


def test_entries_appended_during_verification_are_not_mistaken_for_tampering(
    administrator: User,
) -> None:
    write_three(administrator)
    head = AuditHead.objects.get()
    record(actor=administrator, action="test.late", target=administrator)
    AuditHead.objects.filter(id=1).update(
        last_seq=head.last_seq, last_hash=head.last_hash
    )  # head as read first
    report = verify_chain()
    assert report.ok
    assert report.checked == 3


def test_the_database_refuses_to_update_an_entry(administrator: User) -> None:
    write_three(administrator)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE seq = 1")


def test_the_application_refuses_to_save_or_delete_an_entry(administrator: User) -> None:
    entry = write_three(administrator)[0]
    entry.action = "changed"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
    with pytest.raises(RuntimeError):
        AuditEntry.objects.filter(seq=1).delete()
    with pytest.raises(RuntimeError):
        AuditEntry.objects.filter(seq=1).update(action="changed")
    assert AuditEntry.objects.get(seq=1).action == "test.action0"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps only the UPDATE guard (migration 0003)"
)
def test_postgresql_refuses_to_delete_an_entry(administrator: User) -> None:
    write_three(administrator)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 1")


def test_audit_page_is_for_auditors_only(administrator: User, enumerator_kayes: User) -> None:
    from conftest import signed_in

    write_three(administrator)
    assert "test.action1" in signed_in(administrator).get("/audit/").content.decode()
    assert signed_in(enumerator_kayes).get("/audit/").status_code == 403
