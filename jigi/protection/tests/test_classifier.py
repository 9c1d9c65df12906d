"""The GBVIMS classification, case by case from the standard's definitions: the first "yes"
in the standard's order decides, the step that decided is kept, and the contexts follow from
the relationship, the age at the incident and the answers."""

from __future__ import annotations

import pytest

from jigi.protection.classifier import NO_STEP, VERSION, age_group, classify, missing_answers

NO = {
    "penetration": False,
    "sexual_contact": False,
    "physical_violence": False,
    "forced_marriage": False,
    "denial": False,
    "psychological": False,
    "money_exchanged": False,
    "abducted": False,
    "harmful_practice": False,
}


def run(
    age: int | None = 25, relationship: str = "stranger", **yes: bool
) -> tuple[str, str, tuple[str, ...]]:
    result = classify({**NO, **yes}, survivor_age=age, perpetrator_relationship=relationship)
    assert result.version == VERSION
    return result.gbv_type, result.decided_by, result.contexts


@pytest.mark.parametrize(
    ("answers", "expected", "step"),
    [
        # Any penetration however slight, with a body part or an object: rape, even if the
        # survivor was also beaten and threatened.
        (
            {"penetration": True, "physical_violence": True, "psychological": True},
            "rape",
            "penetration",
        ),
        # Attempted rape and FGM/C are sexual assault (contact without penetration).
        ({"sexual_contact": True, "physical_violence": True}, "sexual_assault", "sexual_contact"),
        # Beating without sexual contact, even inside a forced marriage: physical assault.
        (
            {"physical_violence": True, "forced_marriage": True},
            "physical_assault",
            "physical_violence",
        ),
        ({"forced_marriage": True, "denial": True}, "forced_marriage", "forced_marriage"),
        # A husband keeping his wife's earnings from her: denial of resources.
        ({"denial": True, "psychological": True}, "denial_of_resources", "denial"),
        ({"psychological": True}, "psychological_abuse", "psychological"),
        # Nothing the standard calls GBV (e.g. general poverty): non-GBV.
        ({}, "non_gbv", NO_STEP),
    ],
)
def test_first_yes_in_the_standards_order_decides_the_type(
    answers: dict[str, bool], expected: str, step: str
) -> None:
    result = classify({**NO, **answers}, survivor_age=25, perpetrator_relationship="stranger")
    gbv_type, decided_by = result.gbv_type, result.decided_by
    assert (gbv_type, decided_by) == (expected, step)


def test_partner_violence_is_flagged_whatever_the_type() -> None:
    assert run(relationship="intimate_partner", denial=True)[2] == ("intimate_partner_violence",)
    assert run(relationship="intimate_partner", penetration=True)[2] == (
        "intimate_partner_violence",
    )
    assert run(relationship="family", physical_violence=True)[2] == ()


def test_child_sexual_abuse_needs_a_sexual_type_and_an_age_under_18() -> None:
    assert "child_sexual_abuse" in run(age=14, sexual_contact=True)[2]
    assert "child_sexual_abuse" not in run(age=18, sexual_contact=True)[2]
    assert "child_sexual_abuse" not in run(age=14, physical_violence=True)[2]


def test_early_marriage_is_a_forced_marriage_of_a_child() -> None:
    assert run(age=15, forced_marriage=True)[2] == ("early_marriage",)
    assert run(age=19, forced_marriage=True)[2] == ()


def test_exploitation_and_slavery_follow_money_and_abduction_on_sexual_types() -> None:
    contexts = run(penetration=True, money_exchanged=True, abducted=True)[2]
    assert "possible_sexual_exploitation" in contexts
    assert "possible_sexual_slavery" in contexts
    # Money exchanged for a denial of resources is not sexual exploitation.
    assert run(denial=True, money_exchanged=True)[2] == ()


def test_harmful_traditional_practice_is_flagged_from_its_answer() -> None:
    assert run(age=9, sexual_contact=True, harmful_practice=True)[2] == (
        "child_sexual_abuse",
        "harmful_traditional_practice",
    )


def test_every_question_must_be_answered() -> None:
    assert missing_answers({**NO, "denial": None}) == ["denial"]
    assert missing_answers(NO) == []


def test_age_groups_are_those_of_gbvims() -> None:
    assert [age_group(a) for a in (0, 11, 12, 17, 18, 25, 26, 40, 41, 60, 61, None)] == [
        "0-11", "0-11", "12-17", "12-17", "18-25", "18-25", "26-40", "26-40", "41-60", "41-60",
        "61+", "unknown",
    ]  # fmt: skip
