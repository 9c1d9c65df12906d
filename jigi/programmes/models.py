"""Programmes, their coverage and funding, PMT formulas, targeting runs and their scores, the
community validation of lists, enrolments and emergency responses (Component 4)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jigi.core.models import AdminArea, FundingSource, Organisation
from jigi.registry.models import Household, Individual


class Programme(models.Model):
    """A programme: who runs it, what it pays, how often, for how long, and where."""

    class Kind(models.TextChoices):
        CASH_TRANSFER = "cash_transfer", _("Transfert monétaire")
        MULTIPURPOSE_CASH = "multipurpose_cash", _("Assistance monétaire à usages multiples")
        IN_KIND = "in_kind", _("Assistance en nature")
        PUBLIC_WORKS = "public_works", _("Travaux à haute intensité de main d'œuvre (HIMO)")
        LIVELIHOODS = "livelihoods", _("Moyens de subsistance (AGR)")
        SERVICE = "service", _("Service")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        ACTIVE = "active", _("Lancé")
        CLOSED = "closed", _("Clôturé")

    class Frequency(models.IntegerChoices):
        MONTHLY = 1, _("Tous les mois")
        EVERY_TWO_MONTHS = 2, _("Tous les 2 mois")
        EVERY_THREE_MONTHS = 3, _("Tous les 3 mois")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation de mise en œuvre"),
        on_delete=models.PROTECT,
        related_name="programmes",
    )
    description = models.TextField(_("description"), blank=True)
    transfer_value_xof = models.PositiveIntegerField(_("montant par ménage et par paiement (FCFA)"))
    member_top_up_xof = models.PositiveIntegerField(_("complément par membre (FCFA)"), default=0)
    top_up_member_cap = models.PositiveSmallIntegerField(
        _("nombre maximal de membres comptés"), null=True, blank=True
    )
    frequency_months = models.PositiveSmallIntegerField(
        _("fréquence des paiements"), choices=Frequency.choices
    )
    duration_months = models.PositiveSmallIntegerField(_("durée d'inscription (mois)"))
    starts_on = models.DateField(_("début"), null=True, blank=True)
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    conditionalities = models.TextField(_("conditionnalités"), blank=True)
    # Filled by later modules (accompanying measures attendance, nutrition, schooling).
    compliance_rule = models.CharField(_("règle de conformité"), max_length=60, blank=True)
    target_groups = models.JSONField(_("groupes cibles"), default=list, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    launched_at = models.DateTimeField(_("lancé le"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(frequency_months__in=[1, 2, 3]), name="programme_frequency_1_2_3"
            ),
            models.CheckConstraint(
                condition=Q(transfer_value_xof__gt=0) | Q(kind__in=["in_kind", "service"]),
                name="programme_cash_has_value",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_launched(self) -> bool:
        return self.status != self.Status.DRAFT

    def amount_for(self, members: int) -> int:
        """Transfer per payment for a household of ``members`` people (XOF)."""
        counted = (
            members if self.top_up_member_cap is None else min(members, self.top_up_member_cap)
        )
        return self.transfer_value_xof + self.member_top_up_xof * counted

    def non_compliance_deduction_xof(self) -> int:
        """What a household that did not meet the conditionalities loses from its base
        transfer in a cycle, by the compliance rule: "25%" of the base, a fixed "2500" francs
        (never more than the base), or nothing when the rule is empty."""
        rule = self.compliance_rule.strip()
        if not rule:
            return 0
        if rule.endswith("%"):
            return self.transfer_value_xof * int(rule[:-1]) // 100
        return min(int(rule), self.transfer_value_xof)


class ProgrammeFunding(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="funding")
    funding_source = models.ForeignKey(
        FundingSource,
        verbose_name=_("source de financement"),
        on_delete=models.PROTECT,
        related_name="programme_funding",
    )
    amount_xof = models.PositiveBigIntegerField(_("montant (FCFA)"))

    class Meta:
        ordering: ClassVar = ["funding_source__name"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["programme", "funding_source"], name="one_funding_line_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.funding_source} – {self.amount_xof}"


class ProgrammeCommune(models.Model):
    """A commune the programme covers and how many households it may take there."""

    SCOPE_AREA_PATH: ClassVar[str] = "commune_id"
    SCOPE_SITE_PATH: ClassVar[str | None] = None

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="coverage")
    commune = models.ForeignKey(
        AdminArea, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    quota = models.PositiveIntegerField(_("quota (ménages)"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["commune_id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["programme", "commune"], name="commune_covered_once")
        ]

    def __str__(self) -> str:
        return f"{self.programme} – {self.commune}"


class ProgrammeVersion(models.Model):
    """The programme's rules as they stood from a launch or a change after launch."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField(encoder=DjangoJSONEncoder)
    reason = models.CharField(_("motif"), max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["programme", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["programme", "number"], name="programme_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.programme} v{self.number}"


class Formula(models.Model):
    """A PMT formula: score = intercept + Σ weight × transform(variable). Never edited once
    saved: a change is a new version, so every run says exactly which formula it used."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="formulas")
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("nom"), max_length=120)
    intercept = models.FloatField(_("constante"), default=0.0)
    terms = models.JSONField(_("termes"), default=list)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["programme", "-number"]
        verbose_name = _("formule PMT")
        verbose_name_plural = _("formules PMT")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["programme", "number"], name="formula_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.number})"


class TargetingRun(models.Model):
    """One scoring of the coverage with a formula, criteria and a cut-off. A run is a
    simulation until an officer adopts it; the adopted run's list goes to the community."""

    class Status(models.TextChoices):
        COMPUTING = "computing", _("En calcul")
        READY = "ready", _("Simulation")
        ADOPTED = "adopted", _("Adoptée")
        SUPERSEDED = "superseded", _("Remplacée")
        FAILED = "failed", _("Échec")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="runs")
    formula = models.ForeignKey(Formula, on_delete=models.PROTECT, related_name="runs")
    cutoff = models.FloatField(_("seuil (score maximal)"), null=True, blank=True)
    criteria = models.JSONField(_("critères"), default=list, blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.COMPUTING
    )
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, related_name="+")
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    adopted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("ciblage")
        verbose_name_plural = _("ciblages")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["programme"], condition=Q(status="adopted"), name="one_adopted_run"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} – #{self.pk}"


