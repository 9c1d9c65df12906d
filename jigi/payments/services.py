"""Writes of the payments app: cycles, payroll generation, the maker-checker transitions.

Each service checks the role, validates first, writes in one transaction and records the audit
entry. Payment officers work nationally: a payroll covers the whole programme.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, Exists, F, Max, OuterRef, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.errors import Conflict, Forbidden, InvalidInput
from jigi.core.jobs import Progress, job_kind, start_job
from jigi.core.models import AdminArea, FundingSource, Job
from jigi.core.money import format_xof
from jigi.core.text import fold, spreadsheet_safe
from jigi.payments.layouts import (
    LAYOUTS,
    REQUIRED_RETURN_COLUMNS,
    RETURN_STATUS_WORDS,
    TRAILER,
    FileLine,
    Layout,
    return_aliases,
)
from jigi.payments.models import (
    AgencyAssignment,
    Budget,
    ComplianceRecord,
    PaymentAgency,
    PaymentCycle,
    PaymentFile,
    PaymentLine,
    ReturnImport,
)
from jigi.payments.tables import read_table
from jigi.programmes.models import Enrolment, Programme, TopUp
from jigi.registry.models import Household

Actor = User | None  # None: the system (CLI run by an administrator, the demo)


def _require(actor: Actor, perm: str) -> None:
    if actor is not None and not has_perm(actor, perm):
        raise Forbidden(_("Votre rôle ne permet pas cette action sur les paiements."))


def create_cycle(
    *,
    actor: Actor,
    programme: Programme,
    name: str,
    cycle_on: date,
    due_on: date,
    funding_source: FundingSource,
) -> PaymentCycle:
    """Open the programme's next payment cycle (a draft)."""
    _require(actor, Perm.PAYMENTS_PREPARE)
    errors: dict[str, list[str]] = {}
    if programme.status != Programme.Status.ACTIVE:
        errors["programme"] = [_("Seul un programme lancé a des cycles de paiement.")]
    if not name.strip():
        errors["name"] = [_("Nom obligatoire, ex. « 2027 – cycle 1 ».")]
    if due_on < cycle_on:
        errors["due_on"] = [_("Le paiement ne peut précéder la date du cycle.")]
    if not programme.funding.filter(funding_source=funding_source).exists():
        errors["funding_source"] = [
            _("%(source)s ne finance pas ce programme.") % {"source": funding_source.name}
        ]
    if errors:
        raise InvalidInput(_("Le cycle de paiement n'est pas valide."), errors)
    with transaction.atomic():
        Programme.objects.select_for_update().get(pk=programme.pk)
        cycles = PaymentCycle.objects.filter(programme=programme)
        number = (cycles.aggregate(top=Max("number"))["top"] or 0) + 1
        cycle = PaymentCycle.objects.create(
            programme=programme,
            number=number,
            name=name.strip()[:120],
            cycle_on=cycle_on,
            due_on=due_on,
            funding_source=funding_source,
            created_by=actor,
        )
        record(
            actor=actor,
            action="payments.create_cycle",
            target=cycle,
            changes={"programme": [None, programme.code], "number": [None, number]},
        )
    return cycle


_LINE_COLUMNS = (
    "cycle_id, enrolment_id, household_id, commune_id, agency_id, recipient_id, recipient_name, "
    "channel, payment_number, members, base_xof, member_top_up_xof, emergency_xof, arrears_xof, "
    "deduction_xof, amount_xof, reissue_of_id, status, paid_on, transaction_reference, "
    "failure_reason"
)


