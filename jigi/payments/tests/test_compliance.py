"""Conditionality deductions: the programme's rule, the compliance file and the payroll."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from jigi.core.errors import Conflict, InvalidInput
from jigi.payments import services
from jigi.payments.models import ComplianceRecord
from jigi.payments.tests.factories import cycle_for, enrolled, make_programme
from jigi.programmes.tests.factories import household

pytestmark = pytest.mark.django_db


def compliance_csv(rows: list[list[str]], header: str = "household_code;compliant;reason") -> bytes:
    lines = [header, *(";".join(row) for row in rows)]
    return "\n".join(lines).encode("utf-8")


def test_rule_is_validated_and_normalised(areas: None) -> None:
    assert make_programme(compliance_rule="25 %").compliance_rule == "25%"
    with pytest.raises(InvalidInput) as refused:
        make_programme(code="autre-prog", compliance_rule="un quart")
    assert "compliance_rule" in refused.value.errors


def test_non_compliant_households_lose_the_rule_amount_whenever_the_file_comes(
    areas: None,
) -> None:
    programme = make_programme(compliance_rule="20%")  # 20 % of 15 000 = 3 000
    kept, late, missing = (enrolled(programme) for _index in range(3))
    cycle = cycle_for(programme)
    # Before generation: the payroll is written with the deduction.
    result = services.import_compliance(
        actor=None, cycle=cycle, file_name="mesures.csv",
        content=compliance_csv([[kept.household.code, "oui", ""],
                                [late.household.code, "non", "Absente aux séances"]]),
    )  # fmt: skip
    assert (result.written, result.non_compliant, result.errors) == (2, 1, [])
    cycle = services.generate_payroll(actor=None, cycle=cycle)
    amounts = {
        line.household_id: (line.deduction_xof, line.amount_xof) for line in cycle.lines.all()
    }
    assert amounts[late.household_id] == (3000, 12000)
    assert amounts[kept.household_id] == (0, 15000)
    assert amounts[missing.household_id] == (0, 15000)  # no record: no deduction
    # After generation: a corrected file updates the lines and the totals at once.
    services.import_compliance(
        actor=None, cycle=cycle, file_name="mesures-v2.csv",
        content=compliance_csv([[late.household.code, "oui", "Rattrapage fait"],
                                [missing.household.code, "non", ""]]),
    )  # fmt: skip
    cycle.refresh_from_db()
    lines = {line.household_id: line for line in cycle.lines.all()}
    assert lines[late.household_id].deduction_xof == 0
    assert lines[missing.household_id].amount_xof == 12000
    assert cycle.totals["amount_xof"] == 15000 * 3 - 3000
    assert cycle.totals["deduction_xof"] == 3000
    assert ComplianceRecord.objects.get(cycle=cycle, household=late.household).reason == (
        "Rattrapage fait"
    )


def test_fixed_deduction_never_exceeds_the_base(areas: None) -> None:
    programme = make_programme(compliance_rule="50000")
    member = enrolled(programme)
    cycle = cycle_for(programme)
    services.import_compliance(
        actor=None, cycle=cycle, file_name="c.csv",
        content=compliance_csv([[member.household.code, "non", ""]]),
    )  # fmt: skip
    line = services.generate_payroll(actor=None, cycle=cycle).lines.get()
    assert (line.deduction_xof, line.amount_xof) == (15000, 0)


def test_bad_lines_are_named_and_nothing_is_written_unless_asked(areas: None) -> None:
    programme = make_programme(compliance_rule="10%")
    member = enrolled(programme)
    stranger = household()  # registered, not enrolled
    cycle = cycle_for(programme)
    content = compliance_csv(
        [
            [member.household.code, "non", ""],
            [member.household.code, "oui", ""],
            ["ML-ZZZZ-9999", "oui", ""],
            [stranger.code, "oui", ""],
            [member.household.code.lower(), "peut-être", ""],
        ]
    )
    result = services.import_compliance(actor=None, cycle=cycle, file_name="c.csv", content=content)
    problems = {(error["line"], error["column"]) for error in result.errors}
    assert problems == {(3, "household_code"), (4, "household_code"), (5, "household_code"),
                        (6, "household_code")}  # fmt: skip
    assert result.written == 0
    assert not ComplianceRecord.objects.exists()
    kept = services.import_compliance(
        actor=None, cycle=cycle, file_name="c.csv", content=content, apply_valid=True
    )
    assert kept.written == 1
    assert ComplianceRecord.objects.get().compliant is False


def test_unknown_answer_and_missing_column_are_refused(areas: None) -> None:
    programme = make_programme()
    member = enrolled(programme)
    cycle = cycle_for(programme)
    result = services.import_compliance(
        actor=None, cycle=cycle, file_name="c.csv",
        content=compliance_csv([[member.household.code, "peut-être", ""]]),
    )  # fmt: skip
    assert result.errors[0]["column"] == "compliant"
    with pytest.raises(InvalidInput, match="compliant"):
        services.import_compliance(
            actor=None, cycle=cycle, file_name="c.csv",
            content=compliance_csv([[member.household.code]], header="household_code"),
        )  # fmt: skip


def test_an_xlsx_file_with_french_headers_is_read(areas: None) -> None:
    programme = make_programme(compliance_rule="1000")
    member = enrolled(programme)
    cycle = cycle_for(programme)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Code ménage", "Conforme", "Motif"])
    sheet.append([member.household.code, "Non", "Pas de pesée"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = services.import_compliance(
        actor=None, cycle=cycle, file_name="c.xlsx", content=buffer.getvalue()
    )
    assert (result.written, result.non_compliant) == (1, 1)


def test_a_frozen_payroll_takes_no_compliance(areas: None) -> None:
    programme = make_programme(compliance_rule="10%")
    member = enrolled(programme)
    cycle = services.generate_payroll(actor=None, cycle=cycle_for(programme))
    cycle = services.submit_cycle(actor=None, cycle=cycle)
    with pytest.raises(Conflict):
        services.import_compliance(
            actor=None, cycle=cycle, file_name="c.csv",
            content=compliance_csv([[member.household.code, "non", ""]]),
        )  # fmt: skip
    assert cycle.lines.get().deduction_xof == 0
