"""Forms parse what officers type; the services check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigi.core.models import AdminArea, Organisation
from jigi.core.text import fold
from jigi.programmes import targeting
from jigi.programmes.models import EmergencyResponse, Enrolment, EnrolmentEvent, Programme
from jigi.programmes.services import CoverageLine, FundingLine

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _criteria_choices() -> list[tuple[str, Any]]:
    return [(key, label) for key, (label, _sql) in targeting.CRITERIA.items()]


class ProgrammeForm(forms.Form):
    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=40,
        help_text=gettext_lazy(
            "Court et sans espace, ex. « jigisemejiri-fa2 ». Figé au lancement."
        ),
    )
    name = forms.CharField(label=gettext_lazy("Nom"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=Programme.Kind.choices)
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation de mise en œuvre"),
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    transfer_value_xof = forms.CharField(
        label=gettext_lazy("Montant par ménage et par paiement (FCFA)"),
        required=False,
        help_text=gettext_lazy("Nombre entier, ex. 15 000."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    member_top_up_xof = forms.CharField(
        label=gettext_lazy("Complément par membre (FCFA)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    top_up_member_cap = forms.IntegerField(
        label=gettext_lazy("Nombre maximal de membres comptés pour le complément"),
        required=False,
        min_value=1,
    )
    frequency_months = forms.TypedChoiceField(
        label=gettext_lazy("Fréquence des paiements"),
        choices=Programme.Frequency.choices,
        coerce=int,
    )
    duration_months = forms.IntegerField(
        label=gettext_lazy("Durée d'inscription (mois)"), min_value=1, initial=36
    )
    starts_on = forms.DateField(label=gettext_lazy("Début"), required=False, widget=DATE_INPUT)
    ends_on = forms.DateField(label=gettext_lazy("Fin"), required=False, widget=DATE_INPUT)
    conditionalities = forms.CharField(
        label=gettext_lazy("Conditionnalités"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    compliance_rule = forms.CharField(
        label=gettext_lazy("Retenue en cas de non-conformité"),
        required=False,
        max_length=20,
        help_text=gettext_lazy(
            "Par cycle, pour un ménage qui n'a pas respecté les conditionnalités : un "
            "pourcentage du montant de base (ex. 25 %) ou un montant en FCFA (ex. 2 500). "
            "Vide : aucune retenue."
        ),
    )
    target_groups = forms.MultipleChoiceField(
        label=gettext_lazy("Groupes cibles"),
        required=False,
        choices=_criteria_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    coverage = forms.CharField(
        label=gettext_lazy("Communes couvertes et quotas"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "Une commune par ligne : son P-code ou son nom, puis le quota de ménages "
            "(facultatif), ex. « ML010312 ; 250 » ou « Kayes ; 250 »."
        ),
    )
    funding = forms.CharField(
        label=gettext_lazy("Financement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Une source par ligne : son code puis le montant en FCFA, ex. « ida-fa2 ; 500 000 000 »."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("Motif de la modification"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Obligatoire une fois le programme lancé (il est versionné)."),
    )

    def clean_coverage(self) -> list[CoverageLine]:
        text: str = self.cleaned_data["coverage"]
        lines: list[CoverageLine] = []
        problems: list[str] = []
        communes = AdminArea.objects.filter(level=AdminArea.Level.COMMUNE)
        by_name: dict[str, list[str]] = {}
        for pcode, name_folded in communes.values_list("pcode", "name_folded"):
            by_name.setdefault(name_folded, []).append(pcode)
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            place, _sep, quota_text = raw.replace(",", ";").partition(";")
            place = place.strip()
            pcode = place.upper()
            if not pcode.startswith("ML"):
                found = by_name.get(fold(place), [])
                if len(found) != 1:
                    problems.append(
                        _("Ligne %(n)s : « %(place)s » %(why)s")
                        % {
                            "n": number,
                            "place": place,
                            "why": _("désigne plusieurs communes : donnez son P-code.")
                            if found
                            else _("n'est pas une commune connue."),
                        }
                    )
                    continue
                pcode = found[0]
            quota_text = quota_text.replace(" ", "").replace("\u202f", "").strip()
            quota: int | None = None
            if quota_text:
                try:
                    quota = int(quota_text)
                except ValueError:
                    problems.append(
                        _("Ligne %(n)s : le quota « %(quota)s » n'est pas un nombre entier.")
                        % {"n": number, "quota": quota_text}
                    )
                    continue
            lines.append(CoverageLine(pcode, quota))
        if problems:
            raise forms.ValidationError(problems)
        if not lines:
            raise forms.ValidationError(_("Au moins une commune."))
        return lines

    def clean_funding(self) -> list[FundingLine]:
        lines: list[FundingLine] = []
        for number, raw in enumerate(self.cleaned_data["funding"].splitlines(), start=1):
            if not raw.strip():
                continue
            code, _sep, amount = raw.partition(";")
            if not amount.strip():
                raise forms.ValidationError(
                    _("Ligne %(n)s : donnez le code de la source puis « ; » et le montant.")
                    % {"n": number}
                )
            lines.append(FundingLine(code.strip(), amount.strip()))
        return lines

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["organisation"] = data["organisation"].pk
        for name in ("coverage", "funding", "reason"):
            data.pop(name, None)
        return data

    @staticmethod
    def initial_for(programme: Programme) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(programme, name)
            for name in (
                "code",
                "name",
                "kind",
                "description",
                "transfer_value_xof",
                "member_top_up_xof",
                "top_up_member_cap",
                "frequency_months",
                "duration_months",
                "starts_on",
                "ends_on",
                "conditionalities",
                "compliance_rule",
                "target_groups",
            )
        }
        initial["organisation"] = programme.organisation_id
        initial["coverage"] = "\n".join(
            f"{line.commune_id} ; {'' if line.quota is None else line.quota}"
            for line in programme.coverage.order_by("commune_id")
        )
        initial["funding"] = "\n".join(
            f"{line.funding_source.code} ; {line.amount_xof}"
            for line in programme.funding.select_related("funding_source")
        )
        return initial


class FormulaForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom"), max_length=120)
    intercept = forms.FloatField(label=gettext_lazy("Constante"), initial=0)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=300)


def _variable_choices() -> list[tuple[str, Any]]:
    return [("", "—")] + [(key, variable.label) for key, variable in targeting.VARIABLES.items()]


class TermForm(forms.Form):
    variable = forms.ChoiceField(
        label=gettext_lazy("Variable"), choices=_variable_choices, required=False
    )
    transform = forms.ChoiceField(
        label=gettext_lazy("Transformation"),
        choices=[(key, spec.label) for key, spec in targeting.TRANSFORMS.items()],
        required=False,
    )
    value = forms.CharField(
        label=gettext_lazy("Valeur ou seuil"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("Pour « égal à » (ex. straw) et « au moins »."),
    )
    weight = forms.FloatField(label=gettext_lazy("Poids"), required=False)

    def term(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("variable"):
            return None
        return {
            "variable": data["variable"],
            "transform": data.get("transform") or "value",
            "value": data.get("value") or None,
            "weight": data.get("weight"),
        }


TermFormSet = forms.formset_factory(TermForm, extra=8, max_num=40)


class RunForm(forms.Form):
    formula = forms.TypedChoiceField(label=gettext_lazy("Formule PMT"), coerce=int)
    cutoff = forms.FloatField(
        label=gettext_lazy("Seuil (score maximal)"),
        required=False,
        help_text=gettext_lazy("Les scores bas sont les plus pauvres. Vide : pas de seuil."),
    )
    all_of = forms.MultipleChoiceField(
        label=gettext_lazy("Critères obligatoires (tous)"),
        required=False,
        choices=_criteria_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    any_of = forms.MultipleChoiceField(
        label=gettext_lazy("Au moins un de ces critères"),
        required=False,
        choices=_criteria_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    communes = forms.MultipleChoiceField(
        label=gettext_lazy("Limiter à ces communes"),
        required=False,
        help_text=gettext_lazy("Vide : toute la couverture du programme."),
    )

    def __init__(self, *args: Any, programme: Programme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["formula"]).choices = [
            (formula.pk, str(formula)) for formula in programme.formulas.order_by("-number")
        ]
        cast(forms.ChoiceField, self.fields["communes"]).choices = list(
            programme.coverage.order_by("commune__name").values_list("commune_id", "commune__name")
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("validated", gettext_lazy("Valider")), ("rejected", gettext_lazy("Rejeter"))]
    )
    reason = forms.CharField(label=gettext_lazy("Motif"), required=False, max_length=300)


class AdditionForm(forms.Form):
    household = forms.CharField(label=gettext_lazy("Code du ménage"), max_length=20)
    reason = forms.CharField(label=gettext_lazy("Motif de l'ajout"), max_length=300)


class BulkEnrolForm(forms.Form):
    start_on = forms.DateField(label=gettext_lazy("Date de début"), widget=DATE_INPUT)


class EnrolForm(forms.Form):
    household = forms.CharField(label=gettext_lazy("Code du ménage"), max_length=20)
    start_on = forms.DateField(label=gettext_lazy("Date de début"), widget=DATE_INPUT)


class StatusForm(forms.Form):
    event = forms.ChoiceField(
        label=gettext_lazy("Changement"),
        choices=[
            (kind, label)
            for kind, label in EnrolmentEvent.Kind.choices
            if kind not in {EnrolmentEvent.Kind.ENROLLED, EnrolmentEvent.Kind.RECIPIENT_CHANGED}
        ],
    )
    on = forms.DateField(label=gettext_lazy("Date"), widget=DATE_INPUT)
    reason = forms.CharField(label=gettext_lazy("Motif"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RecipientForm(forms.Form):
    recipient = forms.TypedChoiceField(label=gettext_lazy("Récipiendaire"), coerce=int)
    alternate = forms.TypedChoiceField(
        label=gettext_lazy("Suppléant(e)"), coerce=int, required=False, empty_value=None
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Canal de paiement"), choices=Enrolment.Channel.choices
    )
    payment_number = forms.CharField(
        label=gettext_lazy("Numéro de paiement"), required=False, max_length=40
    )
    on = forms.DateField(label=gettext_lazy("Date"), widget=DATE_INPUT)
    reason = forms.CharField(label=gettext_lazy("Motif"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["recipient"]).choices = members
        cast(forms.ChoiceField, self.fields["alternate"]).choices = [("", "—"), *members]


class EmergencyForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type de réponse"), choices=EmergencyResponse.Kind.choices
    )
    shock = forms.CharField(label=gettext_lazy("Choc"), max_length=200)
    communes = forms.MultipleChoiceField(label=gettext_lazy("Communes touchées"))
    top_up_xof = forms.CharField(
        label=gettext_lazy("Montant supplémentaire par ménage (FCFA)"),
        required=False,
        help_text=gettext_lazy("Complément vertical."),
    )
    cycles = forms.IntegerField(
        label=gettext_lazy("Nombre de cycles"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("Complément vertical."),
    )
    extra_quota = forms.IntegerField(
        label=gettext_lazy("Quota temporaire par commune (ménages)"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("Extension horizontale : les ménages suivants du classement."),
    )
    start_on = forms.DateField(label=gettext_lazy("Début"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=gettext_lazy("Fin"), widget=DATE_INPUT)

    def __init__(self, *args: Any, programme: Programme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["communes"]).choices = list(
            programme.coverage.order_by("commune__name").values_list("commune_id", "commune__name")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == EmergencyResponse.Kind.TOP_UP:
            if not data.get("top_up_xof"):
                self.add_error("top_up_xof", _("Obligatoire pour un complément vertical."))
            if not data.get("cycles"):
                self.add_error("cycles", _("Obligatoire pour un complément vertical."))
        elif data.get("kind") == EmergencyResponse.Kind.EXPANSION and not data.get("extra_quota"):
            self.add_error("extra_quota", _("Obligatoire pour une extension horizontale."))
        return data
