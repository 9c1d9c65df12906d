"""Payment agencies and their regions, budgets, payment cycles and their payroll lines."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jigi.core.models import AdminArea, FundingSource, Organisation
from jigi.programmes.models import Enrolment, Programme
from jigi.registry.models import Household, Individual


class PaymentAgency(models.Model):
    """A contracted payment agency: who pays, under which contract, at what fee."""

    class Kind(models.TextChoices):
        MOBILE_MONEY = "mobile_money", _("Opérateur de paiement mobile")
        BANK = "bank", _("Banque")
        MICROFINANCE = "microfinance", _("Institution de microfinance")
        CASH_AGENTS = "cash_agents", _("Réseau d'agents payeurs")

    class Layout(models.TextChoices):
        DEFAULT = "default", _("Fichier Jigi par défaut (CSV / XLSX)")
        OPERATOR_FR = "operator_fr", _("Fichier opérateur en français (CSV « ; » / XLSX)")
        DCI_DISBURSE = "dci_disburse", _("Requête DCI « disburse » (JSON)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_agencies",
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    contract_reference = models.CharField(_("référence du contrat"), max_length=80)
    contract_starts_on = models.DateField(_("début du contrat"))
    contract_ends_on = models.DateField(_("fin du contrat"), null=True, blank=True)
    fee_basis_points = models.PositiveIntegerField(
        _("frais (points de base)"),
        default=0,
        help_text=_(
            "Frais proportionnels en points de base : 150 = 1,5 pour cent du montant payé."
        ),
    )
    fee_fixed_xof = models.PositiveIntegerField(_("frais fixes par paiement (FCFA)"), default=0)
    file_layout = models.CharField(
        _("format de fichier"), max_length=20, choices=Layout.choices, default=Layout.DEFAULT
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("agence de paiement")
        verbose_name_plural = _("agences de paiement")

    def __str__(self) -> str:
        return self.name

    def fee_for(self, amount_xof: int) -> int:
        """The agency's fee for one payment, rounded down to the franc."""
        return self.fee_fixed_xof + amount_xof * self.fee_basis_points // 10_000


