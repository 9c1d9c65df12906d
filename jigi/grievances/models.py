"""Complaints, their timeline and attachments, the rules that route and time them, the
referral hand-off to protection, appeal offers from community validation, and the public
form's throttle."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jigi.core.models import AdminArea
from jigi.payments.models import PaymentCycle, PaymentLine
from jigi.programmes.models import Enrolment, HouseholdScore
from jigi.registry.models import ChangeRequest, Household, Individual


class Category(models.TextChoices):
    EXCLUSION = "exclusion", _("Erreur d'exclusion (non retenu)")
    INCLUSION = "inclusion", _("Erreur d'inclusion")
    PAYMENT_NOT_RECEIVED = "payment_not_received", _("Paiement non reçu")
    WRONG_AMOUNT = "wrong_amount", _("Montant erroné")
    AGENCY_CONDUCT = "agency_conduct", _("Comportement de l'agence de paiement")
    STAFF_MISCONDUCT = "staff_misconduct", _("Mauvaise conduite du personnel")
    FRAUD = "fraud", _("Fraude ou corruption")
    SEA = "sea", _("Exploitation et abus sexuels (EAS)")
    DATA_CORRECTION = "data_correction", _("Demande de correction des données")
    INFORMATION = "information", _("Demande d'information")
    SUGGESTION = "suggestion", _("Suggestion")
    OTHER = "other", _("Autre")


# Restricted to focal points (DESIGN §3 grievances, issue 8).
SENSITIVE_CATEGORIES = frozenset({Category.SEA, Category.FRAUD, Category.STAFF_MISCONDUCT})
PAYMENT_CATEGORIES = frozenset({Category.PAYMENT_NOT_RECEIVED, Category.WRONG_AMOUNT})


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Numéro vert (appel)")
    SMS = "sms", _("SMS")
    IN_PERSON = "in_person", _("En personne (point de paiement, antenne)")
    BOX = "box", _("Boîte à plaintes")
    COMMITTEE = "committee", _("Comité communautaire")
    WEB = "web", _("Formulaire web public")
    API = "api", _("API")


class Level(models.IntegerChoices):
    LOCAL = 1, _("Local")
    REGIONAL = 2, _("Régional")
    NATIONAL = 3, _("National")


class Complaint(models.Model):
    """One complaint or piece of feedback, from receipt to closure.

    Transitions (services.TRANSITIONS): new → assigned → in progress → resolved → closed;
    resolved → appealed → in progress again. ``deadline_at`` is the category's deadline from
    receipt and never moves (statistics measure against it); ``escalate_at`` is when the
    current level's time runs out and the escalation job moves the complaint up a level.
    """

    SCOPE_AREA_PATH: ClassVar[str] = "area_id"
    SCOPE_SITE_PATH: ClassVar[str | None] = None

    class Status(models.TextChoices):
        NEW = "new", _("Nouvelle")
        ASSIGNED = "assigned", _("Assignée")
        IN_PROGRESS = "in_progress", _("En traitement")
        RESOLVED = "resolved", _("Résolue")
        APPEALED = "appealed", _("En recours")
        CLOSED = "closed", _("Clôturée")

    class Complainant(models.TextChoices):
        REGISTERED = "registered", _("Ménage ou personne du registre")
        NAMED = "named", _("Personne nommée, hors registre")
        ANONYMOUS = "anonymous", _("Anonyme")

    class Resolution(models.TextChoices):
        CORRECTED = "corrected", _("Corrigée")
        EXPLAINED = "explained", _("Expliquée")
        REFERRED = "referred", _("Orientée")
        REJECTED = "rejected", _("Rejetée (motivée)")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfait·e")
        PARTLY = "partly", _("Partiellement satisfait·e")
        UNSATISFIED = "unsatisfied", _("Non satisfait·e")

    code = models.CharField(_("code de suivi"), max_length=16, unique=True)
    channel = models.CharField(_("canal"), max_length=12, choices=Channel.choices)
    category = models.CharField(_("catégorie"), max_length=24, choices=Category.choices)
    is_sensitive = models.BooleanField(_("sensible"), default=False, editable=False)
    description = models.TextField(_("description"))
    complainant = models.CharField(_("plaignant·e"), max_length=12, choices=Complainant.choices)
    complainant_name = models.CharField(_("nom du / de la plaignant·e"), max_length=200, blank=True)
    complainant_phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name=_("ménage"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    individual = models.ForeignKey(
        Individual,
        verbose_name=_("personne"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    # The most precise place known (the household's commune, else the commune or region
    # given): the scope test is a prefix test on it.
    area = models.ForeignKey(
        AdminArea, verbose_name=_("lieu"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        AdminArea,
        verbose_name=_("région"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 1},
    )
    village = models.CharField(_("village / quartier"), max_length=120, blank=True)
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    payment_line = models.ForeignKey(
        PaymentLine, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    cycle = models.ForeignKey(
        PaymentCycle, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    score = models.ForeignKey(
        HouseholdScore,
        verbose_name=_("liste de validation communautaire"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    change_request = models.OneToOneField(
        ChangeRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="complaint"
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    level = models.PositiveSmallIntegerField(
        _("niveau"), choices=Level.choices, default=Level.LOCAL
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignée à"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(_("reçue le"))
    deadline_at = models.DateTimeField(_("échéance"))
    escalate_at = models.DateTimeField(_("escalade prévue le"))
    resolved_at = models.DateTimeField(_("résolue le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    resolution = models.CharField(
        _("type de résolution"), max_length=12, choices=Resolution.choices, blank=True
    )
    resolution_note = models.TextField(_("résolution"), blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    appeals = models.PositiveSmallIntegerField(_("recours"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-received_at", "-id"]
        verbose_name = _("plainte")
        verbose_name_plural = _("plaintes")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(resolution=""),
                name="closed_complaint_has_resolution",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["is_sensitive", "status"], name="complaint_sensitive_status"),
            models.Index(fields=["escalate_at"], name="complaint_escalate_at"),
        ]

    def __str__(self) -> str:
        # Codes only: a title never carries the narrative or the complainant's name.
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status not in {self.Status.RESOLVED, self.Status.CLOSED}


class Event(models.Model):
    """The complaint's timeline: notes, assignments, status changes, escalations."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Reçue")
        NOTE = "note", _("Note")
        ACTION = "action", _("Action")
        ASSIGNED = "assigned", _("Assignation")
        STATUS = "status", _("Changement de statut")
        ESCALATED = "escalated", _("Escalade")
        APPEALED = "appealed", _("Recours")
        CHANGE_REQUEST = "change_request", _("Demande de modification du registre")
        REFERRAL = "referral", _("Référencement vers la protection")
        SATISFACTION = "satisfaction", _("Satisfaction")
        ATTACHMENT = "attachment", _("Pièce jointe")
        RECLASSIFIED = "reclassified", _("Changement de catégorie")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(blank=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint.code} – {self.kind}"


