"""The model's comparison and level names in the user's language.

Splink stores them in the trained model's JSON, in French (the source language); they are
translated when shown, so a model trained in one language reads in the other.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LABELS: dict[str, Promise] = {
    # comparisons
    "Prénoms et nom": _("Prénoms et nom"),
    "Date de naissance": _("Date de naissance"),
    "Sexe": _("Sexe"),
    "Téléphone": _("Téléphone"),
    "NINA / pièce d'identité": _("NINA / pièce d'identité"),
    "Lieu": _("Lieu"),
    "Ménage (membres en commun)": _("Ménage (membres en commun)"),
    # levels
    "Noms absents": _("Noms absents"),
    "Même orthographe": _("Même orthographe"),
    "Mêmes noms, variantes d'orthographe": _("Mêmes noms, variantes d'orthographe"),
    "Prénom et nom inversés": _("Prénom et nom inversés"),
    "Un nom identique, l'autre proche": _("Un nom identique, l'autre proche"),
    "Même prénom, autre nom (p. ex. nom d'épouse)": _(
        "Même prénom, autre nom (p. ex. nom d'épouse)"
    ),
    "Noms proches": _("Noms proches"),
    "Même nom, autre prénom": _("Même nom, autre prénom"),
    "Même date (exacte)": _("Même date (exacte)"),
    "Même année (estimée)": _("Même année (estimée)"),
    "À un mois près": _("À un mois près"),
    "À un an près (estimée)": _("À un an près (estimée)"),
    "À 13 mois près (âge d'enfant)": _("À 13 mois près (âge d'enfant)"),
    "À 3 ans près": _("À 3 ans près"),
    "Même commune": _("Même commune"),
    "Même cercle": _("Même cercle"),
    "Même région": _("Même région"),
    "Même ménage": _("Même ménage"),
    "3 membres ou plus en commun": _("3 membres ou plus en commun"),
    "2 membres en commun": _("2 membres en commun"),
    "1 membre en commun (petit ménage)": _("1 membre en commun (petit ménage)"),
    "1 membre en commun": _("1 membre en commun"),
    "1 ou 2 membres en commun": _("1 ou 2 membres en commun"),  # models trained before 2026-12
    "Identique": _("Identique"),
    "Un chiffre de différence": _("Un chiffre de différence"),
    "Absent": _("Absent"),
    "All other comparisons": _("Tout le reste"),
}


# Splink saves each comparison's description as its class name: they are named by column.
COMPARISONS: dict[str, Promise] = {
    "names": _("Prénoms et nom"),
    "birth": _("Date de naissance"),
    "sex": _("Sexe"),
    "phone": _("Téléphone"),
    "nina": _("NINA / pièce d'identité"),
    "place": _("Lieu"),
    "household": _("Ménage (membres en commun)"),
}


def comparison_name(column: str) -> str:
    """What a comparison (by its output column) is called in the active language."""
    return str(COMPARISONS.get(column, column))


def shown(label: str) -> str:
    """``label`` in the active language (unknown labels as stored)."""
    return str(LABELS.get(label, label))
