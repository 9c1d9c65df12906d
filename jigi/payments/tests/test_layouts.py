"""Agency layouts: the operator's French sheet, the DCI disburse request, and returns that come
back in XLSX, in the operator's headers and words, or as a DCI response."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from jigi.accounts.tests.factories import UserFactory
from jigi.core.errors import InvalidInput
from jigi.core.models import AdminArea
from jigi.payments import services
from jigi.payments.models import AgencyAssignment, PaymentAgency, PaymentCycle, PaymentLine
from jigi.payments.tests.factories import cycle_for, enrolled, make_programme

pytestmark = pytest.mark.django_db


def sent_with_agency(layout: str, households: int = 2) -> tuple[PaymentCycle, PaymentAgency]:
    programme = make_programme()
    agency = PaymentAgency.objects.create(
        code="om-kayes", name="Orange Money Kayes", kind="mobile_money",
        contract_reference="C-1", contract_starts_on=date(2026, 1, 1), file_layout=layout,
    )  # fmt: skip
    AgencyAssignment.objects.create(
        programme=programme, region=AdminArea.objects.get(pcode="ML01"), agency=agency
    )
    for index in range(households):
        enrolled(programme, head={"phone": f"+2237611{index:04d}"})
    cycle = services.submit_cycle(
        actor=None, cycle=services.generate_payroll(actor=None, cycle=cycle_for(programme))
    )
    checker = UserFactory.create(username="verif", role="payment_officer", national_scope=True)
    return services.approve_cycle(actor=checker, cycle=cycle), agency


def test_operator_layout_writes_a_french_excel_csv_with_its_control_total(areas: None) -> None:
    cycle, agency = sent_with_agency("operator_fr")
    file = services.export_agency_file(actor=None, cycle=cycle, agency=agency, file_format="csv")
    assert file.content.startswith(b"\xef\xbb\xbf")  # BOM: French Excel reads the accents
    rows = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Référence", "Numéro", "Bénéficiaire", "Code ménage", "Montant"]
    body, trailer = rows[1:-1], rows[-1]
    assert [row[1][:5] for row in body] == ["22376", "22376"]
    assert trailer[0] == "TOTAL"
    assert int(trailer[4]) == cycle.totals["amount_xof"] == 30000
    assert file.record.layout == "operator_fr"
    with pytest.raises(InvalidInput, match="json"):
        services.export_agency_file(actor=None, cycle=cycle, agency=agency, file_format="json")


def test_operator_layout_in_xlsx_carries_the_same_rows(areas: None) -> None:
    cycle, agency = sent_with_agency("operator_fr")
    file = services.export_agency_file(actor=None, cycle=cycle, agency=agency, file_format="xlsx")
    sheet = load_workbook(io.BytesIO(file.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Référence"
    assert rows[-1][0] == "TOTAL"
    assert rows[-1][4] == 30000
    assert len(rows) == 4


def test_dci_layout_is_a_disburse_request(areas: None) -> None:
    cycle, agency = sent_with_agency("dci_disburse")
    file = services.export_agency_file(actor=None, cycle=cycle, agency=agency, file_format="json")
    payload = json.loads(file.content)
    first = payload["disbursements"][0]
    assert first["amount"] == "15000.00"
    assert first["currency_code"] == "XOF"
    assert first["payee_fa"].startswith("mobile:22376")
    assert first["payee_fa"].endswith("@om-kayes")
    assert {item["reference_id"] for item in payload["disbursements"]} == {
        str(pk) for pk in cycle.lines.values_list("pk", flat=True)
    }
    assert payload["x_control_total"] == {"count": 2, "amount": "30000.00", "currency_code": "XOF"}
    with pytest.raises(InvalidInput):
        services.export_agency_file(actor=None, cycle=cycle, agency=agency, file_format="csv")


def test_xlsx_return_in_the_operators_words_is_checked_and_applied(areas: None) -> None:
    cycle, agency = sent_with_agency("operator_fr")
    services.export_agency_file(actor=None, cycle=cycle, agency=agency, file_format="xlsx")
    cycle.refresh_from_db()
    first, second = cycle.lines.order_by("pk")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Référence", "Statut", "Montant", "Date de paiement", "ID transaction", "Motif"])
    sheet.append([first.pk, "Payé", first.amount_xof, date(2027, 3, 5), "OM-77", None])
    sheet.append([second.pk, "Échec", second.amount_xof, None, None, "Compte inactif"])
    sheet.append(["TOTAL", None, first.amount_xof + second.amount_xof, None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    checked = services.check_returns(
        actor=None, cycle=cycle, file_name="retour.xlsx", content=buffer.getvalue()
    )
    assert checked.errors == []
    assert checked.valid_rows == 2
    services.apply_returns(actor=None, returns=checked)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.paid_on, first.transaction_reference) == (
        PaymentLine.Status.PAID, date(2027, 3, 5), "OM-77",
    )  # fmt: skip
    assert (second.status, second.failure_reason) == (PaymentLine.Status.FAILED, "Compte inactif")


def test_dci_response_is_read_as_a_return_file(areas: None) -> None:
    cycle, agency = sent_with_agency("dci_disburse")
    services.export_agency_file(actor=None, cycle=cycle, agency=agency, file_format="json")
    cycle.refresh_from_db()
    first, second = cycle.lines.order_by("pk")
    response = {
        "transaction_id": "jigi-1",
        "disbursements_status": [
            {"reference_id": str(first.pk), "timestamp": "2027-03-04T10:00:00Z",
             "status": "succ", "amount": "15000.00"},
            {"reference_id": "424242", "timestamp": "2027-03-04T10:00:00Z",
             "status": "rjct", "amount": "15000.00", "status_reason_message": "inconnu"},
        ],
    }  # fmt: skip
    checked = services.check_returns(
        actor=None, cycle=cycle, file_name="dci.json", content=json.dumps(response).encode()
    )
    assert [(error["line"], error["column"]) for error in checked.errors] == [(2, "payment_id")]
    assert checked.valid == [
        {"line": first.pk, "status": "paid", "paid_on": "2027-03-04", "reference": "",
         "reason": ""}
    ]  # fmt: skip
    with pytest.raises(InvalidInput, match="DCI"):
        services.check_returns(actor=None, cycle=cycle, file_name="x.json", content=b'{"a": 1}')
    assert second.status == PaymentLine.Status.PENDING