def _payroll_sql(programme: Programme) -> str:
    """One INSERT … SELECT writing a line per active enrolment on the cycle date: the
    programme's amount, the per-member top-up (capped), open emergency top-ups, and the
    arrears of the household's last failed or uncollected payment not yet re-issued (once),
    less the programme's deduction when the household's compliance for the cycle is "no"
    (only integers of the programme's rules are pasted: cap and deduction).
    Lines already there are left alone (ON CONFLICT): generation is safe to repeat or race."""
    counted = "m.size"
    if programme.top_up_member_cap is not None:
        cap = int(programme.top_up_member_cap)
        counted = f"(CASE WHEN m.size > {cap} THEN {cap} ELSE m.size END)"
    member_part = f"%(per_member)s * {counted}"
    deduction = int(programme.non_compliance_deduction_xof())
    deducted = f"(CASE WHEN c.id IS NULL THEN 0 ELSE {deduction} END)"
    amount = (
        f"%(base)s + {member_part} + COALESCE(t.amount, 0) + COALESCE(o.amount_xof, 0) - {deducted}"
    )
    return f"""
        INSERT INTO payments_paymentline ({_LINE_COLUMNS})
        SELECT %(cycle)s, e.id, e.household_id, h.commune_id, a.agency_id, e.recipient_id,
               r.given_names || ' ' || r.family_name, e.channel, e.payment_number, m.size,
               %(base)s, {member_part}, COALESCE(t.amount, 0), COALESCE(o.amount_xof, 0),
               {deducted}, {amount}, o.id, 'pending', NULL, '', ''
        FROM programmes_enrolment e
        JOIN registry_household h ON h.id = e.household_id
        JOIN registry_individual r ON r.id = e.recipient_id
        JOIN (SELECT household_id, COUNT(*) AS size FROM registry_individual
              WHERE status = 'alive' GROUP BY household_id) m ON m.household_id = e.household_id
        LEFT JOIN payments_agencyassignment a
             ON a.programme_id = e.programme_id AND a.region_id = SUBSTR(h.commune_id, 1, 4)
        LEFT JOIN (SELECT tu.enrolment_id, SUM(tu.amount_xof) AS amount
                   FROM programmes_topup tu
                   JOIN programmes_emergencyresponse er ON er.id = tu.emergency_id
                   WHERE tu.cycles_paid < tu.cycles AND er.ends_on >= %(on)s
                   GROUP BY tu.enrolment_id) t ON t.enrolment_id = e.id
        LEFT JOIN (SELECT household_id, id, amount_xof FROM (
                       SELECT pl.household_id, pl.id, pl.amount_xof,
                              ROW_NUMBER() OVER (PARTITION BY pl.household_id
                                                 ORDER BY pl.id DESC) AS latest
                       FROM payments_paymentline pl
                       JOIN payments_paymentcycle pc ON pc.id = pl.cycle_id
                       WHERE pc.programme_id = %(programme)s AND pl.cycle_id <> %(cycle)s
                         AND pl.status IN ('failed', 'uncollected')
                         AND pl.reissue_of_id IS NULL
                         AND NOT EXISTS (SELECT 1 FROM payments_paymentline x
                                         WHERE x.reissue_of_id = pl.id)) failed
                   WHERE latest = 1) o ON o.household_id = e.household_id
        LEFT JOIN payments_compliancerecord c
             ON c.cycle_id = %(cycle)s AND c.household_id = e.household_id AND NOT c.compliant
        WHERE e.programme_id = %(programme)s AND e.status = 'active'
          AND e.start_on <= %(on)s AND e.planned_end_on > %(on)s
        ON CONFLICT (cycle_id, household_id) DO NOTHING
    """  # noqa: S608 (only integers of the programme's rules are pasted; values are parameters)


def generate_payroll(
    *, actor: Actor, cycle: PaymentCycle, progress: Progress | None = None
) -> PaymentCycle:
    """Write the draft cycle's payroll: a line for each enrolment active on the cycle date
    that has none yet. Rerunning adds only what is missing; two runs at once write each
    line once (the cycle row is locked, and the database refuses a second line anyway)."""
    _require(actor, Perm.PAYMENTS_PREPARE)
    if progress:
        progress.start(2, _("Génération de la liste de paiement"))
    with transaction.atomic():
        locked = PaymentCycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.is_frozen:
            raise Conflict(
                _("Le cycle « %(name)s » est %(status)s : sa liste de paiement est figée.")
                % {"name": locked.name, "status": locked.get_status_display().lower()}
            )
        programme = locked.programme
        params: dict[str, Any] = {
            "cycle": locked.pk,
            "programme": programme.pk,
            "on": locked.cycle_on,
            "base": programme.transfer_value_xof,
            "per_member": programme.member_top_up_xof,
        }
        with connection.cursor() as cursor:
            cursor.execute(_payroll_sql(programme), params)
            added = max(int(cursor.rowcount), 0)
        if locked.compliance.exists():  # the rule may have changed since the lines were written
            _apply_deductions(locked)
        if progress:
            progress.update(1, _("Totaux"))
        locked.totals = cycle_totals(locked)
        locked.generated_at = timezone.now()
        locked.save(update_fields=["totals", "generated_at"])
        record(
            actor=actor,
            action="payments.generate",
            target=locked,
            changes={
                "lines_added": [None, added],
                "total_xof": [None, locked.totals["amount_xof"]],
            },
        )
    if progress:
        progress.update(2, _("Terminé"), force=True)
    return locked


def cycle_totals(cycle: PaymentCycle) -> dict[str, Any]:
    totals = cycle.lines.aggregate(
        amount=Sum("amount_xof"),
        base=Sum("base_xof"),
        member=Sum("member_top_up_xof"),
        emergency=Sum("emergency_xof"),
        arrears=Sum("arrears_xof"),
        deduction=Sum("deduction_xof"),
    )
    return {
        "lines": cycle.lines.count(),
        "amount_xof": int(totals["amount"] or 0),
        "base_xof": int(totals["base"] or 0),
        "member_top_up_xof": int(totals["member"] or 0),
        "emergency_xof": int(totals["emergency"] or 0),
        "arrears_xof": int(totals["arrears"] or 0),
        "deduction_xof": int(totals["deduction"] or 0),
    }


