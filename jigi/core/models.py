"""Reference data (areas, organisations, sites, funding sources) and background jobs."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AdminArea(models.Model):
    """A region, cercle or commune of Mali, identified by its OCHA P-code.

    A P-code starts with its parent's P-code (ML01 ⊃ ML0101 ⊃ ML010101), so scope checks
    are prefix tests on the code.
    """

    class Level(models.IntegerChoices):
        REGION = 1, _("Région")
        CERCLE = 2, _("Cercle")
        COMMUNE = 3, _("Commune")

    pcode = models.CharField(_("P-code"), max_length=12, primary_key=True)
    name = models.CharField(_("nom"), max_length=120)
    name_folded = models.CharField(max_length=120, db_index=True, editable=False)
    level = models.PositiveSmallIntegerField(_("niveau"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    cod_version = models.CharField(
        _("version COD-AB"), max_length=10, help_text=_("Date de la version OCHA COD-AB.")
    )

    class Meta:
        ordering: ClassVar = ["pcode"]
        verbose_name = _("unité administrative")
        verbose_name_plural = _("unités administratives")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(level=1, parent__isnull=True)
                | models.Q(level__in=[2, 3], parent__isnull=False),
                name="admin_area_parent_matches_level",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A ministry, UN agency, NGO, payment agency or donor that Jigi's records refer to."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministère ou service de l'État")
        UN_AGENCY = "un_agency", _("Agence des Nations Unies")
        NGO = "ngo", _("ONG ou association")
        PAYMENT_AGENCY = "payment_agency", _("Agence de paiement")
        DONOR = "donor", _("Bailleur")
        OTHER = "other", _("Autre")

    name = models.CharField(_("nom"), max_length=200, unique=True)
    acronym = models.CharField(_("sigle"), max_length=30, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.acronym or self.name


class Site(models.Model):
    """An office where Jigi is used: regional antenna, CNR office, One Stop Center …

    Sites are scoped data: a user sees the sites inside their areas and the sites they are
    assigned to.
    """

    SCOPE_AREA_PATH: ClassVar[str] = "area__pcode"
    SCOPE_SITE_PATH: ClassVar[str] = "id"

    class Kind(models.TextChoices):
        NATIONAL_UNIT = "national_unit", _("Unité nationale")
        REGIONAL_ANTENNA = "regional_antenna", _("Antenne régionale")
        CNR_OFFICE = "cnr_office", _("Bureau de la CNR")
        ONE_STOP_CENTER = "one_stop_center", _("One Stop Center")
        OTHER = "other", _("Autre")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    area = models.ForeignKey(
        AdminArea, verbose_name=_("zone"), on_delete=models.PROTECT, related_name="sites"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
    )
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name


class FundingSource(models.Model):
    """A source of funds that programmes and payments are charged to (e.g. IDA FA2)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    donor = models.ForeignKey(
        Organisation,
        verbose_name=_("bailleur"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_sources",
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("source de financement")
        verbose_name_plural = _("sources de financement")

    def __str__(self) -> str:
        return self.name


class CodeSequence(models.Model):
    """The last number handed out for one kind of code (households, tickets …)."""

    name = models.CharField(max_length=40, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


class Job(models.Model):
    """One long-running piece of work, its progress and its outcome.

    A job is run by the task worker (or in the foreground by the CLI) through
    `jigi.core.jobs.execute_job`; ``attempt`` increases each time a worker takes it, so a
    superseded run notices and stops rather than doubling the work.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        SUCCEEDED = "succeeded", _("Terminée")
        FAILED = "failed", _("Échouée")
        CANCELLED = "cancelled", _("Annulée")

    FINISHED: ClassVar[frozenset[str]] = frozenset(
        {Status.SUCCEEDED, Status.FAILED, Status.CANCELLED}
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("type"), max_length=60, db_index=True)
    params = models.JSONField(_("paramètres"), default=dict, blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    done = models.PositiveIntegerField(_("fait"), default=0)
    total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    result = models.JSONField(_("résultat"), null=True, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    cancel_requested = models.BooleanField(default=False)
    attempt = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lancée par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finie le"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = _("tâche")
        verbose_name_plural = _("tâches")
        indexes: ClassVar = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == self.Status.SUCCEEDED else None
        return min(100, self.done * 100 // self.total)
