"""Validation of register input: each problem names its field and reason, nothing is saved.

Values arrive as dicts (from forms, the API, imports); `clean_*` return typed values or raise
`InvalidInput` with every field's errors at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from jigi.core.errors import InvalidInput
from jigi.core.models import AdminArea
from jigi.core.phones import normalise_phone
from jigi.registry.errors import REQUIRED
from jigi.registry.geo import is_in_mali
from jigi.registry.models import Household, IdentityDocument, Individual

MAX_AGE_YEARS = 120
ADULT_AGE = 18
NINA_PATTERN = re.compile(r"^\d{14}[A-Z]$")  # 14 digits and a check letter (law 06-040)

HOUSEHOLD_FIELDS = (
    "village",
    "latitude",
    "longitude",
    "registered_on",
    "source",
    "is_child_headed",
    "roof",
    "wall",
    "floor",
    "water_source",
    "toilet",
    "lighting",
    "cooking_fuel",
    "cattle",
    "sheep",
    "goats",
    "camels",
    "donkeys",
    "poultry",
    "land_hectares",
    "has_radio",
    "has_television",
    "has_phone",
    "has_bicycle",
    "has_motorbike",
    "has_plough",
    "has_cart",
    "displacement",
    "origin_commune",
    "displaced_on",
)
MEMBER_FIELDS = (
    "given_names",
    "family_name",
    "other_names",
    "sex",
    "birth_date",
    "birth_precision",
    "relationship",
    "marital_status",
    "phone",
    "pregnancy",
    "seeing",
    "hearing",
    "walking",
    "cognition",
    "self_care",
    "communication",
    "attends_school",
    "school_grade",
    "occupation",
)
MEMBER_REQUIRED = ("given_names", "family_name", "sex", "birth_date", "relationship")
DOCUMENT_FIELDS = ("kind", "number", "issuer", "issued_on")


_ASK_FIELD = object()
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER_TYPES = {
    "IntegerField",
    "SmallIntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
}


def _as_text(value: Any) -> Any:
    return value if type(value) is str else _ASK_FIELD


def _as_boolean(value: Any) -> Any:
    return value if type(value) is bool else _ASK_FIELD


def _as_date(value: Any) -> Any:
    if type(value) is date:
        return value
    if type(value) is str and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return _ASK_FIELD
    return _ASK_FIELD


def _as_integer(value: Any) -> Any:
    if type(value) is int:
        return value
    if type(value) is str and value.isascii() and value.isdigit():
        return int(value)
    return _ASK_FIELD


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "CharField": _as_text,
    "BooleanField": _as_boolean,
    "DateField": _as_date,
    "IntegerField": _as_integer,
}


@cache
def _shortcut(field: Field[Any, Any]) -> Callable[[Any], Any] | None:
    """What ``field.clean`` returns for a plainly well-formed value (a known choice, text
    within its length, an ISO date, digits within range, a boolean), checked without Django's
    per-value validator calls: imports clean millions of values. Anything else returns
    ``_ASK_FIELD`` and goes to ``field.clean``, which decides and words the error, so both
    paths accept and refuse exactly the same values. None: the field has no shortcut."""
    internal = field.get_internal_type()
    max_length: int | None = None
    low, high = -math.inf, math.inf
    for validator in field.validators:
        limit = getattr(validator, "limit_value", None)
        if not isinstance(limit, int):
            return None
        if isinstance(validator, MaxLengthValidator):
            max_length = limit
        elif isinstance(validator, MinValueValidator):
            low = max(low, limit)
        elif isinstance(validator, MaxValueValidator):
            high = min(high, limit)
        else:
            return None
    convert = _CONVERTERS.get("IntegerField" if internal in _INTEGER_TYPES else internal)
    if convert is None:
        return None
    choices = {value for value, _label in field.flatchoices} if field.choices else None

    def clean(value: Any) -> Any:
        if value is None or value == "":  # required or not: the field decides
            return _ASK_FIELD
        converted = convert(value)
        if converted is _ASK_FIELD or (choices is not None and converted not in choices):
            return _ASK_FIELD
        if max_length is not None and len(converted) > max_length:
            return _ASK_FIELD
        if type(converted) is int and not low <= converted <= high:
            return _ASK_FIELD
        return converted

    return clean


@cache
def _field_plan(
    model: type[Model], name: str
) -> tuple[Any, Any, bool, Callable[[Any], Any] | None]:
    """What `_clean_fields` needs of a model's field, looked up once: the field, the value
    an empty cell becomes (``_ASK_FIELD`` when the field does not allow empty), whether it is
    a relation, and its shortcut."""
    field: Any = model._meta.get_field(name)
    empty = (None if field.null else "") if (field.null or field.blank) else _ASK_FIELD
    return field, empty, bool(field.is_relation), _shortcut(field)


def _clean_fields(
    model: type[Model],
    values: dict[str, Any],
    allowed: tuple[str, ...],
    errors: dict[str, list[str]],
    prefix: str = "",
) -> dict[str, Any]:
    """Each value through its model field (type, choices, length); unknown names are errors."""
    cleaned: dict[str, Any] = {}
    for name, raw in values.items():
        key = f"{prefix}{name}"
        if name not in allowed:
            errors.setdefault(key, []).append(_("Champ inconnu."))
            continue
        field, empty, is_relation, quick = _field_plan(model, name)
        value = raw.strip() if isinstance(raw, str) else raw
        if value in (None, "") and empty is not _ASK_FIELD:
            cleaned[name] = empty
            continue
        if is_relation:
            cleaned[name] = value
            continue
        if quick is not None:
            result = quick(value)
            if result is not _ASK_FIELD:
                cleaned[name] = result
                continue
        try:
            cleaned[name] = field.clean(value, None)
        except ValidationError as exc:
            errors.setdefault(key, []).extend(exc.messages)
        except (TypeError, ValueError):  # e.g. a number or a list where a date is expected
            errors.setdefault(key, []).append(
                _("Valeur invalide : %(value)s.") % {"value": repr(raw)[:40]}
            )
    return cleaned


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        summary = "; ".join(f"{field} : {' '.join(messages)}" for field, messages in errors.items())
        raise InvalidInput(summary, errors)


def clean_commune(
    pcode: Any,
    errors: dict[str, list[str]],
    field: str = "commune",
    areas: Mapping[str, AdminArea] | None = None,
) -> AdminArea | None:
    """``areas`` (every area by P-code, as bulk callers load it once) saves the lookup."""
    if not pcode:
        errors.setdefault(field, []).append(str(REQUIRED))
        return None
    code = str(pcode).strip().upper()
    area = areas.get(code) if areas is not None else AdminArea.objects.filter(pcode=code).first()
    if area is None:
        errors.setdefault(field, []).append(_("P-code inconnu : %(value)s.") % {"value": pcode})
        return None
    if area.level != AdminArea.Level.COMMUNE:
        errors.setdefault(field, []).append(
            _("%(name)s (%(pcode)s) n'est pas une commune.")
            % {"name": area.name, "pcode": area.pcode}
        )
        return None
    return area


def clean_household(
    values: dict[str, Any],
    errors: dict[str, list[str]],
    *,
    partial: bool,
    today: date | None = None,
    areas: Mapping[str, AdminArea] | None = None,
) -> dict[str, Any]:
    """Household attributes (not the commune): types, GPS in Mali, displacement dates.
    ``areas``: every area by P-code, for bulk callers (see ``clean_commune``)."""
    cleaned = _clean_fields(Household, values, HOUSEHOLD_FIELDS, errors)
    today = today or timezone.localdate()
    if not partial:
        for name in ("village", "registered_on", "source"):
            if not cleaned.get(name) and name not in errors:
                errors.setdefault(name, []).append(str(REQUIRED))
    if "village" in cleaned and not cleaned["village"]:
        errors.setdefault("village", []).append(str(REQUIRED))
    if "origin_commune" in cleaned and cleaned["origin_commune"]:
        origin = clean_commune(cleaned["origin_commune"], errors, "origin_commune", areas)
        cleaned["origin_commune"] = origin
    for name in ("registered_on", "displaced_on"):
        if isinstance(cleaned.get(name), date) and cleaned[name] > today:
            errors.setdefault(name, []).append(_("La date ne peut pas être dans le futur."))
    latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
    if ("latitude" in cleaned or "longitude" in cleaned) and (latitude is None) != (
        longitude is None
    ):
        errors.setdefault("latitude", []).append(
            _("Donnez la latitude et la longitude, ou aucune des deux.")
        )
    elif (
        isinstance(latitude, Decimal)
        and isinstance(longitude, Decimal)
        and not is_in_mali(float(latitude), float(longitude))
    ):
        errors.setdefault("latitude", []).append(
            _("Le point GPS (%(lat)s, %(lon)s) est hors du Mali.")
            % {"lat": latitude, "lon": longitude}
        )
    return cleaned


def check_displacement(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Resident and host households have no origin or displacement date."""
    status = values.get("displacement") or Household.Displacement.RESIDENT
    settled = status in {Household.Displacement.RESIDENT, Household.Displacement.HOST}
    if settled and (values.get("origin_commune") or values.get("displaced_on")):
        errors.setdefault("displacement", []).append(
            _("Un ménage résident ou hôte n'a ni commune d'origine ni date de déplacement.")
        )


