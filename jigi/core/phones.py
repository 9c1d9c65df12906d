"""Phone numbers are stored in E.164 form; Malian numbers without a prefix get +223."""

import phonenumbers
from django.utils.translation import gettext as _

from jigi.core.errors import InvalidInput


def normalise_phone(raw: str, *, default_region: str = "ML") -> str:
    """Return the number as E.164 ("+22376123456"), or raise InvalidInput naming the value."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(
            _("« %(value)s » n'est pas un numéro de téléphone.") % {"value": text}
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            _("« %(value)s » n'est pas un numéro de téléphone valide au Mali ou ailleurs.")
            % {"value": text}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