def start_generation(*, actor: Actor, cycle: PaymentCycle, enqueue: bool = True) -> Job:
    _require(actor, Perm.PAYMENTS_PREPARE)
    if cycle.is_frozen:
        raise Conflict(_("Ce cycle est figé : sa liste de paiement ne se régénère plus."))
    return start_job(
        actor=actor, kind="payments.generate", params={"cycle": cycle.pk}, enqueue=enqueue
    )


@job_kind(
    "payments.generate",
    label=gettext_lazy("Génération d'une liste de paiement"),
    permission=Perm.PAYMENTS_PREPARE,
)
def _generate_job(job: Job, progress: Progress) -> dict[str, Any]:
    cycle = PaymentCycle.objects.get(pk=job.params["cycle"])
    cycle = generate_payroll(actor=job.created_by, cycle=cycle, progress=progress)
    return {"cycle": cycle.pk, **cycle.totals}


def _transition(cycle: PaymentCycle, source: str, target: str, **values: Any) -> PaymentCycle:
    updated = PaymentCycle.objects.filter(pk=cycle.pk, status=source).update(
        status=target, version=cycle.version + 1, **values
    )
    if not updated:
        raise Conflict(_("Ce cycle a changé entre-temps : rechargez la page."))
    cycle.refresh_from_db()
    return cycle


def submit_cycle(*, actor: Actor, cycle: PaymentCycle) -> PaymentCycle:
    """The preparer hands the payroll over for approval; from now on it is frozen."""
    _require(actor, Perm.PAYMENTS_PREPARE)
    if cycle.status != PaymentCycle.Status.DRAFT:
        raise Conflict(_("Seul un cycle en brouillon se soumet."))
    if not cycle.lines.exists():
        raise InvalidInput(_("La liste de paiement est vide : générez-la d'abord."))
    with transaction.atomic():
        cycle = _transition(
            cycle,
            PaymentCycle.Status.DRAFT,
            PaymentCycle.Status.SUBMITTED,
            submitted_by=actor,
            submitted_at=timezone.now(),
            totals=cycle_totals(cycle),
        )
        record(actor=actor, action="payments.submit", target=cycle,
               changes={"status": ["draft", "submitted"]})  # fmt: skip
    return cycle


def return_to_draft(*, actor: Actor, cycle: PaymentCycle, reason: str) -> PaymentCycle:
    """The approver sends a submitted payroll back, with a reason."""
    _require(actor, Perm.PAYMENTS_APPROVE)
    if not reason.strip():
        raise InvalidInput(_("Motif obligatoire."), {"reason": [_("Motif obligatoire.")]})
    with transaction.atomic():
        cycle = _transition(
            cycle, PaymentCycle.Status.SUBMITTED, PaymentCycle.Status.DRAFT,
            submitted_by=None, submitted_at=None,
        )  # fmt: skip
        record(actor=actor, action="payments.return_to_draft", target=cycle,
               changes={"status": ["submitted", "draft"], "reason": [None, reason.strip()]})  # fmt: skip
    return cycle


def budget_position(cycle: PaymentCycle) -> dict[str, int]:
    """The allocation of the cycle's funding source to its programme for the year of payment,
    what approved cycles already commit, and what this one would add."""
    year = cycle.due_on.year
    allocation = Budget.objects.filter(
        funding_source=cycle.funding_source, programme=cycle.programme, year=year
    ).aggregate(total=Sum("amount_xof"))["total"]
    committed = (
        PaymentLine.objects.filter(
            cycle__programme=cycle.programme,
            cycle__funding_source=cycle.funding_source,
            cycle__due_on__year=year,
            cycle__status__in=[
                PaymentCycle.Status.APPROVED,
                PaymentCycle.Status.SENT,
                PaymentCycle.Status.RECONCILED,
                PaymentCycle.Status.CLOSED,
            ],
        )
        .exclude(cycle=cycle)
        .aggregate(total=Sum("amount_xof"))["total"]
    )
    this = cycle.lines.aggregate(total=Sum("amount_xof"))["total"]
    return {
        "year": year,
        "allocation_xof": int(allocation or 0),
        "committed_xof": int(committed or 0),
        "cycle_xof": int(this or 0),
    }


