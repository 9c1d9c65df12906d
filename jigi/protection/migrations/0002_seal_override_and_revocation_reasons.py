"""Seal the free texts a referral kept in clear: the consent-override reason (also dropped from
the audit entry) and the case worker's revocation reason (the column keeps a code)."""

from typing import Any

from django.db import migrations, models

CODES = {"", "consent_withdrawn", "case_worker"}


def seal_existing(apps: Any, _schema_editor: Any) -> None:
    """Seal what earlier rows kept in clear (needs the key only when there is something)."""
    from jigi.protection import crypto

    referral = apps.get_model("protection", "Referral")
    for row in referral.objects.exclude(override_reason_sealed="").exclude(
        override_reason_sealed__startswith=f"{crypto.VERSION}."
    ):
        row.override_reason_sealed = crypto.seal(
            row.override_reason_sealed, field="protection.referral.override_reason_sealed"
        )
        row.save(update_fields=["override_reason_sealed"])
    for row in referral.objects.exclude(revoked_reason__in=CODES):
        row.revoked_note_sealed = crypto.seal(
            row.revoked_reason, field="protection.referral.revoked_note_sealed"
        )
        row.revoked_reason = "case_worker"
        row.save(update_fields=["revoked_note_sealed", "revoked_reason"])


class Migration(migrations.Migration):
    dependencies = [("protection", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(model_name="referral", name="referral_consent_or_override"),
        migrations.RenameField(
            model_name="referral", old_name="override_reason", new_name="override_reason_sealed"
        ),
        migrations.AlterField(
            model_name="referral",
            name="override_reason_sealed",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="referral",
            name="revoked_note_sealed",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(consent__isnull=False)
                | models.Q(override_reason_sealed__gt=""),
                name="referral_consent_or_override",
            ),
        ),
    ]