class Attachment(models.Model):
    """A photo or PDF kept under ``JIGI_GRIEVANCE_FILES_DIR`` by a random name; its type was
    checked from its first bytes, not its name."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=80, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.file_name


class Deadline(models.Model):
    """How many days a category has to be resolved, and how long each level has before the
    complaint moves up (reference data, edited in the audited admin)."""

    category = models.CharField(
        _("catégorie"), max_length=24, choices=Category.choices, unique=True
    )
    days = models.PositiveSmallIntegerField(_("délai de résolution (jours)"))
    escalation_days = models.PositiveSmallIntegerField(
        _("délai avant nouvelle escalade (jours)"), default=7
    )

    class Meta:
        ordering: ClassVar = ["category"]
        verbose_name = _("délai par catégorie")
        verbose_name_plural = _("délais par catégorie")

    def __str__(self) -> str:
        return f"{self.get_category_display()} – {self.days}"


class AssignmentRule(models.Model):
    """Who receives a category's complaints of a region at a level. The most specific active
    rule wins: a named category beats "any", a named region beats "any"."""

    category = models.CharField(
        _("catégorie"), max_length=24, choices=Category.choices, blank=True,
        help_text=_("Vide : toutes les catégories."),
    )  # fmt: skip
    region = models.ForeignKey(
        AdminArea,
        verbose_name=_("région"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": 1},
        help_text=_("Vide : toutes les régions."),
    )
    level = models.PositiveSmallIntegerField(_("niveau"), choices=Level.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigner à"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering: ClassVar = ["level", "category", "region"]
        verbose_name = _("règle d'assignation")
        verbose_name_plural = _("règles d'assignation")

    def __str__(self) -> str:
        return f"{self.get_level_display()} – {self.category or '*'} – {self.region_id or '*'}"


class ProtectionReferral(models.Model):
    """The hand-off of a GBV disclosure to protection: the complainant's consent, when and by
    whom. It holds no narrative; the protection app takes it up through `core.handoffs`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("À prendre en charge par la protection")
        ACCEPTED = "accepted", _("Prise en charge")

    complaint = models.OneToOneField(
        Complaint, on_delete=models.PROTECT, related_name="protection_referral"
    )
    has_consent = models.BooleanField(_("consentement éclairé donné"))
    consent_on = models.DateField(_("date du consentement"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(has_consent=True), name="referral_needs_consent")
        ]

    def __str__(self) -> str:
        return self.complaint.code


class AppealOffer(models.Model):
    """A household the community struck off a list: it may appeal. Kept until an officer
    records the appeal as a complaint or sets the offer aside."""

    SCOPE_AREA_PATH: ClassVar[str] = "household__commune_id"
    SCOPE_SITE_PATH: ClassVar[str | None] = None

    score = models.OneToOneField(HouseholdScore, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("motif du rejet"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    complaint = models.OneToOneField(
        Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="appeal_offer"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.household_id} – {self.score_id}"


class PublicAttempt(models.Model):
    """One use of a public page (form or status) by an address, kept as a keyed hash, so
    throttling holds across web processes without storing addresses."""

    class Kind(models.TextChoices):
        SUBMIT = "submit", "submit"
        LOOKUP = "lookup", "lookup"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    address_hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["kind", "address_hash", "at"], name="public_attempt_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
