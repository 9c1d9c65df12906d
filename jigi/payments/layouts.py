"""The payroll file layouts agencies receive, and the headers their return files may use.

No Malian operator publishes a bulk-payment file specification; each contract comes with its
template. Jigi ships three layouts (README, "Payment files"): its default CSV/XLSX (the
common denominator of the operators' and aggregators' files), a French operator sheet with
``;`` separators as French Excel writes it, and the DCI "disburse" request in JSON. A new
agency template is one more entry in ``LAYOUTS`` (and in ``PaymentAgency.Layout``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TRAILER = "TOTAL"


@dataclass(frozen=True)
class FileLine:
    """What a payroll file says of one payment line."""

    payment_id: int
    cycle_id: int
    household_code: str
    recipient_name: str
    recipient_id: int
    payment_number: str
    channel: str
    amount_xof: int
    commune_pcode: str
    reissue_of: int | None

    @property
    def msisdn(self) -> str:
        """E.164 without "+" for operators, only for mobile money."""
        return self.payment_number.lstrip("+") if self.channel == "mobile_money" else ""

    @property
    def note(self) -> str:
        return f"reemission {self.reissue_of}" if self.reissue_of else ""


Column = tuple[str, Callable[[FileLine], Any]]


@dataclass(frozen=True)
class Layout:
    code: str
    formats: tuple[str, ...]
    columns: tuple[Column, ...] = ()
    delimiter: str = ","
    amount_column: str = "amount"
    # Headers of the return file, by Jigi's name (compared without accents or case).
    return_headers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def header(self) -> list[str]:
        return [name for name, _value in self.columns]

    def row(self, line: FileLine) -> list[Any]:
        return [value(line) for _name, value in self.columns]

    def trailer(self, cycle_id: int, rows: int, amount: int) -> list[Any]:
        """The last row: "TOTAL" under the reference, the control total under the amount,
        the number of lines in the last column."""
        cells: list[Any] = [""] * len(self.columns)
        cells[0] = TRAILER
        names = self.header()
        cells[names.index(self.amount_column)] = amount
        cells[-1] = rows
        if "cycle_id" in names:
            cells[names.index("cycle_id")] = cycle_id
        if "currency" in names:
            cells[names.index("currency")] = "XOF"
        return cells


DEFAULT = Layout(
    code="default",
    formats=("csv", "xlsx"),
    columns=(
        ("payment_id", lambda line: line.payment_id),
        ("cycle_id", lambda line: line.cycle_id),
        ("household_code", lambda line: line.household_code),
        ("recipient_name", lambda line: line.recipient_name),
        ("recipient_id", lambda line: line.recipient_id),
        ("msisdn", lambda line: line.msisdn),
        ("channel", lambda line: line.channel),
        ("amount", lambda line: line.amount_xof),
        ("currency", lambda _line: "XOF"),
        ("commune_pcode", lambda line: line.commune_pcode),
        ("note", lambda line: line.note),
    ),
)

OPERATOR_FR = Layout(
    code="operator_fr",
    formats=("csv", "xlsx"),
    delimiter=";",
    amount_column="Montant",
    columns=(
        ("Référence", lambda line: line.payment_id),
        ("Numéro", lambda line: line.msisdn),
        ("Bénéficiaire", lambda line: line.recipient_name),
        ("Code ménage", lambda line: line.household_code),
        ("Montant", lambda line: line.amount_xof),
        ("Devise", lambda _line: "XOF"),
        ("Motif", lambda line: f"Jigi cycle {line.cycle_id}"),
    ),
    return_headers={
        "payment_id": ("Référence", "Reference"),
        "status": ("Statut", "État", "Etat"),
        "amount": ("Montant",),
        "paid_at": ("Date", "Date de paiement", "Date paiement"),
        "operator_txn_id": ("ID transaction", "Transaction", "Référence transaction"),
        "failure_reason": ("Motif", "Motif d'échec", "Raison"),
    },
)

DCI_DISBURSE = Layout(code="dci_disburse", formats=("json",))

LAYOUTS = {layout.code: layout for layout in (DEFAULT, OPERATOR_FR, DCI_DISBURSE)}

FORMAT_LABELS = {"csv": "CSV", "xlsx": "XLSX", "json": "JSON (DCI)"}

# What each layout's return file may call a column; the default names always work.
RETURN_COLUMNS = ("payment_id", "status", "amount", "paid_at", "operator_txn_id", "failure_reason")
REQUIRED_RETURN_COLUMNS = ("payment_id", "status", "amount")


def return_aliases() -> dict[str, tuple[str, ...]]:
    """Every header any layout's return file uses, by Jigi's name: an agency may send its
    return in its own template or in the default one."""
    aliases: dict[str, tuple[str, ...]] = dict.fromkeys(RETURN_COLUMNS, ())
    for layout in LAYOUTS.values():
        for name, headers in layout.return_headers.items():
            aliases[name] = aliases[name] + headers
    return aliases


# Agencies' words for a payment's outcome (folded: no accents, lower case).
RETURN_STATUS_WORDS = {
    "paid": "paid",
    "paye": "paid",
    "payee": "paid",
    "succ": "paid",  # DCI RequestStatus "succ"
    "success": "paid",
    "failed": "failed",
    "echec": "failed",
    "echoue": "failed",
    "rjct": "failed",  # DCI "rjct"
    "uncollected": "uncollected",
    "non retire": "uncollected",
    "non_retire": "uncollected",
}
