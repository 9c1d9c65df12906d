"""The household registration XLSForm, generated from the register's own fields and choices so
that what field teams collect offline (Kobo/ODK) is what the importer accepts."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.db.models import Choices
from django.utils import translation
from openpyxl import Workbook

from jigi.core.models import AdminArea
from jigi.registry.models import Household, Individual

FORM_ID = "jigi_household"
FR, EN = "Français (fr)", "English (en)"
PHONE_CONSTRAINT = "regex(., '^(\\+223)?[0-9]{8}$')"
NINA_CONSTRAINT = "regex(., '^[0-9]{14}[A-Z]$')"

# Register choice lists offered in the form: list name → model choices.
CHOICE_LISTS: dict[str, type[Choices]] = {
    "displacement": Household.Displacement,
    "roof": Household.Roof,
    "wall": Household.Wall,
    "floor": Household.Floor,
    "water_source": Household.Water,
    "toilet": Household.Toilet,
    "lighting": Household.Lighting,
    "cooking_fuel": Household.Cooking,
    "sex": Individual.Sex,
    "birth_precision": Individual.BirthPrecision,
    "relationship": Individual.Relationship,
    "marital_status": Individual.Marital,
    "difficulty": Individual.Difficulty,
}
ASSETS = (
    "has_radio",
    "has_television",
    "has_phone",
    "has_bicycle",
    "has_motorbike",
    "has_plough",
    "has_cart",
)
LIVESTOCK = ("cattle", "sheep", "goats", "camels", "donkeys", "poultry")
DISABILITY = ("seeing", "hearing", "walking", "cognition", "self_care", "communication")


def _labels(text: Any) -> tuple[str, str]:
    """The French and English labels of a (lazy) translatable string."""
    with translation.override("fr"):
        french = str(text)
    with translation.override("en"):
        english = str(text)
    return french, english


def _field_label(model: type[Any], name: str) -> tuple[str, str]:
    french, english = _labels(model._meta.get_field(name).verbose_name)
    return french[:1].upper() + french[1:], english[:1].upper() + english[1:]


SURVEY_COLUMNS = [
    "type", "name", f"label::{FR}", f"label::{EN}", "required", "constraint",
    f"constraint_message::{FR}", f"constraint_message::{EN}", "relevant", "choice_filter", "appearance",
]  # fmt: skip


def _row(kind: str, name: str, labels: tuple[str, str], **extra: str) -> list[str]:
    values = {
        "type": kind,
        "name": name,
        f"label::{FR}": labels[0],
        f"label::{EN}": labels[1],
        **extra,
    }
    return [values.get(column, "") for column in SURVEY_COLUMNS]


def survey_rows() -> list[list[str]]:
    rows = [
        _row("start", "start", ("", "")),
        _row("end", "end", ("", "")),
        _row("today", "today", ("", "")),
        _row("deviceid", "deviceid", ("", "")),
        _row("begin group", "household", ("Ménage", "Household")),
        _row("select_one region", "region", ("Région", "Region"), required="yes"),
        _row(
            "select_one cercle",
            "cercle",
            ("Cercle", "Cercle"),
            required="yes",
            choice_filter="region=${region}",
        ),
        _row(
            "select_one commune",
            "commune",
            ("Commune", "Commune"),
            required="yes",
            choice_filter="cercle=${cercle}",
        ),
        _row("text", "village", _field_label(Household, "village"), required="yes"),
        _row("geopoint", "gps", ("Position GPS", "GPS position")),
        _row(
            "select_one displacement",
            "displacement",
            _field_label(Household, "displacement"),
            required="yes",
        ),
        _row(
            "date",
            "displaced_on",
            _field_label(Household, "displaced_on"),
            relevant="${displacement} != 'resident' and ${displacement} != 'host'",
            constraint=". <= today()",
            **{
                f"constraint_message::{FR}": "Date dans le futur.",
                f"constraint_message::{EN}": "Date in the future.",
            },
        ),
    ]
    for name in ("roof", "wall", "floor", "water_source", "toilet", "lighting", "cooking_fuel"):
        rows.append(_row(f"select_one {name}", name, _field_label(Household, name)))
    for name in LIVESTOCK:
        rows.append(
            _row("integer", name, _field_label(Household, name), constraint=". >= 0 and . < 10000")
        )
    rows.append(
        _row(
            "decimal",
            "land_hectares",
            _field_label(Household, "land_hectares"),
            constraint=". >= 0",
        )
    )
    rows.append(_row("select_multiple assets", "assets", ("Biens du ménage", "Household assets")))
    rows.append(_row("end group", "", ("", "")))
    rows += [
        _row("begin repeat", "members", ("Membres du ménage", "Household members")),
        _row("text", "given_names", _field_label(Individual, "given_names"), required="yes"),
        _row("text", "family_name", _field_label(Individual, "family_name"), required="yes"),
        _row("text", "other_names", _field_label(Individual, "other_names")),
        _row("select_one sex", "sex", _field_label(Individual, "sex"), required="yes"),
        _row(
            "select_one relationship",
            "relationship",
            _field_label(Individual, "relationship"),
            required="yes",
        ),
        _row(
            "select_one birth_precision",
            "birth_precision",
            _field_label(Individual, "birth_precision"),
            required="yes",
        ),
        _row(
            "date",
            "birth_date",
            _field_label(Individual, "birth_date"),
            required="yes",
            constraint=". <= today() and . >= date('1900-01-01')",
            **{
                f"constraint_message::{FR}": "Date dans le futur ou âge de plus de 120 ans.",
                f"constraint_message::{EN}": "Date in the future or age over 120.",
            },
        ),
        _row(
            "select_one marital_status",
            "marital_status",
            _field_label(Individual, "marital_status"),
        ),
        _row(
            "text",
            "phone",
            _field_label(Individual, "phone"),
            constraint=PHONE_CONSTRAINT,
            appearance="numbers",
            **{
                f"constraint_message::{FR}": "8 chiffres, avec ou sans +223.",
                f"constraint_message::{EN}": "8 digits, with or without +223.",
            },
        ),
        _row(
            "text",
            "nina",
            ("NINA", "NINA"),
            constraint=NINA_CONSTRAINT,
            **{
                f"constraint_message::{FR}": "14 chiffres suivis d'une lettre.",
                f"constraint_message::{EN}": "14 digits followed by a letter.",
            },
        ),
        _row(
            "select_one pregnancy",
            "pregnancy",
            _field_label(Individual, "pregnancy"),
            relevant="${sex} = 'F'",
        ),
    ]
    for name in DISABILITY:
        rows.append(_row("select_one difficulty", name, _field_label(Individual, name)))
    rows.append(
        _row("select_one yes_no", "attends_school", _field_label(Individual, "attends_school"))
    )
    rows.append(
        _row(
            "text",
            "school_grade",
            _field_label(Individual, "school_grade"),
            relevant="${attends_school} = 'yes'",
        )
    )
    rows.append(_row("text", "occupation", _field_label(Individual, "occupation")))
    rows.append(_row("end repeat", "", ("", "")))
    return rows


def choice_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for area in AdminArea.objects.order_by("level", "pcode").select_related("parent"):
        list_name = {1: "region", 2: "cercle", 3: "commune"}[area.level]
        region = area.pcode[:4] if area.level >= 2 else ""
        cercle = area.pcode[:6] if area.level == 3 else ""
        rows.append([list_name, area.pcode, area.name, area.name, region, cercle])
    for list_name, choices in CHOICE_LISTS.items():
        for value, label in choices.choices:
            if value in ("", None):
                continue
            rows.append([list_name, str(value), *_labels(label), "", ""])
    for pregnancy, pregnancy_label in Individual.Pregnancy.choices:
        if pregnancy:
            rows.append(["pregnancy", str(pregnancy), *_labels(pregnancy_label), "", ""])
    rows.append(["pregnancy", "none", "Non", "No", "", ""])
    for name in ASSETS:
        rows.append(["assets", name.removeprefix("has_"), *_field_label(Household, name), "", ""])
    rows += [["yes_no", "yes", "Oui", "Yes", "", ""], ["yes_no", "no", "Non", "No", "", ""]]
    return rows


def build_xlsform(out: Path, *, today: date | None = None) -> Path:
    """Write the XLSForm (survey, choices, settings) to ``out``."""
    version = (today or date.today()).strftime("%Y%m%d01")  # noqa: DTZ011 (a form version stamp)
    workbook = Workbook()
    survey = workbook.active
    assert survey is not None  # noqa: S101 (a new workbook has a sheet)
    survey.title = "survey"
    survey.append(SURVEY_COLUMNS)
    for row in survey_rows():
        survey.append(row)
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", f"label::{FR}", f"label::{EN}", "region", "cercle"])
    for row in choice_rows():
        choices.append(row)
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language", "instance_name"])
    settings.append(
        [
            "Jigi – recensement des ménages",
            FORM_ID,
            version,
            FR,
            "concat(${village}, ' ', ${today})",
        ]
    )
    workbook.save(out)
    return out
