"""Forms only parse input; rules are checked by the services they feed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jigi.accounts.roles import Role
from jigi.accounts.services import Scope
from jigi.core.models import AdminArea, Site


class AreaChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.pcode})"


def _areas(level: int) -> Any:
    return AdminArea.objects.filter(level=level).order_by("name")


class UserForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)
    email = forms.EmailField(label=_("Courriel"), required=False)
    role = forms.ChoiceField(label=_("Rôle"), choices=[("", "—"), *Role.choices])
    national_scope = forms.BooleanField(
        label=_("Portée nationale"),
        required=False,
        help_text=_("Voit les données de tout le pays."),
    )
    regions = AreaChoiceField(
        label=_("Régions"),
        queryset=_areas(1),
        required=False,
        help_text=_(
            "Ctrl + clic (ou Cmd + clic) pour en choisir plusieurs. Une région inclut ses cercles et communes."
        ),
    )
    cercles = AreaChoiceField(label=_("Cercles"), queryset=_areas(2), required=False)
    communes = AreaChoiceField(label=_("Communes"), queryset=_areas(3), required=False)
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites"), queryset=Site.objects.filter(is_active=True), required=False
    )

    def scope(self) -> Scope:
        data = self.cleaned_data
        areas = [*data["regions"], *data["cercles"], *data["communes"]]
        return Scope(
            national=data["national_scope"],
            areas=tuple(area.pcode for area in areas),
            sites=tuple(site.pk for site in data["sites"]),
        )


class NewUserForm(UserForm):
    username = forms.RegexField(
        label=_("Identifiant"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text=_("Lettres, chiffres et . @ + - _ seulement."),
    )
    password = forms.CharField(
        label=_("Mot de passe provisoire"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Au moins 12 caractères. La personne devra le changer à sa première connexion."
        ),
    )
    field_order = ["username", "first_name", "last_name", "email", "password", "role"]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du jeton"),
        max_length=80,
        help_text=_("Par exemple : « Synchronisation DHIS2 »."),
    )
    expires_on = forms.DateField(
        label=_("Expire le"), required=False, help_text=_("jj/mm/aaaa, facultatif.")
    )


class OtpTokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Code à 6 chiffres"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Saisissez les 6 chiffres affichés par l'application.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