class AgencyAssignment(models.Model):
    """Which agency pays a programme's households in a region."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="agency_assignments"
    )
    region = models.ForeignKey(
        AdminArea,
        verbose_name=_("région"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 1},
    )
    agency = models.ForeignKey(PaymentAgency, on_delete=models.PROTECT, related_name="assignments")

    class Meta:
        verbose_name = _("affectation d'agence")
        verbose_name_plural = _("affectations d'agences")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["programme", "region"], name="one_agency_per_region")
        ]

    def __str__(self) -> str:
        return f"{self.programme} – {self.region} – {self.agency}"


class Budget(models.Model):
    """What a funding source allocates to a programme for a year."""

    funding_source = models.ForeignKey(
        FundingSource, on_delete=models.PROTECT, related_name="budgets"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("année"))
    amount_xof = models.PositiveBigIntegerField(_("allocation (FCFA)"))

    class Meta:
        ordering: ClassVar = ["-year", "programme"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["funding_source", "programme", "year"], name="one_budget_line"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.year} – {self.funding_source}"


class PaymentCycle(models.Model):
    """One payment round of a programme ("2027 – cycle 1"): its payroll, then its files,
    returns and reconciliation. Transitions: draft → submitted → approved → sent →
    reconciled → closed (a submitted cycle may go back to draft)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SUBMITTED = "submitted", _("Soumis")
        APPROVED = "approved", _("Approuvé")
        SENT = "sent", _("Envoyé aux agences")
        RECONCILED = "reconciled", _("Rapproché")
        CLOSED = "closed", _("Clôturé")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="cycles")
    number = models.PositiveIntegerField(_("numéro"))
    name = models.CharField(_("nom"), max_length=120)
    cycle_on = models.DateField(
        _("date du cycle"), help_text=_("Les inscriptions actives à cette date sont payées.")
    )
    due_on = models.DateField(_("date de paiement prévue"))
    funding_source = models.ForeignKey(
        FundingSource,
        verbose_name=_("source de financement"),
        on_delete=models.PROTECT,
        related_name="cycles",
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    totals = models.JSONField(default=dict, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["programme", "-number"]
        verbose_name = _("cycle de paiement")
        verbose_name_plural = _("cycles de paiement")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["programme", "number"], name="cycle_number_once")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT


class PaymentLine(models.Model):
    """What one household is paid in one cycle, as it stood when the payroll was generated."""

    SCOPE_AREA_PATH: ClassVar[str] = "commune_id"
    SCOPE_SITE_PATH: ClassVar[str | None] = None

    class Status(models.TextChoices):
        PENDING = "pending", _("À payer")
        PAID = "paid", _("Payé")
        FAILED = "failed", _("Échec")
        UNCOLLECTED = "uncollected", _("Non retiré")

    # The cycle leads the unique constraint below; no index of its own.
    cycle = models.ForeignKey(
        PaymentCycle, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="payments")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="payments")
    commune = models.ForeignKey(AdminArea, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(
        PaymentAgency, on_delete=models.PROTECT, null=True, related_name="lines"
    )
    recipient = models.ForeignKey(Individual, on_delete=models.PROTECT, related_name="payments")
    recipient_name = models.CharField(_("récipiendaire"), max_length=210)
    channel = models.CharField(_("canal"), max_length=12, choices=Enrolment.Channel.choices)
    payment_number = models.CharField(_("numéro de paiement"), max_length=40, blank=True)
    members = models.PositiveSmallIntegerField(_("membres"))
    base_xof = models.PositiveIntegerField(_("montant de base"))
    member_top_up_xof = models.PositiveIntegerField(_("complément par membre"))
    emergency_xof = models.PositiveIntegerField(_("complément d'urgence"))
    arrears_xof = models.PositiveIntegerField(_("arriérés"))
    deduction_xof = models.PositiveIntegerField(_("retenue"))
    amount_xof = models.PositiveIntegerField(_("montant (FCFA)"))
    reissue_of = models.OneToOneField(
        "self",
        verbose_name=_("réémission de"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reissued_as",
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    paid_on = models.DateField(_("payé le"), null=True, blank=True)
    transaction_reference = models.CharField(
        _("référence de transaction"), max_length=100, blank=True
    )
    failure_reason = models.CharField(_("motif de l'échec"), max_length=200, blank=True)

    class Meta:
        ordering: ClassVar = ["cycle", "commune", "household"]
        verbose_name = _("ligne de paiement")
        verbose_name_plural = _("lignes de paiement")
        constraints: ClassVar = [
            # Never pay a household twice for the same cycle (a cycle is one programme's).
            models.UniqueConstraint(
                fields=["cycle", "household"], name="one_payment_per_household_per_cycle"
            ),
            models.CheckConstraint(
                condition=Q(
                    amount_xof=F("base_xof")
                    + F("member_top_up_xof")
                    + F("emergency_xof")
                    + F("arrears_xof")
                    - F("deduction_xof")
                ),
                name="payment_parts_add_up",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["cycle", "status"], name="payment_cycle_status"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} – {self.household_id} – {self.amount_xof}"


class ComplianceRecord(models.Model):
    """Whether a household met the programme's conditionalities for a cycle, as imported
    from the file the accompanying-measures or health teams send. A non-compliant household's
    line carries the programme's deduction."""

    # The cycle leads the unique constraint below; no index of its own.
    cycle = models.ForeignKey(
        PaymentCycle, on_delete=models.CASCADE, related_name="compliance", db_index=False
    )
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    compliant = models.BooleanField(_("conforme"))
    reason = models.CharField(_("motif"), max_length=200, blank=True)
    file_name = models.CharField(_("fichier"), max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("conformité")
        verbose_name_plural = _("conformités")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["cycle", "household"], name="compliance_once")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} – {self.household_id} – {self.compliant}"


class PaymentFile(models.Model):
    """A payroll file handed to an agency: its control total and its SHA-256, so what the
    agency received can be proven later."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        JSON = "json", "JSON"

    cycle = models.ForeignKey(PaymentCycle, on_delete=models.PROTECT, related_name="files")
    agency = models.ForeignKey(PaymentAgency, on_delete=models.PROTECT, null=True, related_name="+")
    file_format = models.CharField(max_length=4, choices=Format.choices)
    layout = models.CharField(max_length=20, default="default")
    rows = models.PositiveIntegerField()
    total_xof = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.cycle} – {self.agency} ({self.sha256[:12]})"


class ReturnImport(models.Model):
    """An agency's return file: checked line by line, then applied if the officer chooses.
    The same file (by content) is never applied twice to a cycle."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Vérifié")
        APPLIED = "applied", _("Appliqué")

    cycle = models.ForeignKey(PaymentCycle, on_delete=models.PROTECT, related_name="returns")
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.CHECKED)
    rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    applied_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    valid = models.JSONField(default=list, blank=True)  # the valid lines, applied on request
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["cycle", "sha256"],
                condition=Q(status="applied"),
                name="return_file_applied_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cycle} – {self.file_name}"
