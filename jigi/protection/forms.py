"""Forms of the protection pages: they parse input; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jigi.core.models import AdminArea
from jigi.protection import classifier, services
from jigi.protection.models import (
    Case,
    Consent,
    Incident,
    Plan,
    Provider,
    Referral,
    ServiceDelivery,
    ServiceKind,
    ServiceType,
    Sex,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("yes", _("Oui")), ("no", _("Non"))]


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


class CaseForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Prestataire"), queryset=Provider.objects.none())
    survivor_sex = forms.ChoiceField(label=_("Sexe de la survivante / du survivant"),
                                     choices=_blank(Sex.choices))  # fmt: skip
    survivor_birth_year = forms.IntegerField(
        label=_("Année de naissance"), required=False, help_text=_("Estimée si besoin.")
    )
    risk_level = forms.ChoiceField(label=_("Niveau de risque"), choices=_blank(Case.Risk.choices))
    services_consent_on = forms.DateField(
        label=_("Consentement éclairé aux services donné le"), widget=DATE_INPUT, required=False
    )
    statistics_consent = forms.BooleanField(
        label=_("Consentement à l'usage de données non identifiantes dans les statistiques"),
        required=False,
    )
    name = forms.CharField(
        label=_("Nom (facultatif)"), required=False, max_length=200,
        help_text=_("Chiffré ; jamais affiché dans les listes."),
    )  # fmt: skip
    contact = forms.CharField(
        label=_("Contact sûr (facultatif)"), required=False, max_length=200,
        help_text=_("Chiffré. Un numéro ou un moyen de joindre la personne sans danger."),
    )  # fmt: skip

    def __init__(self, *args: Any, providers: QuerySet[Provider] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if providers is not None:
            self.fields["provider"].queryset = providers  # type: ignore[attr-defined]


class IdentityForm(forms.Form):
    name = forms.CharField(label=_("Nom (facultatif)"), required=False, max_length=200)
    contact = forms.CharField(label=_("Contact sûr (facultatif)"), required=False, max_length=200)
    risk_level = forms.ChoiceField(label=_("Niveau de risque"), choices=Case.Risk.choices)


class IncidentForm(forms.Form):
    """The GBVIMS questions, each answered yes or no; the type is derived, not chosen."""

    reported_on = forms.DateField(label=_("Date du signalement"), widget=DATE_INPUT, required=False)
    incident_on = forms.DateField(label=_("Date de l'incident"), widget=DATE_INPUT, required=False)
    region = forms.ModelChoiceField(
        label=_("Région de l'incident"), queryset=AdminArea.objects.filter(level=1), required=False
    )
    survivor_age = forms.IntegerField(
        label=_("Âge au moment de l'incident"), required=False, min_value=0, max_value=120
    )
    perpetrator_relationship = forms.ChoiceField(
        label=_("Lien de l'auteur avec la survivante"),
        choices=_blank(Incident.Relationship.choices),
        required=False,
    )
    narrative = forms.CharField(
        label=_("Récit (facultatif)"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text=_("Chiffré ; seuls la gestionnaire du dossier et la supervision le lisent."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        questions = [(q.key, q.text) for q in classifier.TYPE_QUESTIONS]
        questions += list(classifier.CONTEXT_QUESTIONS.items())
        for key, text in questions:
            self.fields[key] = forms.ChoiceField(
                label=str(text), choices=YES_NO, widget=forms.RadioSelect, required=False
            )

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        keys = [q.key for q in classifier.TYPE_QUESTIONS] + list(classifier.CONTEXT_QUESTIONS)
        return {key: {"yes": True, "no": False}.get(data.get(key) or "") for key in keys}

    def incident(self) -> services.NewIncident:
        data = self.cleaned_data
        region = data.get("region")
        return services.NewIncident(
            reported_on=data.get("reported_on"),
            incident_on=data.get("incident_on"),
            region_code=region.pcode if region else "",
            survivor_age=data.get("survivor_age"),
            perpetrator_relationship=data.get("perpetrator_relationship") or "",
            answers=self.answers(),
            narrative=data.get("narrative") or "",
        )


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(
        label=_("Date de l'évaluation"), widget=DATE_INPUT, required=False
    )
    safety_needs = forms.BooleanField(label=_("Besoins de sécurité"), required=False)
    health_needs = forms.BooleanField(label=_("Besoins de santé"), required=False)
    psychosocial_needs = forms.BooleanField(label=_("Besoins psychosociaux"), required=False)
    legal_needs = forms.BooleanField(label=_("Besoins juridiques"), required=False)
    material_needs = forms.BooleanField(label=_("Besoins matériels"), required=False)
    risk_level = forms.ChoiceField(label=_("Niveau de risque"), choices=_blank(Case.Risk.choices),
                                   required=False)  # fmt: skip
    notes = forms.CharField(label=_("Notes (chiffrées)"), widget=forms.Textarea(attrs={"rows": 2}),
                            required=False)  # fmt: skip


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Objet du consentement"), choices=Consent.Purpose.choices)
    service_type = forms.ChoiceField(
        label=_("Type de service (orientation)"), choices=_blank(ServiceType.choices),
        required=False,
    )  # fmt: skip
    given_on = forms.DateField(label=_("Donné le"), widget=DATE_INPUT, required=False)
    scope_note = forms.CharField(label=_("Portée (facultatif)"), required=False, max_length=200)


class ServiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=_blank(ServiceKind.choices))
    provider = forms.ModelChoiceField(label=_("Prestataire"), queryset=Provider.objects.none())
    started_on = forms.DateField(label=_("Début"), widget=DATE_INPUT, required=False)
    ended_on = forms.DateField(label=_("Fin"), widget=DATE_INPUT, required=False)
    outcome = forms.ChoiceField(
        label=_("Résultat"), choices=_blank(ServiceDelivery.Outcome.choices)
    )

    def __init__(self, *args: Any, providers: QuerySet[Provider] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if providers is not None:
            self.fields["provider"].queryset = providers  # type: ignore[attr-defined]


class PlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de plan"), choices=Plan.Kind.choices)
    content = forms.CharField(label=_("Contenu (chiffré)"), widget=forms.Textarea(attrs={"rows": 4}),
                              required=False)  # fmt: skip


class FollowUpForm(forms.Form):
    due_on = forms.DateField(label=_("Prévu le"), widget=DATE_INPUT, required=False)
    purpose = forms.CharField(label=_("Objet"), max_length=120, required=False)


class ReferralForm(forms.Form):
    to_provider = forms.ModelChoiceField(label=_("Vers le prestataire"),
                                         queryset=Provider.objects.none())  # fmt: skip
    service_type = forms.ChoiceField(
        label=_("Type de service"), choices=_blank(ServiceType.choices)
    )
    urgency = forms.ChoiceField(label=_("Urgence"), choices=Referral.Urgency.choices)
    message = forms.CharField(
        label=_("Message au prestataire (facultatif)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Seul ce message, le code, le sexe et le groupe d'âge sont transmis."),
    )  # fmt: skip
    override_reason = forms.CharField(
        label=_("Motif d'une orientation sans consentement (supervision)"), required=False,
        max_length=300,
    )  # fmt: skip

    def __init__(self, *args: Any, providers: QuerySet[Provider] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if providers is not None:
            self.fields["to_provider"].queryset = providers  # type: ignore[attr-defined]


class ClosureForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motif de clôture"),
                               choices=_blank(Case.ClosureReason.choices), required=False)  # fmt: skip
    checklist = forms.MultipleChoiceField(
        label=_("Liste de vérification"),
        choices=list(services.CLOSURE_CHECKLIST.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class CashReferralForm(forms.Form):
    programme = forms.ChoiceField(label=_("Programme de transferts monétaires"), choices=())
    household_code = forms.CharField(label=_("Code ménage (s'il est connu)"), required=False,
                                     max_length=20)  # fmt: skip
    commune = forms.CharField(label=_("P-code de la commune du ménage"), max_length=12)
    phone = forms.CharField(label=_("Téléphone du ménage (facultatif)"), required=False,
                            max_length=30)  # fmt: skip

    def __init__(self, *args: Any, programmes: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = _blank(programmes or [])  # type: ignore[attr-defined]


class AuditFilterForm(forms.Form):
    """The site audit's filters; a value that does not parse is named and left out."""

    case = forms.CharField(label=_("Code du dossier"), max_length=40, required=False)
    user = forms.CharField(label=_("Utilisateur·rice"), max_length=150, required=False)
    since = forms.DateField(label=_("Du"), widget=DATE_INPUT, required=False)
    until = forms.DateField(label=_("Au"), widget=DATE_INPUT, required=False)
