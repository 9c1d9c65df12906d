from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigi.intake.mapping import TARGETS
from jigi.intake.models import ImportBatch, MappingTemplate, PcodeVersion


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier"),
        help_text=gettext_lazy(
            "CSV (UTF-8 ou Windows-1252, séparé par « , » ou « ; »), XLSX, ou export "
            "KoboToolbox (JSON de l'API ou XLSX). Une ligne par personne ; les personnes d'un "
            "même ménage partagent son identifiant."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,.json"}),
    )
    mapping = forms.ModelChoiceField(
        label=gettext_lazy("Modèle de correspondance"),
        queryset=MappingTemplate.objects.all(),
        required=False,
        empty_label=gettext_lazy("Automatique (noms de colonnes du registre ou du formulaire)"),
    )
    pcode_version = forms.ChoiceField(
        label=gettext_lazy("Version des P-codes"),
        choices=[("", gettext_lazy("Celle du modèle, sinon 2021")), *PcodeVersion.choices],
        required=False,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.JIGI_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("Le fichier dépasse %(mb)d Mo.")
                % {"mb": settings.JIGI_IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class CommitForm(forms.Form):
    policy = forms.ChoiceField(
        label=gettext_lazy("Que faire des ménages en erreur ?"),
        choices=ImportBatch.Policy.choices,
        initial=ImportBatch.Policy.VALID_ONLY,
        widget=forms.RadioSelect,
    )


class MappingTemplateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom"), max_length=80)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=300, required=False)
    pcode_version = forms.ChoiceField(
        label=gettext_lazy("Version des P-codes"), choices=PcodeVersion.choices
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for target in TARGETS:
            self.fields[f"col_{target.name}"] = forms.CharField(
                label=target.display,
                required=False,
                max_length=200,
                help_text=target.name,
            )

    @staticmethod
    def initial_for(template: MappingTemplate) -> dict[str, Any]:
        return {
            "name": template.name,
            "description": template.description,
            "pcode_version": template.pcode_version,
            **{f"col_{name}": column for name, column in template.columns.items()},
        }

    def columns(self) -> dict[str, str]:
        return {
            target.name: self.cleaned_data.get(f"col_{target.name}", "")
            for target in TARGETS
            if self.cleaned_data.get(f"col_{target.name}")
        }

    def groups(self) -> list[tuple[str, list[tuple[forms.BoundField, bool]]]]:
        """The column fields by level, each with whether the register requires it."""
        household = [(self[f"col_{t.name}"], t.required) for t in TARGETS if t.level == "household"]
        member = [(self[f"col_{t.name}"], t.required) for t in TARGETS if t.level == "member"]
        return [(_("Ménage"), household), (_("Personne"), member)]
