"""Providers, cases and their incidents, the consent ledger, assessments, services, plans,
follow-ups and referrals.

Fields ending in ``_sealed`` hold AES-GCM ciphertext (`crypto`): only `selectors` open them, for
the people allowed to open the case, and each opening is audit-logged with the fields read.
Nothing here is in the Django admin except providers.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jigi.core.models import AdminArea, FundingSource, Organisation, Site


class ServiceType(models.TextChoices):
    """What a provider offers and what a referral or a consent to refer is for."""

    HEALTH = "health", _("Santé (médical)")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")
    LEGAL = "legal", _("Juridique")
    SAFETY = "safety", _("Sécurité")
    LIVELIHOODS = "livelihoods", _("Moyens de subsistance (réinsertion socio-économique)")
    SHELTER = "shelter", _("Hébergement (maison sûre)")
    OTHER = "other", _("Autre")


class ServiceKind(models.TextChoices):
    """A service delivered to the survivor."""

    LISTENING = "listening", _("Écoute et orientation")
    MEDICAL = "medical", _("Prise en charge médicale")
    PSYCHOSOCIAL_INDIVIDUAL = "psychosocial_individual", _("Thérapie individuelle")
    PSYCHOSOCIAL_GROUP = "psychosocial_group", _("Thérapie de groupe")
    LEGAL = "legal", _("Assistance juridique")
    SAFETY = "safety", _("Sécurité et protection")
    REINSERTION = "reinsertion", _("Réinsertion socio-économique")
    DIGNITY_KIT = "dignity_kit", _("Kit de dignité")
    OTHER_ITEMS = "other_items", _("Autres articles")


class Sex(models.TextChoices):
    FEMALE = "female", _("Féminin")
    MALE = "male", _("Masculin")
    UNKNOWN = "unknown", _("Non précisé")


class Provider(models.Model):
    """A One Stop Center or another provider survivors are referred to. Its staff are the GBV
    case workers and supervisors whose scope holds its site."""

    SCOPE_AREA_PATH: ClassVar[str] = "area_id"
    SCOPE_SITE_PATH: ClassVar[str | None] = "site_id"

    class Kind(models.TextChoices):
        ONE_STOP_CENTER = "one_stop_center", _("One Stop Center")
        HEALTH_CENTRE = "health_centre", _("Centre de santé")
        LEGAL_AID = "legal_aid", _("Assistance juridique")
        PSYCHOSOCIAL = "psychosocial", _("Soutien psychosocial")
        SAFE_HOUSE = "safe_house", _("Maison sûre")
        POLICE = "police", _("Point focal police / gendarmerie")
        LIVELIHOODS = "livelihoods", _("Partenaire moyens de subsistance")
        OTHER = "other", _("Autre")

    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    site = models.OneToOneField(
        Site,
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="protection_provider",
    )
    area = models.ForeignKey(
        AdminArea, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    services = models.JSONField(_("services offerts"), default=list, blank=True)
    opening_details = models.CharField(_("horaires et accès"), max_length=300, blank=True)
    opened_on = models.DateField(_("ouvert le"), null=True, blank=True)
    budget_amount = models.PositiveBigIntegerField(_("budget"), null=True, blank=True)
    budget_currency = models.CharField(
        _("devise du budget"), max_length=3, default="USD", choices=[("USD", "USD"), ("XOF", "XOF")]
    )
    funding_source = models.ForeignKey(
        FundingSource,
        verbose_name=_("financement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("prestataire")
        verbose_name_plural = _("prestataires")

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """A survivor's file, known by its code. One survivor, one or more incidents.

    Status: open → closure requested (checklist, reason) → closed (a supervisor approves) →
    open again when reopened. ``site`` is the provider's site and decides who supervises.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Ouvert")
        CLOSURE_REQUESTED = "closure_requested", _("Clôture demandée")
        CLOSED = "closed", _("Clôturé")

    class Risk(models.TextChoices):
        LOW = "low", _("Faible")
        MEDIUM = "medium", _("Moyen")
        HIGH = "high", _("Élevé")

    class ClosureReason(models.TextChoices):
        NEEDS_MET = "needs_met", _("Besoins satisfaits")
        SURVIVOR_REQUEST = "survivor_request", _("À la demande de la survivante")
        NO_CONTACT = "no_contact", _("Sans contact depuis 30 jours")
        LEFT_AREA = "left_area", _("A quitté la zone")
        TRANSFERRED = "transferred", _("Transféré")

    code = models.CharField(_("code survivant·e"), max_length=20, unique=True)
    provider = models.ForeignKey(
        Provider, verbose_name=_("prestataire"), on_delete=models.PROTECT, related_name="cases"
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    assigned_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gestionnaire de cas"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    survivor_sex = models.CharField(_("sexe"), max_length=10, choices=Sex.choices)
    survivor_birth_year = models.PositiveSmallIntegerField(
        _("année de naissance"), null=True, blank=True
    )
    risk_level = models.CharField(_("niveau de risque"), max_length=10, choices=Risk.choices)
    name_sealed = models.TextField(blank=True)
    contact_sealed = models.TextField(blank=True)
    opened_on = models.DateField(_("ouvert le"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Where the case came from when a complaint handed over a disclosure (`handoffs`).
    handoff_ref = models.CharField(max_length=40, blank=True)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    closure_checklist = models.JSONField(default=dict, blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closure_requested_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened_times = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["-opened_on", "-id"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["handoff_ref"], condition=~Q(handoff_ref=""), name="case_handoff_once"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False, closure_reason__gt=""),
                name="case_closed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class Assessment(models.Model):
    """Intake and assessment: the survivor's needs and the risk level at that date."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("évalué le"))
    safety_needs = models.BooleanField(_("besoins de sécurité"), default=False)
    health_needs = models.BooleanField(_("besoins de santé"), default=False)
    psychosocial_needs = models.BooleanField(_("besoins psychosociaux"), default=False)
    legal_needs = models.BooleanField(_("besoins juridiques"), default=False)
    material_needs = models.BooleanField(_("besoins matériels"), default=False)
    risk_level = models.CharField(_("niveau de risque"), max_length=10, choices=Case.Risk.choices)
    notes_sealed = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.assessed_on}"


class Incident(models.Model):
    """One event of violence reported by the survivor of the case, classified by the GBVIMS
    classifier (``answers`` → ``gbv_type`` and ``contexts``, ``decided_by`` the deciding step)."""

    class Relationship(models.TextChoices):
        INTIMATE_PARTNER = "intimate_partner", _("Partenaire intime / ex-partenaire")
        FAMILY = "family", _("Membre de la famille (hors partenaire)")
        CAREGIVER = "caregiver", _("Personne qui s'occupe de la survivante")
        TEACHER = "teacher", _("Enseignant·e")
        EMPLOYER = "employer", _("Employeur")
        AID_WORKER = "aid_worker", _("Personnel humanitaire ou de l'État")
        ARMED_ACTOR = "armed_actor", _("Acteur armé")
        ACQUAINTANCE = "acquaintance", _("Connaissance, voisin·e")
        STRANGER = "stranger", _("Inconnu·e")
        UNKNOWN = "unknown", _("Non précisé")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="incidents")
    reported_on = models.DateField(_("signalé le"))
    incident_on = models.DateField(_("date de l'incident"))
    region = models.ForeignKey(
        AdminArea, verbose_name=_("région"), on_delete=models.PROTECT, related_name="+"
    )
    survivor_age = models.PositiveSmallIntegerField(_("âge au moment de l'incident"), null=True)
    perpetrator_relationship = models.CharField(
        _("lien avec l'auteur"), max_length=20, choices=Relationship.choices
    )
    answers = models.JSONField(default=dict)
    classifier_version = models.CharField(max_length=20)
    gbv_type = models.CharField(_("type (GBVIMS)"), max_length=30)
    decided_by = models.CharField(max_length=40)
    contexts = models.JSONField(default=list)
    narrative_sealed = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-incident_on", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(incident_on__lte=models.F("reported_on")),
                name="incident_before_report",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.incident_on}"


class Consent(models.Model):
    """One consent given by the survivor (or their caregiver) for one purpose, until withdrawn.

    A referral consent names its service type; the others leave it blank."""

    class Purpose(models.TextChoices):
        SERVICES = "services", _("Recevoir des services")
        REFERRAL = "referral", _("Être orienté·e vers un autre prestataire")
        STATISTICS = "statistics", _("Données non identifiantes dans les statistiques")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("objet"), max_length=12, choices=Purpose.choices)
    service_type = models.CharField(
        _("type de service"), max_length=20, choices=ServiceType.choices, blank=True
    )
    given_on = models.DateField(_("donné le"))
    scope_note_sealed = models.TextField(blank=True)  # what the survivor limited it to
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["purpose", "service_type", "-given_on"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(purpose="referral", service_type__gt="")
                | (~Q(purpose="referral") & Q(service_type="")),
                name="consent_referral_names_service",
            ),
            # At most one standing consent per purpose and service type.
            models.UniqueConstraint(
                fields=["case", "purpose", "service_type"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_standing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.purpose} {self.service_type}"

    @property
    def is_standing(self) -> bool:
        return self.withdrawn_at is None


class ServiceDelivery(models.Model):
    """A service given to the survivor, by which provider, when, and how it ended."""

    class Outcome(models.TextChoices):
        ONGOING = "ongoing", _("En cours")
        PROVIDED = "provided", _("Fourni")
        DECLINED = "declined", _("Refusé par la survivante")
        UNAVAILABLE = "unavailable", _("Non disponible")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("service"), max_length=30, choices=ServiceKind.choices)
    provider = models.ForeignKey(
        Provider, verbose_name=_("prestataire"), on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField(_("début"))
    ended_on = models.DateField(_("fin"), null=True, blank=True)
    outcome = models.CharField(_("résultat"), max_length=12, choices=Outcome.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-started_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Plan(models.Model):
    """A case plan or a safety plan, submitted by the case worker and approved (or sent back)
    by a supervisor of the site. The latest approved one of each kind is the plan in force."""

    class Kind(models.TextChoices):
        CASE = "case", _("Plan d'action")
        SAFETY = "safety", _("Plan de sécurité")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("À approuver")
        APPROVED = "approved", _("Approuvé")
        RETURNED = "returned", _("Renvoyé pour révision")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    content_sealed = models.TextField()
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.status}"


class FollowUp(models.Model):
    """A planned contact with the survivor; overdue once its due date has passed undone."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    due_on = models.DateField(_("prévu le"))
    purpose_sealed = models.TextField()  # why: free text about the survivor, so sealed
    done_on = models.DateField(_("fait le"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.due_on}"


class Referral(models.Model):
    """A request to another provider for one service type.

    The receiving provider's staff see only this row's fields (code, service type, urgency,
    the survivor's sex and age group, the message), never the case. Status: pending →
    accepted / declined; accepted → completed; pending or accepted → revoked (consent
    withdrawn, or the case worker's decision)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        ACCEPTED = "accepted", _("Acceptée")
        DECLINED = "declined", _("Refusée")
        COMPLETED = "completed", _("Terminée")
        REVOKED = "revoked", _("Révoquée")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normale")
        URGENT = "urgent", _("Urgente")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    from_provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    to_provider = models.ForeignKey(
        Provider, verbose_name=_("vers"), on_delete=models.PROTECT, related_name="incoming"
    )
    service_type = models.CharField(
        _("type de service"), max_length=20, choices=ServiceType.choices
    )
    urgency = models.CharField(
        _("urgence"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    # What the receiver is told: copied at referral time, the minimum they need.
    survivor_sex = models.CharField(max_length=10, choices=Sex.choices)
    age_group = models.CharField(max_length=10)
    message_sealed = models.TextField(blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    # Why a supervisor referred without consent: free text, so sealed like the message.
    override_reason_sealed = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    feedback_sealed = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)  # a code, never free text
    revoked_note_sealed = models.TextField(blank=True)  # the case worker's words, sealed

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(consent__isnull=False) | Q(override_reason_sealed__gt=""),
                name="referral_consent_or_override",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.to_provider_id} ({self.service_type})"

    @property
    def is_override(self) -> bool:
        return self.consent_id is None


class CashReferral(models.Model):
    """The case's side of a reasonless priority referral of the survivor's household to a
    cash programme (the programme's row says only "protection referral, priority")."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="cash_referrals")
    programme_code = models.CharField(max_length=40)
    priority_referral_id = models.PositiveBigIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.programme_code}"