def approve_cycle(*, actor: Actor, cycle: PaymentCycle) -> PaymentCycle:
    """Maker-checker: someone other than the submitter approves, within the budget. The
    emergency top-ups this payroll pays count one more cycle paid."""
    _require(actor, Perm.PAYMENTS_APPROVE)
    if cycle.status != PaymentCycle.Status.SUBMITTED:
        raise Conflict(_("Seul un cycle soumis s'approuve."))
    if actor is not None and cycle.submitted_by_id == actor.pk:
        raise Forbidden(
            _(
                "Vous avez soumis ce cycle : une autre personne doit l'approuver (double validation)."
            )
        )
    with transaction.atomic():
        # Approvals of one programme's cycles are serialised: two cannot both fit the budget.
        Programme.objects.select_for_update().get(pk=cycle.programme_id)
        position = budget_position(cycle)
        remaining = position["allocation_xof"] - position["committed_xof"]
        if position["cycle_xof"] > remaining:
            raise InvalidInput(
                _(
                    "Budget dépassé : %(source)s alloue %(allocation)s à ce programme en %(year)s, "
                    "%(committed)s sont déjà engagés, ce cycle demande %(cycle)s (reste "
                    "%(remaining)s)."
                )
                % {
                    "source": cycle.funding_source.name,
                    "allocation": format_xof(position["allocation_xof"]),
                    "year": position["year"],
                    "committed": format_xof(position["committed_xof"]),
                    "cycle": format_xof(position["cycle_xof"]),
                    "remaining": format_xof(max(remaining, 0)),
                }
            )
        cycle = _transition(
            cycle,
            PaymentCycle.Status.SUBMITTED,
            PaymentCycle.Status.APPROVED,
            approved_by=actor,
            approved_at=timezone.now(),
        )
        paid_top_ups = TopUp.objects.filter(
            enrolment__payments__cycle=cycle,
            enrolment__payments__emergency_xof__gt=0,
            cycles_paid__lt=F("cycles"),
            emergency__ends_on__gte=cycle.cycle_on,
        )
        top_ups = paid_top_ups.update(cycles_paid=F("cycles_paid") + 1)
        record(
            actor=actor,
            action="payments.approve",
            target=cycle,
            changes={"status": ["submitted", "approved"], "budget": [None, position],
                     "top_ups_paid": [None, top_ups]},
        )  # fmt: skip
    return cycle


def set_budget(
    *, actor: Actor, funding_source: FundingSource, programme: Programme, year: int, amount_xof: int
) -> Budget:
    _require(actor, Perm.PAYMENTS_APPROVE)
    if isinstance(amount_xof, bool) or not isinstance(amount_xof, int) or amount_xof < 0:
        raise InvalidInput(_("L'allocation est un montant entier positif en FCFA."))
    try:
        with transaction.atomic():
            budget, _created = Budget.objects.update_or_create(
                funding_source=funding_source,
                programme=programme,
                year=year,
                defaults={"amount_xof": amount_xof},
            )
            record(actor=actor, action="payments.budget", target=budget,
                   changes={"amount_xof": [None, amount_xof]})  # fmt: skip
    except IntegrityError as exc:
        raise Conflict(str(exc)) from exc
    return budget


def assign_agency(
    *, actor: Actor, programme: Programme, region: AdminArea, agency: PaymentAgency | None
) -> AgencyAssignment | None:
    """Which agency pays the programme's households of a region (None: nobody yet). Payrolls
    generated afterwards use it; frozen payrolls keep the agency they were written with."""
    _require(actor, Perm.PAYMENTS_APPROVE)
    errors: dict[str, list[str]] = {}
    if region.level != AdminArea.Level.REGION:
        errors["region"] = [_("Choisissez une région.")]
    if agency is not None and not agency.is_active:
        errors["agency"] = [_("Cette agence n'est plus active.")]
    if (
        agency is not None
        and agency.contract_ends_on
        and agency.contract_ends_on < timezone.localdate()
    ):
        errors["agency"] = [
            _("Le contrat de %(agency)s a pris fin le %(day)s.")
            % {"agency": agency.name, "day": agency.contract_ends_on.strftime("%d/%m/%Y")}
        ]
    if errors:
        raise InvalidInput(_("L'affectation n'est pas valide."), errors)
    with transaction.atomic():
        current = AgencyAssignment.objects.filter(programme=programme, region=region).first()
        before = current.agency.code if current else None
        if agency is None:
            if current:
                current.delete()
            assignment = None
        else:
            assignment, _created = AgencyAssignment.objects.update_or_create(
                programme=programme, region=region, defaults={"agency": agency}
            )
        record(actor=actor, action="payments.assign_agency", target=programme,
               changes={"region": [None, region.pcode],
                        "agency": [before, agency.code if agency else None]})  # fmt: skip
    return assignment


# ---------------------------------------------------------------------------------------------
# Conditionality compliance: the rule hook of the payroll

COMPLIANCE_WORDS = {
    "oui": True, "yes": True, "1": True, "true": True, "vrai": True, "conforme": True,
    "non": False, "no": False, "0": False, "false": False, "faux": False,
    "non conforme": False, "non_conforme": False,
}  # fmt: skip
COMPLIANCE_ALIASES = {
    "household_code": ("code ménage", "code_menage", "ménage", "household"),
    "compliant": ("conforme", "conformité", "compliance"),
    "reason": ("motif", "raison", "observation"),
}


@dataclass(frozen=True)
class ComplianceImport:
    rows: int
    written: int
    non_compliant: int
    errors: list[dict[str, Any]]


