"""Re-seal the values of the first format (the field's name only as associated data) bound to
their case's code too, so that a value copied into another survivor's case no longer opens
there. Needs the protection key only when there are such values."""

from typing import Any

from django.db import migrations

SEALED = {
    "Case": ("name_sealed", "contact_sealed"),
    "Assessment": ("notes_sealed",),
    "Incident": ("narrative_sealed",),
    "Plan": ("content_sealed",),
    "Referral": ("message_sealed", "feedback_sealed", "override_reason_sealed",
                 "revoked_note_sealed"),
    "Consent": ("scope_note_sealed",),
    "FollowUp": ("purpose_sealed",),
}  # fmt: skip


def bind(apps: Any, _schema_editor: Any) -> None:
    from jigi.protection import crypto

    for model_name, names in SEALED.items():
        model = apps.get_model("protection", model_name)
        code = "code" if model_name == "Case" else "case__code"
        for name in names:
            rows = model.objects.filter(**{f"{name}__startswith": f"{crypto.VERSION}."})
            for pk, value, case_code in rows.values_list("pk", name, code).iterator():
                field = f"protection.{model_name.lower()}.{name}"
                clear = crypto.unseal(value, field=field)
                model.objects.filter(pk=pk).update(
                    **{name: crypto.seal(clear, field=field, case=case_code)}
                )


class Migration(migrations.Migration):
    dependencies = [("protection", "0003_seal_follow_up_purpose_and_consent_scope")]

    operations = [migrations.RunPython(bind, migrations.RunPython.noop)]