class HouseholdScore(models.Model):
    """A household's score in a run, its rank in its commune and what became of it:
    eligible (criteria and cut-off), selected (within the quota), then the community's say."""

    SCOPE_AREA_PATH: ClassVar[str] = "commune_id"
    SCOPE_SITE_PATH: ClassVar[str | None] = None

    class Validation(models.TextChoices):
        NONE = "", _("Hors liste")
        PENDING = "pending", _("À valider")
        VALIDATED = "validated", _("Validé")
        REJECTED = "rejected", _("Rejeté")

    # The run and the commune lead the composite indexes below; their own indexes would only
    # slow the one statement that writes a run's 200k rows.
    run = models.ForeignKey(
        TargetingRun, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    commune = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    score = models.FloatField(_("score PMT"), null=True)
    size = models.PositiveSmallIntegerField(_("taille du ménage"), default=0)
    is_eligible = models.BooleanField(_("éligible"), default=False)
    rank = models.PositiveIntegerField(_("rang dans la commune"), null=True)
    is_selected = models.BooleanField(_("retenu"), default=False)
    validation = models.CharField(
        _("validation communautaire"),
        max_length=10,
        choices=Validation.choices,
        default=Validation.NONE,
        blank=True,
    )
    validation_reason = models.CharField(_("motif"), max_length=300, blank=True)
    is_community_addition = models.BooleanField(_("ajout de la communauté"), default=False)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    validated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["run", "commune", "rank", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["run", "household"], name="scored_once_per_run")
        ]
        indexes: ClassVar = [
            models.Index(fields=["run", "commune", "rank"], name="score_commune_rank"),
            # Only the households on a list: none when a run is written, so it costs nothing
            # to the scoring statement.
            models.Index(
                fields=["run", "validation"],
                condition=~Q(validation=""),
                name="score_on_list",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} – {self.score}"


class EmergencyResponse(models.Model):
    """Component 4: after a shock, a top-up for the enrolled households of some communes, or
    an expansion to the next-ranked households up to a temporary quota, until an end date."""

    class Kind(models.TextChoices):
        TOP_UP = "top_up", _("Complément vertical (montant supplémentaire)")
        EXPANSION = "expansion", _("Extension horizontale (nouveaux ménages)")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="emergencies")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    shock = models.CharField(_("choc"), max_length=200)
    communes = models.ManyToManyField(AdminArea, related_name="+", verbose_name=_("communes"))
    top_up_xof = models.PositiveIntegerField(_("montant supplémentaire (FCFA)"), null=True)
    cycles = models.PositiveSmallIntegerField(_("nombre de cycles"), null=True)
    extra_quota = models.PositiveIntegerField(_("quota temporaire par commune"), null=True)
    ends_on = models.DateField(_("fin"))
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("réponse aux urgences")
        verbose_name_plural = _("réponses aux urgences")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.shock}"


