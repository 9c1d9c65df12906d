from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jigi.core.models import AdminArea
from jigi.dedup.models import CandidatePair, Decision
from jigi.registry.forms import NewMemberForm
from jigi.registry.models import Household
from jigi.registry.rules import HOUSEHOLD_FIELDS, MEMBER_REQUIRED


class PairFilterForm(forms.Form):
    band = forms.ChoiceField(
        label=_("Niveau"), required=False, choices=[("", _("Tous")), *CandidatePair.Band.choices]
    )
    region = forms.ChoiceField(label=_("Région"), required=False)
    min_probability = forms.FloatField(
        label=_("Probabilité au moins"), required=False, min_value=0, max_value=1
    )
    decided = forms.BooleanField(label=_("Afficher aussi les paires décidées"), required=False)

    def __init__(self, *args: object, regions: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["region"].choices = [("", _("Toutes")), *regions]  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Décision"), choices=Decision.Verdict.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class MergeForm(forms.Form):
    survivor = forms.ChoiceField(
        label=_("Fiche conservée"),
        choices=[("left", _("gauche")), ("right", _("droite"))],
        widget=forms.RadioSelect,
        initial="left",
    )


class ThresholdsForm(forms.Form):
    review = forms.FloatField(
        label=_("Seuil de revue"),
        min_value=0.01,
        max_value=0.99,
        widget=forms.NumberInput({"step": "0.01"}),
    )
    almost_certain = forms.FloatField(
        label=_("Seuil « quasi certain »"),
        min_value=0.01,
        max_value=0.99,
        widget=forms.NumberInput({"step": "0.01"}),
    )


class NewHouseholdForm(forms.ModelForm):  # type: ignore[type-arg]
    """A household typed on the web (its members come in a formset beside it)."""

    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=AdminArea.objects.filter(level=AdminArea.Level.COMMUNE)
    )

    class Meta:
        model = Household
        fields = [name for name in HOUSEHOLD_FIELDS if name not in {"registered_on", "source"}]
        widgets = {"displaced_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, communes: QuerySet[AdminArea], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        commune: Any = self.fields["commune"]
        commune.queryset = communes.order_by("name")
        origin: Any = self.fields["origin_commune"]
        origin.queryset = AdminArea.objects.filter(level=AdminArea.Level.COMMUNE).order_by("name")
        self.order_fields(["commune", "village"])
        for name, field in self.fields.items():  # the register's rules say what is required
            field.required = name in {"commune", "village"}

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name == "commune" or value in (None, ""):
                continue
            values[name] = value.pk if hasattr(value, "pk") else value
        values["registered_on"] = timezone.localdate()
        values["source"] = Household.Source.WEB_FORM
        return values


class NewPersonForm(NewMemberForm):
    nina = forms.CharField(
        label=_("NINA"), required=False, max_length=20, help_text=_("14 chiffres et une lettre.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = name in MEMBER_REQUIRED

    def document_values(self) -> tuple[dict[str, Any], ...]:
        nina = str(self.cleaned_data.get("nina") or "").strip()
        return ({"kind": "nina", "number": nina},) if nina else ()

    def values(self) -> dict[str, Any]:
        values = super().values()
        values.pop("nina", None)
        return values


MembersFormSet = forms.formset_factory(NewPersonForm, extra=3, min_num=1, validate_min=True)


class DespiteForm(forms.Form):
    despite_duplicates = forms.BooleanField(
        label=_(
            "J'ai vérifié : ce ne sont pas les mêmes personnes, enregistrer ce ménage quand même"
        ),
        required=False,
    )