def _apply_deductions(cycle: PaymentCycle) -> int:
    """Put the programme's deduction on the draft lines of non-compliant households (and
    take it off the others); amounts follow, so the parts still add up."""
    deduction = cycle.programme.non_compliance_deduction_xof()
    non_compliant = Exists(
        ComplianceRecord.objects.filter(
            cycle_id=cycle.pk, household_id=OuterRef("household_id"), compliant=False
        )
    )
    deducted = Case(When(non_compliant, then=Value(deduction)), default=Value(0))
    return cycle.lines.update(
        deduction_xof=deducted,
        amount_xof=F("base_xof")
        + F("member_top_up_xof")
        + F("emergency_xof")
        + F("arrears_xof")
        - deducted,
    )


def import_compliance(
    *,
    actor: Actor,
    cycle: PaymentCycle,
    file_name: str,
    content: bytes,
    apply_valid: bool = False,
) -> ComplianceImport:
    """Record, for a draft cycle, which enrolled households met the conditionalities (CSV or
    XLSX: household_code, compliant oui/non, reason). Each problem names its line: unknown
    household, household not enrolled in the programme, a household twice, a value that is
    neither yes nor no. With problems, nothing is written unless the officer chose to keep
    the valid lines. A household imported again takes its latest value. Lines already
    generated get their deduction at once."""
    _require(actor, Perm.PAYMENTS_PREPARE)
    if cycle.status != PaymentCycle.Status.DRAFT:
        raise Conflict(_("La conformité s'importe tant que la liste de paiement est en brouillon."))
    rows = read_table(
        content,
        aliases=COMPLIANCE_ALIASES,
        required=("household_code", "compliant"),
        what=_("le fichier de conformité"),
    )
    codes = {row.get("household_code", "").upper() for _number, row in rows}
    enrolled = dict(
        Enrolment.objects.filter(
            programme_id=cycle.programme_id,
            household__code__in=codes,
            status__in=Enrolment.OPEN_STATUSES,
        ).values_list("household__code", "household_id")
    )
    known = set(Household.objects.filter(code__in=codes).values_list("code", flat=True))
    errors: list[dict[str, Any]] = []
    valid: dict[int, tuple[bool, str]] = {}
    seen: dict[str, int] = {}
    for number, row in rows:
        code = row.get("household_code", "").upper()
        value = row.get("compliant", "")

        def problem(column: str, text: str, reason: str, number: int = number) -> None:
            errors.append({"line": number, "column": column, "value": text, "reason": reason})

        if code in seen:
            problem("household_code", code,
                    _("Ménage en double (déjà à la ligne %(line)s).") % {"line": seen[code]})  # fmt: skip
            continue
        seen[code] = number
        if code not in known:
            problem("household_code", code, _("Code de ménage inconnu."))
            continue
        if code not in enrolled:
            problem("household_code", code, _("Ce ménage n'est pas inscrit au programme."))
            continue
        compliant = COMPLIANCE_WORDS.get(fold(value))
        if compliant is None:
            problem("compliant", value, _("Répondez oui ou non."))
            continue
        valid[enrolled[code]] = (compliant, row.get("reason", "")[:200])
    if errors and not apply_valid:
        return ComplianceImport(rows=len(rows), written=0, non_compliant=0, errors=errors)
    with transaction.atomic():
        locked = PaymentCycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.status != PaymentCycle.Status.DRAFT:
            raise Conflict(_("Ce cycle a changé entre-temps : rechargez la page."))
        ComplianceRecord.objects.filter(cycle=locked, household_id__in=valid).delete()
        ComplianceRecord.objects.bulk_create(
            ComplianceRecord(
                cycle=locked, household_id=household, compliant=compliant, reason=reason,
                file_name=file_name[:200], imported_by=actor,
            )
            for household, (compliant, reason) in valid.items()
        )  # fmt: skip
        _apply_deductions(locked)
        locked.totals = cycle_totals(locked)
        locked.save(update_fields=["totals"])
        non_compliant = sum(1 for compliant, _reason in valid.values() if not compliant)
        record(actor=actor, action="payments.import_compliance", target=locked,
               changes={"file": [None, file_name], "households": [None, len(valid)],
                        "non_compliant": [None, non_compliant], "errors": [None, len(errors)]})  # fmt: skip
    return ComplianceImport(
        rows=len(rows), written=len(valid), non_compliant=non_compliant, errors=errors
    )


# ---------------------------------------------------------------------------------------------
# Files for agencies, their returns, reconciliation


@dataclass(frozen=True)
class AgencyFile:
    name: str
    content: bytes
    content_type: str
    record: PaymentFile


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def _file_lines(lines: Any) -> Iterator[FileLine]:
    columns = ("pk", "cycle_id", "household__code", "recipient_name", "recipient_id",
               "payment_number", "channel", "amount_xof", "commune_id", "reissue_of_id")  # fmt: skip
    for values in lines.values_list(*columns).iterator(chunk_size=5000):
        yield FileLine(*values)


