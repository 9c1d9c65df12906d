"""The register raises the shared domain errors (jigi.core.errors); this module only names the
messages that several services share."""

from django.utils.translation import gettext_lazy as _

REQUIRED = _("Ce champ est obligatoire.")
STALE = _(
    "Ce dossier a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
    "Rechargez la page pour voir ses nouvelles valeurs, puis refaites votre modification."
)
