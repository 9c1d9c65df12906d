"""On PostgreSQL the database also refuses to DELETE audit entries.

(SQLite keeps only the UPDATE guard: Django empties SQLite tables with DELETE between
transactional tests, and a SQLite trigger cannot tell that apart. Deletions there are still
detected by `jigi audit verify`, with `--anchor` for a rewritten head.)
"""

from django.db import migrations

FORWARD = [
    """CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry
       FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();""",
]
BACKWARD = ["DROP TRIGGER IF EXISTS audit_entry_no_delete ON audit_auditentry;"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [migrations.RunPython(forwards, backwards)]
