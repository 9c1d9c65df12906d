"""The GBVIMS incident classification as executable, versioned rules.

The case worker answers yes or no to the standard's questions about the act, in the standard's
order; the first "yes" decides the type (so an incident with penetration is a rape even if it
was also a physical assault), and "no" to every one means the incident is not GBV. The case
contexts are then derived from the perpetrator relationship, the survivor's age at the
incident and the answers on money or goods, abduction and harmful traditional practices.

The type and contexts are for statistics only: they never change which services are offered.
A new reading of the standard gets a new ``VERSION``; stored incidents keep theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

VERSION = "gbvims-2026.1"


@dataclass(frozen=True)
class Question:
    key: str
    gbv_type: str
    label: str | Promise
    text: str | Promise


# The standard's order. Each question is about the act described, without consent.
TYPE_QUESTIONS: tuple[Question, ...] = (
    Question(
        "penetration",
        "rape",
        _("Viol"),
        _(
            "L'acte comprenait-il une pénétration non consentie, même légère, du vagin, de "
            "l'anus ou de la bouche par un pénis ou une autre partie du corps, ou du vagin ou de "
            "l'anus par un objet ?"
        ),
    ),
    Question(
        "sexual_contact",
        "sexual_assault",
        _("Agression sexuelle"),
        _(
            "L'acte comprenait-il un contact sexuel non désiré sans pénétration (y compris une "
            "tentative de viol et les mutilations génitales féminines / excision) ?"
        ),
    ),
    Question(
        "physical_violence",
        "physical_assault",
        _("Agression physique"),
        _("L'acte comprenait-il une violence physique qui n'est pas de nature sexuelle ?"),
    ),
    Question(
        "forced_marriage",
        "forced_marriage",
        _("Mariage forcé"),
        _("L'acte était-il un mariage forcé (y compris un mariage précoce) ?"),
    ),
    Question(
        "denial",
        "denial_of_resources",
        _("Déni de ressources, d'opportunités ou de services"),
        _(
            "L'acte consistait-il à priver la personne de ressources, d'opportunités ou de "
            "services auxquels elle a droit (et non d'une pauvreté générale) ?"
        ),
    ),
    Question(
        "psychological",
        "psychological_abuse",
        _("Violence psychologique ou émotionnelle"),
        _("L'acte était-il une violence psychologique ou émotionnelle ?"),
    ),
)
NON_GBV = "non_gbv"
NO_STEP = "none_answered_yes"

GBV_TYPES: dict[str, str | Promise] = {
    **{question.gbv_type: question.label for question in TYPE_QUESTIONS},
    NON_GBV: _("Non VBG"),
}

# Questions asked after the type, for the contexts.
CONTEXT_QUESTIONS: dict[str, str | Promise] = {
    "money_exchanged": _(
        "De l'argent, des biens, des avantages ou une aide ont-ils été échangés ou promis ?"
    ),
    "abducted": _("La survivante a-t-elle été enlevée ou retenue contre sa volonté ?"),
    "harmful_practice": _(
        "L'incident relève-t-il d'une pratique traditionnelle néfaste (excision, mariage "
        "précoce, lévirat …) ?"
    ),
}

CONTEXTS: dict[str, str | Promise] = {
    "intimate_partner_violence": _("Violence entre partenaires intimes (VPI)"),
    "child_sexual_abuse": _("Abus sexuel sur enfant"),
    "early_marriage": _("Mariage précoce"),
    "possible_sexual_exploitation": _("Exploitation sexuelle possible"),
    "possible_sexual_slavery": _("Esclavage sexuel possible"),
    "harmful_traditional_practice": _("Pratique traditionnelle néfaste"),
}

SEXUAL_TYPES = frozenset({"rape", "sexual_assault"})
ADULT_AGE = 18


@dataclass(frozen=True)
class Classification:
    version: str
    gbv_type: str
    decided_by: str  # the key of the question whose "yes" decided, or NO_STEP
    contexts: tuple[str, ...]


def missing_answers(answers: dict[str, Any]) -> list[str]:
    """The questions not yet answered yes or no (every one is asked)."""
    keys = [question.key for question in TYPE_QUESTIONS] + list(CONTEXT_QUESTIONS)
    return [key for key in keys if not isinstance(answers.get(key), bool)]


def classify(
    answers: dict[str, bool], *, survivor_age: int | None, perpetrator_relationship: str
) -> Classification:
    """The GBVIMS type (first "yes" in the standard's order) and the case contexts."""
    decided = next((question for question in TYPE_QUESTIONS if answers.get(question.key)), None)
    gbv_type = decided.gbv_type if decided else NON_GBV
    child = survivor_age is not None and survivor_age < ADULT_AGE
    sexual = gbv_type in SEXUAL_TYPES
    contexts = []
    if perpetrator_relationship == "intimate_partner" and gbv_type != NON_GBV:
        contexts.append("intimate_partner_violence")
    if child and sexual:
        contexts.append("child_sexual_abuse")
    if child and gbv_type == "forced_marriage":
        contexts.append("early_marriage")
    if sexual and answers.get("money_exchanged"):
        contexts.append("possible_sexual_exploitation")
    if sexual and answers.get("abducted"):
        contexts.append("possible_sexual_slavery")
    if answers.get("harmful_practice") and gbv_type != NON_GBV:
        contexts.append("harmful_traditional_practice")
    return Classification(
        version=VERSION,
        gbv_type=gbv_type,
        decided_by=decided.key if decided else NO_STEP,
        contexts=tuple(contexts),
    )


AGE_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("0-11", 0, 11),
    ("12-17", 12, 17),
    ("18-25", 18, 25),
    ("26-40", 26, 40),
    ("41-60", 41, 60),
    ("61+", 61, 200),
)
UNKNOWN_AGE = "unknown"


def age_group(age: int | None) -> str:
    """The GBVIMS age group of the survivor at the incident."""
    if age is None:
        return UNKNOWN_AGE
    return next((name for name, low, high in AGE_GROUPS if low <= age <= high), UNKNOWN_AGE)
