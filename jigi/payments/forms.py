"""Forms parse what payment officers type; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from jigi.core.models import AdminArea, FundingSource
from jigi.payments.models import PaymentAgency
from jigi.programmes.models import Programme

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CycleForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Programme"),
        queryset=Programme.objects.filter(status=Programme.Status.ACTIVE).order_by("name"),
    )
    name = forms.CharField(
        label=gettext_lazy("Nom"), max_length=120, help_text=gettext_lazy("ex. « 2027 – cycle 1 »")
    )
    cycle_on = forms.DateField(
        label=gettext_lazy("Date du cycle"),
        widget=DATE_INPUT,
        help_text=gettext_lazy("Les inscriptions actives à cette date sont payées."),
    )
    due_on = forms.DateField(label=gettext_lazy("Date de paiement prévue"), widget=DATE_INPUT)
    funding_source = forms.ModelChoiceField(
        label=gettext_lazy("Source de financement"),
        queryset=FundingSource.objects.filter(is_active=True).order_by("name"),
    )

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Motif"), max_length=300)


class ReturnsForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier de retour de l'agence (CSV, XLSX ou JSON DCI)"),
        help_text=gettext_lazy(
            "Colonnes payment_id, status (paid, failed, uncollected), amount, paid_at, "
            "operator_txn_id, failure_reason, ou leurs équivalents du modèle opérateur "
            "(Référence, Statut, Montant, Date…) ; une ligne TOTAL facultative porte le total de "
            "contrôle."
        ),
    )


class ComplianceForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier de conformité (CSV ou XLSX)"),
        help_text=gettext_lazy(
            "Colonnes household_code (ou « Code ménage »), compliant (oui / non), reason "
            "(facultatif) ; un ménage par ligne."
        ),
    )
    apply_valid = forms.BooleanField(
        label=gettext_lazy("En cas d'erreurs, enregistrer quand même les lignes valides"),
        required=False,
    )


class AssignmentForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Programme"),
        queryset=Programme.objects.filter(status=Programme.Status.ACTIVE).order_by("name"),
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("Région"),
        queryset=AdminArea.objects.filter(level=AdminArea.Level.REGION).order_by("name"),
    )
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Agence"),
        queryset=PaymentAgency.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("(aucune : retirer l'affectation)"),
    )