class Enrolment(models.Model):
    """A household in a programme: from a start date to a planned end, paid to a recipient."""

    # The household's commune today (households move; merged households bring their
    # enrolments): never a copy that could go stale.
    SCOPE_AREA_PATH: ClassVar[str] = "household__commune_id"
    SCOPE_SITE_PATH: ClassVar[str | None] = None
    OPEN_STATUSES: ClassVar[tuple[str, ...]] = ("active", "suspended")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Actif")
        SUSPENDED = "suspended", _("Suspendu")
        EXITED = "exited", _("Sorti")
        GRADUATED = "graduated", _("Gradué")

    class Channel(models.TextChoices):
        MOBILE_MONEY = "mobile_money", _("Paiement mobile")
        BANK = "bank", _("Compte bancaire")
        CASH_POINT = "cash_point", _("Point de paiement en espèces")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    start_on = models.DateField(_("début"))
    planned_end_on = models.DateField(_("fin prévue"))
    ended_on = models.DateField(_("fin effective"), null=True, blank=True)
    recipient = models.ForeignKey(
        Individual,
        verbose_name=_("récipiendaire"),
        on_delete=models.PROTECT,
        related_name="recipient_of",
    )
    alternate = models.ForeignKey(
        Individual,
        verbose_name=_("suppléant(e)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alternate_of",
    )
    channel = models.CharField(_("canal de paiement"), max_length=12, choices=Channel.choices)
    payment_number = models.CharField(
        _("numéro de paiement"),
        max_length=40,
        blank=True,
        help_text=_("Numéro de paiement mobile, compte bancaire ou code du point de paiement."),
    )
    run = models.ForeignKey(
        TargetingRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    emergency = models.ForeignKey(
        EmergencyResponse,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrolments",
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["programme", "household"]
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["programme", "household"],
                condition=Q(status__in=["active", "suspended"]),
                name="one_open_enrolment_per_programme",
            ),
            models.CheckConstraint(
                condition=Q(planned_end_on__gt=models.F("start_on")),
                name="enrolment_ends_after_start",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["programme", "status"], name="enrolment_filters"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} – {self.household}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class EnrolmentEvent(models.Model):
    """One step of an enrolment's life, with its reason, date and who recorded it."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", _("Inscription")
        SUSPENDED = "suspended", _("Suspension")
        REACTIVATED = "reactivated", _("Réactivation")
        EXITED = "exited", _("Sortie")
        GRADUATED = "graduated", _("Graduation")
        RECIPIENT_CHANGED = "recipient_changed", _("Changement de récipiendaire")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("événement"), max_length=20, choices=Kind.choices)
    on = models.DateField(_("date"))
    reason = models.CharField(_("motif"), max_length=300)
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["enrolment", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.on}"


class TopUp(models.Model):
    """An enrolled household's extra amount for a number of cycles (vertical expansion);
    payroll adds it while cycles remain."""

    emergency = models.ForeignKey(
        EmergencyResponse, on_delete=models.CASCADE, related_name="top_ups"
    )
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="top_ups")
    amount_xof = models.PositiveIntegerField(_("montant (FCFA)"))
    cycles = models.PositiveSmallIntegerField(_("cycles"))
    cycles_paid = models.PositiveSmallIntegerField(_("cycles payés"), default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["emergency", "enrolment"], name="one_top_up_per_response"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} + {self.amount_xof}"


class PriorityReferral(models.Model):
    """A household sent to a cash programme with priority by another service, which never
    says why: programme staff see "protection referral, priority", the commune and how to
    find the household, nothing else (no referrer, no case, no reason)."""

    SCOPE_AREA_PATH: ClassVar[str] = "commune_id"
    SCOPE_SITE_PATH: ClassVar[str | None] = None

    class Status(models.TextChoices):
        PENDING = "pending", _("À traiter")
        ENROLLED = "enrolled", _("Inscrit")
        NOT_ELIGIBLE = "not_eligible", _("Non retenu")
        WITHDRAWN = "withdrawn", _("Retirée")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="priority_referrals"
    )
    commune = models.ForeignKey(AdminArea, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    received_on = models.DateField(_("reçue le"))

    class Meta:
        ordering: ClassVar = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.commune_id}"

    @property
    def label(self) -> str:
        return str(_("Orientation protection, prioritaire"))
