"""Forms parse register input; the services check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jigi.core.models import AdminArea
from jigi.registry.models import Household, IdentityDocument, Individual
from jigi.registry.rules import HOUSEHOLD_FIELDS, MEMBER_FIELDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(label=_("Nom"), required=False, max_length=100)
    phone = forms.CharField(label=_("Téléphone"), required=False, max_length=30)
    document = forms.CharField(label=_("N° de pièce (NINA…)"), required=False, max_length=40)
    code = forms.CharField(label=_("Code ménage"), required=False, max_length=20)
    region = forms.ChoiceField(label=_("Région"), required=False)
    cercle = forms.ChoiceField(label=_("Cercle"), required=False)
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    village = forms.CharField(label=_("Village / quartier"), required=False, max_length=120)
    displacement = forms.ChoiceField(
        label=_("Déplacement"),
        required=False,
        choices=[("", _("Tous")), *Household.Displacement.choices],
    )
    status = forms.ChoiceField(
        label=_("Statut"), required=False, choices=[("", _("Tous")), *Household.Status.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        data = self.data
        cast(forms.ChoiceField, self.fields["region"]).choices = [
            ("", _("Toutes")),
            *area_choices(level=1),
        ]
        cast(forms.ChoiceField, self.fields["cercle"]).choices = [
            ("", _("Tous")),
            *area_choices(parent=data.get("region", "")),
        ]
        cast(forms.ChoiceField, self.fields["commune"]).choices = [
            ("", _("Toutes")),
            *area_choices(parent=data.get("cercle", "")),
        ]
        # htmx fills the next select of the cascade when one changes (plain GET without JS).
        options_url = reverse("registry:area_options")
        self.fields["region"].widget.attrs.update(
            {"hx-get": f"{options_url}?level=2", "hx-target": "#id_cercle"}
        )
        self.fields["cercle"].widget.attrs.update(
            {"hx-get": f"{options_url}?level=3", "hx-target": "#id_commune"}
        )

    def area(self) -> str:
        data = getattr(self, "cleaned_data", {})
        return str(data.get("commune") or data.get("cercle") or data.get("region") or "")


def area_choices(*, level: int | None = None, parent: str = "") -> list[tuple[str, str]]:
    if level is None and not parent:
        return []
    rows = (
        AdminArea.objects.filter(level=level)
        if level
        else AdminArea.objects.filter(parent_id=parent)
    )
    return list(rows.order_by("name").values_list("pcode", "name"))


class VersionedForm(forms.ModelForm):  # type: ignore[type-arg]
    """Carries the version the user saw, so a stale save is refused by the service."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def changed_values(self) -> dict[str, Any]:
        """Only the fields the user changed, as plain values (dates as ISO text)."""
        values = {}
        for name in self.changed_data:
            if name == "version":
                continue
            value = self.cleaned_data[name]
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            if hasattr(value, "pk"):
                value = value.pk
            values[name] = value
        return values


class HouseholdForm(VersionedForm):
    class Meta:
        model = Household
        fields = [name for name in HOUSEHOLD_FIELDS if name not in {"registered_on", "source"}]
        widgets = {"displaced_on": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        origin: Any = self.fields["origin_commune"]
        origin.queryset = AdminArea.objects.filter(level=3).order_by("name")
        for name in ("latitude", "longitude"):
            self.fields[name].help_text = _("Degrés décimaux, ex. 14.4469 / -11.4445.")


class MemberForm(VersionedForm):
    class Meta:
        model = Individual
        fields = list(MEMBER_FIELDS)
        widgets = {"birth_date": DATE_INPUT}


class NewMemberForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Individual
        fields = list(MEMBER_FIELDS)
        widgets = {"birth_date": DATE_INPUT}

    def values(self) -> dict[str, Any]:
        return {
            name: (value.isoformat() if hasattr(value, "isoformat") else value)
            for name, value in self.cleaned_data.items()
            if value not in (None, "")
        }


class MemberExitForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Motif de sortie"),
        choices=[
            (Individual.Status.DECEASED, _("Décès")),
            (Individual.Status.MOVED_OUT, _("Départ du ménage")),
        ],
    )
    on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("Précisions"), max_length=300)
    new_head = forms.ModelChoiceField(
        label=_("Nouveau chef de ménage"),
        queryset=Individual.objects.none(),
        required=False,
        help_text=_("Obligatoire si le chef de ménage part."),
    )

    def __init__(self, *args: Any, household: Household, member: Individual, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            "forms.ModelChoiceField[Any]", self.fields["new_head"]
        ).queryset = household.members.filter(status=Individual.Status.ALIVE).exclude(pk=member.pk)


class MoveForm(forms.Form):
    commune = forms.ChoiceField(label=_("Nouvelle commune"))
    village = forms.CharField(label=_("Village / quartier"), max_length=120)
    reason = forms.CharField(label=_("Motif"), max_length=300)

    def __init__(self, *args: Any, communes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["commune"]).choices = communes


class SplitForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("Membres qui forment le nouveau ménage"),
        queryset=Individual.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    new_head = forms.ModelChoiceField(
        label=_("Chef du nouveau ménage"), queryset=Individual.objects.none()
    )
    village = forms.CharField(
        label=_("Village / quartier"),
        max_length=120,
        required=False,
        help_text=_("Vide : le même village."),
    )
    reason = forms.CharField(label=_("Motif"), max_length=300)

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        living = household.members.filter(status=Individual.Status.ALIVE).exclude(
            relationship=Individual.Relationship.HEAD
        )
        cast("forms.ModelChoiceField[Any]", self.fields["members"]).queryset = living
        cast("forms.ModelChoiceField[Any]", self.fields["new_head"]).queryset = living


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la demande"),
        max_length=300,
        help_text=_("Ce que l'examinateur doit savoir (source, document vu…)."),
    )


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("Commentaire"), max_length=300, required=False)


class HeadForm(forms.Form):
    new_head = forms.ModelChoiceField(
        label=_("Nouveau chef de ménage"), queryset=Individual.objects.none()
    )
    former_head_relationship = forms.ChoiceField(
        label=_("Lien de l'ancien chef avec le nouveau"),
        choices=[
            c for c in Individual.Relationship.choices if c[0] != Individual.Relationship.HEAD
        ],
    )

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        living = household.members.filter(status=Individual.Status.ALIVE).exclude(
            relationship=Individual.Relationship.HEAD
        )
        cast("forms.ModelChoiceField[Any]", self.fields["new_head"]).queryset = living


class DocumentForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = IdentityDocument
        fields = ["kind", "number", "issuer", "issued_on"]
        widgets = {"issued_on": DATE_INPUT}

    def values(self) -> dict[str, Any]:
        return {
            name: (value.isoformat() if hasattr(value, "isoformat") else value)
            for name, value in self.cleaned_data.items()
            if value not in (None, "")
        }