def _tabular_file(layout: Layout, file_format: str, lines: Any, trailer: list[Any]) -> bytes:
    if file_format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("payroll")
        sheet.append(layout.header())
        for line in _file_lines(lines):
            sheet.append([spreadsheet_safe(value) for value in layout.row(line)])
        sheet.append(trailer)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    text = io.StringIO()
    writer = csv.writer(text, delimiter=layout.delimiter)
    writer.writerow(layout.header())
    writer.writerows([spreadsheet_safe(value) for value in layout.row(line)]
                     for line in _file_lines(lines))  # fmt: skip
    writer.writerow(trailer)
    encoding = "utf-8-sig" if layout.delimiter == ";" else "utf-8"  # French Excel needs the BOM
    return text.getvalue().encode(encoding)


def _dci_file(cycle: PaymentCycle, agency: PaymentAgency | None, lines: Any, rows: int,
              amount: int) -> bytes:  # fmt: skip
    """The DCI social-protection "disburse" request: one disbursement per line, amounts as
    "15000.00", financial addresses ``mobile:<msisdn>@<agency>`` or ``account:<household>@…``."""
    provider = agency.code if agency else "jigi"
    scheme = f"{cycle.programme.name} – {cycle.name}"[:99]
    disbursements = [
        {
            "reference_id": str(line.payment_id),
            "payer_fa": f"scheme:{cycle.programme.code}@{provider}",
            "payee_fa": (
                f"mobile:{line.msisdn}@{provider}"
                if line.msisdn
                else f"account:{line.household_code}@{provider}"
            ),
            "amount": f"{line.amount_xof}.00",
            "currency_code": "XOF",
            "scheduled_timestamp": f"{cycle.due_on.isoformat()}T08:00:00Z",
            "payer_name": scheme,
            "payee_name": line.recipient_name,
            "note": line.note or f"cycle {cycle.number}",
            "instruction": line.household_code,
        }
        for line in _file_lines(lines)
    ]
    payload = {
        "transaction_id": f"jigi-{cycle.pk}-{provider}",
        "disbursements": disbursements,
        "x_control_total": {"count": rows, "amount": f"{amount}.00", "currency_code": "XOF"},
    }
    return json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")


def export_agency_file(
    *, actor: Actor, cycle: PaymentCycle, agency: PaymentAgency | None, file_format: str
) -> AgencyFile:
    """The approved payroll's lines for one agency (or those without one) in the agency's
    layout, with the control total (a TOTAL trailer row in CSV and XLSX); the file's hash is
    recorded and the first file sends the cycle."""
    _require(actor, Perm.PAYMENTS_APPROVE)
    if cycle.status not in {PaymentCycle.Status.APPROVED, PaymentCycle.Status.SENT}:
        raise Conflict(_("Seule une liste approuvée s'envoie aux agences."))
    layout = LAYOUTS[agency.file_layout if agency else "default"]
    if file_format not in layout.formats:
        raise InvalidInput(
            _("Le format « %(format)s » n'existe pas pour le modèle de cette agence (%(formats)s).")
            % {"format": file_format, "formats": ", ".join(layout.formats)},
            {"format": [_("Choisissez %(formats)s.") % {"formats": ", ".join(layout.formats)}]},
        )
    lines = cycle.lines.filter(agency=agency).order_by("pk")
    totals = lines.aggregate(rows=Count("id"), amount=Sum("amount_xof"))
    rows, amount = int(totals["rows"] or 0), int(totals["amount"] or 0)
    if file_format == "json":
        content = _dci_file(cycle, agency, lines, rows, amount)
    else:
        content = _tabular_file(layout, file_format, lines, layout.trailer(cycle.pk, rows, amount))
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        saved = PaymentFile.objects.create(
            cycle=cycle, agency=agency, file_format=file_format, layout=layout.code, rows=rows,
            total_xof=amount, sha256=digest, created_by=actor,
        )  # fmt: skip
        if cycle.status == PaymentCycle.Status.APPROVED:
            _transition(cycle, PaymentCycle.Status.APPROVED, PaymentCycle.Status.SENT)
        record(
            actor=actor,
            action="payments.export_file",
            target=cycle,
            changes={"agency": [None, agency.code if agency else None], "rows": [None, rows],
                     "total_xof": [None, amount], "sha256": [None, digest],
                     "layout": [None, layout.code]},
        )  # fmt: skip
    code = agency.code if agency else "sans-agence"
    return AgencyFile(
        name=f"paiement-{cycle.programme.code}-{cycle.number}-{code}.{file_format}",
        content=content,
        content_type=CONTENT_TYPES[file_format],
        record=saved,
    )