def clean_member(
    values: dict[str, Any],
    errors: dict[str, list[str]],
    *,
    partial: bool,
    prefix: str = "",
    today: date | None = None,
) -> dict[str, Any]:
    """One member's attributes: names, birth date (not future, age ≤ 120), phone, pregnancy."""
    today = today or timezone.localdate()
    cleaned = _clean_fields(Individual, values, MEMBER_FIELDS, errors, prefix)
    if not partial:
        for name in MEMBER_REQUIRED:  # a value given but refused already has its message
            if not cleaned.get(name) and f"{prefix}{name}" not in errors:
                errors.setdefault(f"{prefix}{name}", []).append(str(REQUIRED))
    for name in ("given_names", "family_name"):
        if name in cleaned and cleaned[name]:
            cleaned[name] = " ".join(cleaned[name].split())
    birth = cleaned.get("birth_date")
    if isinstance(birth, date):
        if birth > today:
            errors.setdefault(f"{prefix}birth_date", []).append(
                _("La date de naissance est dans le futur.")
            )
        elif age_on(birth, today) > MAX_AGE_YEARS:
            errors.setdefault(f"{prefix}birth_date", []).append(
                _("Âge de plus de %(max)d ans : vérifiez la date de naissance.")
                % {"max": MAX_AGE_YEARS}
            )
        if cleaned.get("birth_precision") == Individual.BirthPrecision.YEAR:
            cleaned["birth_date"] = birth.replace(month=1, day=1)
    if cleaned.get("phone"):
        try:
            cleaned["phone"] = normalise_phone(cleaned["phone"])
        except InvalidInput as exc:
            errors.setdefault(f"{prefix}phone", []).append(str(exc))
    if cleaned.get("pregnancy") and cleaned.get("sex") == Individual.Sex.MALE:
        errors.setdefault(f"{prefix}pregnancy", []).append(
            _("Seule une femme peut être enceinte ou allaitante.")
        )
    return cleaned


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def normalise_document_number(kind: str, number: str) -> str:
    return "".join(ch for ch in number.upper() if ch.isalnum())


