"""On PostgreSQL, prefix searches (LIKE 'traor%') use these pattern-ops indexes whatever the
database collation; SQLite uses the ordinary indexes with range conditions (core.text.prefix_q)."""

from django.db import migrations

INDEXES = [
    ("registry_nametoken_token_like", "registry_nametoken", "token varchar_pattern_ops, household_id, individual_id"),
    ("registry_namepair_pair_like", "registry_namepair", "pair varchar_pattern_ops, household_id, individual_id"),
    ("registry_household_village_like", "registry_household", "village_folded varchar_pattern_ops"),
    ("registry_nameword_word_like", "registry_nameword", "word varchar_pattern_ops"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, table, columns in INDEXES:
            schema_editor.execute(f"CREATE INDEX {name} ON {table} ({columns})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _table, _columns in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