def _read_return_rows(content: bytes) -> list[tuple[int, dict[str, str]]]:
    """A return file as numbered rows: CSV or XLSX in the default or the agency's layout, or
    a DCI "disburse" response in JSON (``disbursements_status``)."""
    if content.lstrip()[:1] == b"{":
        return _read_dci_response(content)
    return read_table(
        content,
        aliases=return_aliases(),
        required=REQUIRED_RETURN_COLUMNS,
        what=_("le fichier de retour"),
    )


def _read_dci_response(content: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        payload = json.loads(content.decode("utf-8-sig"))
        entries = payload["disbursements_status"]
        if not isinstance(entries, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise InvalidInput(
            _("Le fichier JSON n'est pas une réponse DCI « disburse » (disbursements_status).")
        ) from None
    rows: list[tuple[int, dict[str, str]]] = []
    for number, entry in enumerate(entries, start=1):  # the n-th disbursement
        entry = entry if isinstance(entry, dict) else {}
        amount = str(entry.get("amount") or "")
        if amount.endswith(".00"):
            amount = amount[:-3]
        rows.append((number, {
            "payment_id": str(entry.get("reference_id") or ""),
            "status": str(entry.get("status") or ""),
            "amount": amount,
            "paid_at": str(entry.get("timestamp") or ""),
            "operator_txn_id": str(entry.get("instruction") or ""),
            "failure_reason": str(entry.get("status_reason_message")
                                  or entry.get("status_reason_code") or ""),
        }))  # fmt: skip
    return rows


def _parse_day(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text[:19], pattern).date()  # noqa: DTZ007 (a date only)
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class _Expected:
    pk: int
    amount_xof: int
    status: str

    def get_status_display(self) -> str:
        return str(PaymentLine.Status(self.status).label)


def _lines_by_id(cycle: PaymentCycle, ids: set[int]) -> dict[int, _Expected]:
    """The cycle's lines a return file names, read in slices (SQLite takes at most 32 766
    parameters a statement; a return file may name a million lines)."""
    wanted = sorted(ids)
    found: dict[int, _Expected] = {}
    for start in range(0, len(wanted), 10_000):
        rows = cycle.lines.filter(pk__in=wanted[start : start + 10_000]).values_list(
            "pk", "amount_xof", "status"
        )
        found.update((pk, _Expected(pk, amount, status)) for pk, amount, status in rows)
    return found


def check_returns(
    *, actor: Actor, cycle: PaymentCycle, file_name: str, content: bytes
) -> ReturnImport:
    """Check an agency's return file line by line; nothing is applied yet. Each problem
    names its line and reason: unknown reference, duplicate line, amount different from the
    payroll, payment dated before the cycle, unknown status, wrong control total."""
    _require(actor, Perm.PAYMENTS_PREPARE)
    if cycle.status != PaymentCycle.Status.SENT:
        raise Conflict(_("Les retours s'importent pour un cycle envoyé aux agences."))
    digest = hashlib.sha256(content).hexdigest()
    if cycle.returns.filter(sha256=digest, status=ReturnImport.Status.APPLIED).exists():
        raise InvalidInput(_("Ce fichier de retour a déjà été appliqué à ce cycle : rien à faire."))
    rows = _read_return_rows(content)
    ids = {int(row["payment_id"]) for _number, row in rows if row.get("payment_id", "").isdigit()}
    lines = _lines_by_id(cycle, ids)
    errors: list[dict[str, Any]] = []
    valid: list[dict[str, Any]] = []
    seen: dict[int, int] = {}
    amount_total = 0

    def problem(number: int, column: str, value: str, reason: str) -> None:
        errors.append({"line": number, "column": column, "value": value, "reason": reason})

    for number, row in rows:
        reference = row.get("payment_id", "")
        if reference.upper() == TRAILER:
            declared = row.get("amount", "")
            if declared != str(amount_total):
                problem(number, "amount", declared,
                        _("Total de contrôle %(declared)s, mais les lignes font %(total)s.")
                        % {"declared": declared, "total": amount_total})  # fmt: skip
            continue
        amount_text = row.get("amount", "")
        if amount_text.isdigit():
            amount_total += int(amount_text)
        line = lines.get(int(reference)) if reference.isdigit() else None
        if line is None:
            problem(number, "payment_id", reference, _("Référence inconnue dans ce cycle."))
            continue
        if line.pk in seen:
            problem(number, "payment_id", reference,
                    _("Ligne en double (déjà à la ligne %(line)s).") % {"line": seen[line.pk]})  # fmt: skip
            continue
        seen[line.pk] = number
        status = RETURN_STATUS_WORDS.get(fold(row.get("status", "")))
        if status is None:
            problem(number, "status", row.get("status", ""),
                    _("Statut inconnu (paid, failed ou uncollected)."))  # fmt: skip
            continue
        if amount_text != str(line.amount_xof):
            problem(number, "amount", amount_text,
                    _("Montant %(amount)s différent de la liste de paiement (%(expected)s).")
                    % {"amount": amount_text, "expected": line.amount_xof})  # fmt: skip
            continue
        paid_on = None
        if status == PaymentLine.Status.PAID:
            paid_on = _parse_day(row.get("paid_at", ""))
            if paid_on is None:
                problem(number, "paid_at", row.get("paid_at", ""), _("Date de paiement invalide."))
                continue
            if paid_on < cycle.cycle_on:
                problem(number, "paid_at", row.get("paid_at", ""),
                        _("Date antérieure au cycle (%(day)s).") % {"day": cycle.cycle_on})  # fmt: skip
                continue
        if line.status != PaymentLine.Status.PENDING:
            if line.status == status:
                continue  # already recorded (this line came in another file): nothing to do
            problem(number, "status", row.get("status", ""),
                    _("Déjà enregistré comme « %(status)s ».") % {"status": line.get_status_display()})  # fmt: skip
            continue
        valid.append({
            "line": line.pk, "status": status,
            "paid_on": paid_on.isoformat() if paid_on else None,
            "reference": row.get("operator_txn_id", "")[:100],
            "reason": row.get("failure_reason", "")[:200],
        })  # fmt: skip
    checked = ReturnImport.objects.create(
        cycle=cycle, file_name=file_name[:200], sha256=digest, rows=len(rows),
        valid_rows=len(valid), errors=errors, valid=valid, created_by=actor,
    )  # fmt: skip
    record(actor=actor, action="payments.check_returns", target=cycle,
           changes={"file": [None, file_name], "rows": [None, len(rows)],
                    "errors": [None, len(errors)]})  # fmt: skip
    return checked


def apply_returns(*, actor: Actor, returns: ReturnImport) -> ReturnImport:
    """Apply the checked file's valid lines (the officer chose to). Each line changes only
    from "to pay", so a line is never recorded twice whatever file brings it again."""
    _require(actor, Perm.PAYMENTS_PREPARE)
    if returns.status != ReturnImport.Status.CHECKED:
        raise Conflict(_("Ce fichier de retour est déjà appliqué."))
    try:
        with transaction.atomic():
            cycle = PaymentCycle.objects.select_for_update().get(pk=returns.cycle_id)
            if cycle.status != PaymentCycle.Status.SENT:
                raise Conflict(_("Les retours s'appliquent à un cycle envoyé aux agences."))
            pending = cycle.lines.filter(status=PaymentLine.Status.PENDING)
            before = pending.count()
            # Each line changes only from "to pay" (the WHERE): nothing is recorded twice.
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE payments_paymentline SET status = %s, paid_on = %s, "
                    "transaction_reference = %s, failure_reason = %s "
                    "WHERE id = %s AND cycle_id = %s AND status = 'pending'",
                    [
                        (entry["status"],
                         date.fromisoformat(entry["paid_on"]) if entry["paid_on"] else None,
                         entry["reference"], entry["reason"], entry["line"], cycle.pk)
                        for entry in returns.valid
                    ],
                )  # fmt: skip
            applied = before - pending.count()
            ReturnImport.objects.filter(pk=returns.pk).update(
                status=ReturnImport.Status.APPLIED, applied_rows=applied, applied_at=timezone.now()
            )
            record(actor=actor, action="payments.apply_returns", target=cycle,
                   changes={"file": [None, returns.file_name], "applied": [None, applied]})  # fmt: skip
    except IntegrityError:  # the same file applied at the same moment by someone else
        raise InvalidInput(_("Ce fichier de retour a déjà été appliqué à ce cycle.")) from None
    returns.refresh_from_db()
    return returns


def reconcile_cycle(*, actor: Actor, cycle: PaymentCycle) -> PaymentCycle:
    """Every line has its outcome (paid, failed or uncollected): the cycle is reconciled."""
    _require(actor, Perm.PAYMENTS_APPROVE)
    pending = cycle.lines.filter(status=PaymentLine.Status.PENDING).count()
    if pending:
        raise InvalidInput(
            _("%(count)s ligne(s) attendent encore un retour d'agence.") % {"count": pending}
        )
    with transaction.atomic():
        cycle = _transition(cycle, PaymentCycle.Status.SENT, PaymentCycle.Status.RECONCILED)
        record(actor=actor, action="payments.reconcile", target=cycle,
               changes={"status": ["sent", "reconciled"]})  # fmt: skip
    return cycle


def close_cycle(*, actor: Actor, cycle: PaymentCycle) -> PaymentCycle:
    """A closed cycle never changes again."""
    _require(actor, Perm.PAYMENTS_APPROVE)
    with transaction.atomic():
        cycle = _transition(cycle, PaymentCycle.Status.RECONCILED, PaymentCycle.Status.CLOSED)
        record(actor=actor, action="payments.close", target=cycle,
               changes={"status": ["reconciled", "closed"]})  # fmt: skip
    return cycle