def clean_documents(
    documents: list[dict[str, Any]],
    errors: dict[str, list[str]],
    prefix: str = "",
    seen: set[tuple[str, str]] | None = None,
    *,
    check_register: bool = True,
) -> list[dict[str, Any]]:
    """Documents of one member; ``seen`` carries numbers already given in the same request.

    Bulk callers pass ``check_register=False`` and look the numbers up in batches themselves.
    """
    seen = set() if seen is None else seen
    cleaned_documents = []
    for index, values in enumerate(documents):
        key = f"{prefix}documents.{index}."
        cleaned = _clean_fields(IdentityDocument, values, DOCUMENT_FIELDS, errors, key)
        kind, number = cleaned.get("kind"), cleaned.get("number")
        if not kind:
            errors.setdefault(f"{key}kind", []).append(str(REQUIRED))
            continue
        if not number:
            errors.setdefault(f"{key}number", []).append(str(REQUIRED))
            continue
        normalised = normalise_document_number(kind, number)
        if kind == IdentityDocument.Kind.NINA and not NINA_PATTERN.match(normalised):
            errors.setdefault(f"{key}number", []).append(
                _("NINA mal formé : %(value)s (14 chiffres suivis d'une lettre).")
                % {"value": number}
            )
            continue
        if (kind, normalised) in seen:
            errors.setdefault(f"{key}number", []).append(
                _("Ce numéro de pièce est donné deux fois : %(value)s.") % {"value": number}
            )
            continue
        seen.add((kind, normalised))
        if (
            check_register
            and IdentityDocument.objects.filter(kind=kind, number_normalised=normalised).exists()
        ):
            errors.setdefault(f"{key}number", []).append(
                _("Ce numéro de pièce est déjà enregistré dans le registre : %(value)s.")
                % {"value": number}
            )
            continue
        cleaned["number_normalised"] = normalised
        cleaned_documents.append(cleaned)
    return cleaned_documents


def check_composition(
    members: list[dict[str, Any]],
    *,
    is_child_headed: bool,
    errors: dict[str, list[str]],
    today: date | None = None,
) -> None:
    """Exactly one living head; an adult unless the household is flagged child-headed."""
    today = today or timezone.localdate()
    living = [
        member
        for member in members
        if member.get("status", Individual.Status.ALIVE) == Individual.Status.ALIVE
    ]
    heads = [
        member for member in living if member.get("relationship") == Individual.Relationship.HEAD
    ]
    if len(heads) != 1:
        errors.setdefault("members", []).append(
            _("Un ménage a exactement un chef de ménage vivant (ici : %(count)d).")
            % {"count": len(heads)}
        )
        return
    birth = heads[0].get("birth_date")
    if isinstance(birth, date) and birth <= today and not is_child_headed:
        age = age_on(birth, today)
        if age < ADULT_AGE:
            errors.setdefault("members", []).append(
                _(
                    "Le chef de ménage a %(age)d ans : cochez « ménage dirigé par un enfant » "
                    "ou désignez un adulte."
                )
                % {"age": age}
            )
