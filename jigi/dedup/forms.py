from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jigi.dedup.models import CandidatePair, Decision


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
