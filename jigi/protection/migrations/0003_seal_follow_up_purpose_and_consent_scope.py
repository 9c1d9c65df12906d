"""Seal the follow-up's purpose and the consent's scope note: free texts about the survivor
that were kept in clear."""

from typing import Any

from django.db import migrations, models


def seal_existing(apps: Any, _schema_editor: Any) -> None:
    """Seal what earlier rows kept in clear (needs the key only when there is something)."""
    from jigi.protection import crypto

    for model, name in (("FollowUp", "purpose_sealed"), ("Consent", "scope_note_sealed")):
        rows = apps.get_model("protection", model).objects.exclude(**{name: ""})
        for row in rows.exclude(**{f"{name}__startswith": f"{crypto.VERSION}."}):
            setattr(row, name, crypto.seal(getattr(row, name),
                                           field=f"protection.{model.lower()}.{name}"))  # fmt: skip
            row.save(update_fields=[name])


class Migration(migrations.Migration):
    dependencies = [("protection", "0002_seal_override_and_revocation_reasons")]

    operations = [
        migrations.RenameField(model_name="followup", old_name="purpose", new_name="purpose_sealed"),
        migrations.AlterField(
            model_name="followup", name="purpose_sealed", field=models.TextField()
        ),
        migrations.RenameField(
            model_name="consent", old_name="scope_note", new_name="scope_note_sealed"
        ),
        migrations.AlterField(
            model_name="consent", name="scope_note_sealed", field=models.TextField(blank=True)
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
