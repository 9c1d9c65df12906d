"""Which column of a file feeds which register field, and turning a file's cell text into the
values the register's rules expect (choice labels, French dates, yes/no, GPS, Kobo lists).

A column matches a field by the mapping template, or else by the field's name or a usual
alias, compared without accents or case, on the whole header or on its last ``/`` segment
(Kobo group paths: ``household/commune`` matches ``commune``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any

from django.db.models import Field
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from jigi.core.errors import InvalidInput
from jigi.core.text import fold
from jigi.registry.models import Household, IdentityDocument, Individual
from jigi.registry.rules import HOUSEHOLD_FIELDS, MEMBER_FIELDS


@dataclass(frozen=True)
class Target:
    name: str
    level: str  # "household" or "member"
    required: bool = False
    aliases: tuple[str, ...] = ()
    label: str | Promise = ""

    @property
    def display(self) -> str:
        if self.label:
            return str(self.label)
        return str(_model_field(self.level, self.name).verbose_name)  # type: ignore[union-attr]


ASSET_FIELDS = tuple(name for name in HOUSEHOLD_FIELDS if name.startswith("has_"))
_HOUSEHOLD_PLAIN = tuple(
    name
    for name in HOUSEHOLD_FIELDS
    if name not in {"village", "registered_on", "source", "latitude", "longitude"}
)

TARGETS: tuple[Target, ...] = (
    Target(
        "household_key",
        "household",
        required=True,
        aliases=("rootUuid", "_uuid", "household_id", "hh_id", "id_menage", "code_menage"),
        label=gettext_lazy("identifiant du ménage dans le fichier"),
    ),
    Target(
        "commune",
        "household",
        required=True,
        aliases=("commune_pcode", "admin3_pcode", "adm3_pcode", "pcode_commune", "pcode"),
        label=gettext_lazy("commune (P-code)"),
    ),
    Target("village", "household", required=True, aliases=("quartier", "localite")),
    Target(
        "registered_on",
        "household",
        aliases=("date_enregistrement", "today", "_submission_time"),
    ),
    Target("latitude", "household", aliases=("_gps_latitude", "lat")),
    Target("longitude", "household", aliases=("_gps_longitude", "lon", "lng")),
    Target(
        "gps",
        "household",
        aliases=("geopoint", "_geolocation"),
        label=gettext_lazy("position GPS (« lat lon »)"),
    ),
    Target("assets", "household", label=gettext_lazy("biens du ménage (liste)")),
    *(Target(name, "household") for name in _HOUSEHOLD_PLAIN),
    Target(
        "member_key",
        "member",
        aliases=("record_id", "individual_id", "id_individu"),
        label=gettext_lazy("identifiant de la personne dans le fichier"),
    ),
    Target("given_names", "member", required=True, aliases=("prenoms", "prenom", "first_name")),
    Target("family_name", "member", required=True, aliases=("nom", "last_name", "surname")),
    Target("sex", "member", required=True, aliases=("sexe", "gender")),
    Target("birth_date", "member", required=True, aliases=("date_naissance", "dob")),
    Target(
        "relationship",
        "member",
        required=True,
        aliases=("lien", "lien_parente", "relation", "relationship_to_head"),
    ),
    Target("nina", "member", aliases=("numero_nina",), label="NINA"),
    *(
        Target(name, "member", aliases=("telephone",) if name == "phone" else ())
        for name in MEMBER_FIELDS
        if name not in {"given_names", "family_name", "sex", "birth_date", "relationship"}
    ),
)
TARGETS_BY_NAME = {target.name: target for target in TARGETS}


@cache
def _labels(target: Target) -> tuple[str, str]:
    """The field's label in French and English: a header may simply be the label."""
    with override("fr"):
        french = target.display
    with override("en"):
        english = target.display
    return french, english


def _column_names(column: str) -> tuple[str, str]:
    folded = fold(column).replace(" ", "_")
    return folded, folded.rsplit("/", 1)[-1]


def resolve(
    columns: list[str], explicit: dict[str, str], *, grouped: bool = False
) -> dict[str, str]:
    """{field: column} for the file's columns; an unmapped required field stops everything."""
    errors: dict[str, list[str]] = {}
    present = set(columns)
    resolved: dict[str, str] = {}
    for name, column in explicit.items():
        if not column:
            continue
        if name not in TARGETS_BY_NAME:
            errors.setdefault(name, []).append(_("Champ du registre inconnu."))
        elif column not in present:
            errors.setdefault(name, []).append(
                _("La colonne « %(column)s » n'est pas dans le fichier.") % {"column": column}
            )
        else:
            resolved[name] = column
    by_name: dict[str, str] = {}
    by_segment: dict[str, str] = {}
    for column in columns:
        whole, segment = _column_names(column)
        by_name.setdefault(whole, column)
        by_segment.setdefault(segment, column)
    taken = set(resolved.values())
    # Names and aliases first, then labels ("Date de naissance"), so a label never takes a
    # column another field is named after.
    for labels in (False, True):
        for target in TARGETS:
            if target.name in resolved or target.name in explicit:
                continue
            for candidate in _labels(target) if labels else (target.name, *target.aliases):
                wanted = fold(candidate).replace(" ", "_")
                found = by_name.get(wanted) or by_segment.get(wanted)
                if found and found not in taken:
                    resolved[target.name] = found
                    taken.add(found)
                    break
    for target in TARGETS:
        if target.required and target.name not in resolved:
            if grouped and target.name == "household_key":
                continue
            errors.setdefault(target.name, []).append(
                _("Champ obligatoire « %(field)s » : aucune colonne du fichier ne lui correspond.")
                % {"field": target.display}
            )
    if errors:
        missing = ", ".join(
            f"{TARGETS_BY_NAME[name].display if name in TARGETS_BY_NAME else name} ({name})"
            for name in errors
        )
        raise InvalidInput(
            _("Correspondance des colonnes incomplète, rien n'a été importé : %(fields)s.")
            % {"fields": missing},
            errors,
        )
    return resolved


