"""Phone numbers are stored in E.164 form; Malian numbers without a prefix get +223."""

import re
from functools import cache

import phonenumbers
from django.utils.translation import gettext as _

from jigi.core.errors import InvalidInput

# Eight digits, alone or after +223 / 00223 (spaces allowed): most numbers a file gives. (Eight
# digits from 0 are not Malian: "00…" is how one dials abroad.)
_MALIAN = re.compile(r"(?:\+223|00223)?([1-9][0-9]{7})")
_MALIAN_START = 4  # how many leading digits decide whether a Malian number exists


def normalise_phone(raw: str, *, default_region: str = "ML") -> str:
    """Return the number as E.164 ("+22376123456"), or raise InvalidInput naming the value."""
    text = raw.strip()
    if default_region == "ML":
        # An import checks hundreds of thousands of numbers: a Malian number is valid or not
        # by its first four digits (a test holds the numbering plan to this), so a number
        # whose start is known good skips the full parse, which costs ten times more.
        malian = _MALIAN.fullmatch(text.replace(" ", ""))
        if malian and _malian_start_exists(malian[1][:_MALIAN_START]):
            return f"+223{malian[1]}"
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


@cache
def _malian_start_exists(start: str) -> bool:
    number = phonenumbers.parse(f"+223{start.ljust(8, '0')}")
    return bool(phonenumbers.is_valid_number(number))
