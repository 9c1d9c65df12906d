from django import template
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

register = template.Library()

ACTION_LABELS: dict[str, str | Promise] = {
    "registry.household_registered": _("Ménage enregistré"),
    "registry.household_updated": _("Ménage modifié"),
    "registry.household_moved": _("Déménagement"),
    "registry.household_split": _("Ménage scindé"),
    "registry.household_dissolved": _("Ménage dissous"),
    "registry.member_added": _("Membre ajouté"),
    "registry.member_updated": _("Membre modifié"),
    "registry.member_exit": _("Sortie d'un membre"),
    "registry.member_moved": _("Membre parti dans un nouveau ménage"),
    "registry.head_changed": _("Nouveau chef de ménage"),
    "registry.document_added": _("Pièce d'identité ajoutée"),
    "registry.document_removed": _("Pièce d'identité retirée"),
    "registry.change_requested": _("Demande de modification"),
    "registry.change_approved": _("Demande approuvée"),
    "registry.change_rejected": _("Demande rejetée"),
}


@register.filter
def action_label(action: str) -> str:
    """Words for an audit action code; unknown codes are shown as they are."""
    return str(ACTION_LABELS.get(action, action))