# ---------------------------------------------------------------------------------------------
# Cell text → values for the register's rules

_TRUE = {"yes", "oui", "o", "y", "1", "true", "vrai", "x"}
_FALSE = {"no", "non", "n", "0", "false", "faux"}
_EXTRA_CHOICES: dict[str, dict[str, str]] = {
    "sex": {
        "h": "M",
        "homme": "M",
        "masculin": "M",
        "male": "M",
        "f": "F",
        "femme": "F",
        "feminin": "F",
        "female": "F",
    },  # fmt: skip
    "pregnancy": {"none": "", "non": "", "no": ""},
}
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]")
_NUMBER = re.compile(r"^-?\d+\.0+$")
GPS_PLACES = Decimal("0.00001")


@cache
def _choice_lookup(model: type[Household] | type[Individual], name: str) -> dict[str, str]:
    field: Field[Any, Any] = model._meta.get_field(name)  # type: ignore[assignment]
    lookup: dict[str, str] = {}
    for value, label in field.choices or ():
        for language in ("fr", "en"):
            with override(language):
                lookup[fold(str(label))] = str(value)
        lookup[fold(str(value))] = str(value)
    lookup.update(_EXTRA_CHOICES.get(name, {}))
    return lookup


def _model_field(level: str, name: str) -> Field[Any, Any] | None:
    model = Household if level == "household" else Individual
    try:
        return model._meta.get_field(name)  # type: ignore[return-value]
    except Exception:  # noqa: BLE001 (pseudo-fields: keys, gps, assets, nina)
        return None


@cache
def _kinds() -> dict[str, str]:
    kinds: dict[str, str] = {}
    for target in TARGETS:
        field = _model_field(target.level, target.name)
        if field is None:
            continue
        internal = field.get_internal_type()
        if target.name in {"latitude", "longitude"}:
            kinds[target.name] = "coordinate"
        elif field.choices:
            kinds[target.name] = "choice"
        elif internal == "BooleanField":
            kinds[target.name] = "boolean"
        elif internal == "DateField":
            kinds[target.name] = "date"
        elif internal in {"PositiveIntegerField", "PositiveSmallIntegerField"}:
            kinds[target.name] = "integer"
    return kinds


# A file repeats the same few answers in every row: each distinct cell is folded once.
@lru_cache(maxsize=4096)
def _choice(level: str, name: str, text: str) -> str:
    model = Household if level == "household" else Individual
    return _choice_lookup(model, name).get(fold(text), text)


@lru_cache(maxsize=1024)
def _yes_no(text: str) -> bool | None:
    folded = fold(text)
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    return None


def normalise_date(text: str) -> str:
    """ISO dates stay; day-first dates (05/01/2026, the French way) and datetimes become ISO."""
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return text
    match = _ISO_PREFIX.match(text)
    return match.group(1) if match else text


def normalise(level: str, name: str, text: str, problems: dict[str, str]) -> tuple[str, Any] | None:
    """The (field, value) the rules expect for one cell, or None when the cell adds nothing.

    A value that cannot be understood is passed on as typed, so the rules' message names it;
    ``problems`` gets the cases the rules could not see (an unknown yes/no answer).
    """
    kind = _kinds().get(name)
    if kind == "choice":
        return name, _choice(level, name, text)
    if kind == "boolean":
        answer = _yes_no(text)
        if answer is None:
            problems[name] = _("Réponse oui/non attendue : %(value)s.") % {"value": text}
            return None
        return name, answer
    if kind == "date":
        return name, normalise_date(text)
    if kind == "integer" and _NUMBER.match(text):
        return name, text.split(".", 1)[0]
    if kind == "coordinate":  # GPS readings carry more decimals than the register keeps
        try:
            return name, Decimal(text.replace(",", ".")).quantize(GPS_PLACES, ROUND_HALF_UP)
        except InvalidOperation:
            return name, text
    return name, text


def split_gps(text: str) -> tuple[Decimal, Decimal] | None:
    parts = text.replace(",", " ").split()
    if len(parts) < 2:
        return None
    try:
        latitude, longitude = (
            Decimal(part).quantize(GPS_PLACES, ROUND_HALF_UP) for part in parts[:2]
        )
    except InvalidOperation:
        return None
    return latitude, longitude


def assets(text: str) -> dict[str, bool]:
    """A Kobo select_multiple answer ("radio phone") as the household's has_* flags."""
    chosen = {fold(word).removeprefix("has_") for word in text.split()}
    return {name: name.removeprefix("has_") in chosen for name in ASSET_FIELDS}


NINA_KIND = IdentityDocument.Kind.NINA
