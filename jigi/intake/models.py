"""Imports into the register: mapping templates, import batches, their staged households and
the source keys that make a second import of the same file change nothing."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jigi.core.models import Job
from jigi.registry.models import Household


class PcodeVersion(models.TextChoices):
    COD_2021 = "2021", _("COD-AB 2021 (codes actuels)")
    COD_2015 = "2015", _("COD-AB 2015 (anciens codes, convertis)")


class MappingTemplate(models.Model):
    """A saved, named column mapping: register field → column of the source file."""

    name = models.CharField(_("nom"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    columns = models.JSONField(_("colonnes"), default=dict, blank=True)
    pcode_version = models.CharField(
        _("version des P-codes"),
        max_length=4,
        choices=PcodeVersion.choices,
        default=PcodeVersion.COD_2021,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("modèle de correspondance")
        verbose_name_plural = _("modèles de correspondance")

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One uploaded file on its way into the register: staged, validated, committed."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel (XLSX)")
        KOBO_JSON = "kobo-json", _("KoboToolbox, JSON de l'API")
        KOBO_XLSX = "kobo-xlsx", _("KoboToolbox, export XLSX")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Déposé")
        VALIDATING = "validating", _("Vérification en cours")
        VALIDATED = "validated", _("Vérifié, à confirmer")
        COMMITTING = "committing", _("Enregistrement en cours")
        COMMITTED = "committed", _("Enregistré")
        FAILED = "failed", _("Échoué")
        CANCELLED = "cancelled", _("Abandonné")

    class Policy(models.TextChoices):
        VALID_ONLY = "valid_only", _("Enregistrer les ménages valides, ignorer les autres")
        ALL_OR_NOTHING = "all_or_nothing", _("Ne rien enregistrer sauf si tout est valide")

    original_name = models.CharField(_("fichier"), max_length=255)
    stored_path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("taille"), default=0)
    file_format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    encoding = models.CharField(_("encodage"), max_length=20, blank=True)
    delimiter = models.CharField(_("séparateur"), max_length=1, blank=True)
    mapping = models.ForeignKey(
        MappingTemplate,
        verbose_name=_("modèle de correspondance"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    columns = models.JSONField(_("correspondance utilisée"), default=dict, blank=True)
    pcode_version = models.CharField(
        _("version des P-codes"),
        max_length=4,
        choices=PcodeVersion.choices,
        default=PcodeVersion.COD_2021,
    )
    source = models.CharField(_("source des clés"), max_length=80)
    policy = models.CharField(
        _("règle d'enregistrement"), max_length=20, choices=Policy.choices, blank=True
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.UPLOADED
    )
    error = models.TextField(_("erreur"), blank=True)
    language = models.CharField(max_length=8, default="fr")
    rows_total = models.PositiveIntegerField(_("lignes"), default=0)
    rows_error = models.PositiveIntegerField(_("lignes en erreur"), default=0)
    households_total = models.PositiveIntegerField(_("ménages"), default=0)
    households_error = models.PositiveIntegerField(_("ménages en erreur"), default=0)
    households_new = models.PositiveIntegerField(_("nouveaux ménages"), default=0)
    households_updated = models.PositiveIntegerField(_("ménages mis à jour"), default=0)
    households_unchanged = models.PositiveIntegerField(_("ménages inchangés"), default=0)
    households_committed = models.PositiveIntegerField(_("ménages enregistrés"), default=0)
    members_committed = models.PositiveIntegerField(_("membres enregistrés"), default=0)
    validate_job = models.ForeignKey(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    commit_job = models.ForeignKey(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True, db_index=True)
    validated_at = models.DateTimeField(_("vérifié le"), null=True, blank=True)
    committed_at = models.DateTimeField(_("enregistré le"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.pk} {self.original_name}"

    @property
    def rows_ok(self) -> int:
        return self.rows_total - self.rows_error

    @property
    def households_ok(self) -> int:
        return self.households_total - self.households_error

    @property
    def running_job(self) -> Job | None:
        for job in (self.commit_job, self.validate_job):
            if job is not None and not job.is_finished:
                return job
        return None


class StagedHousehold(models.Model):
    """One household read from the file, validated. It stays staged until it is written to the
    register: the transaction that writes it deletes it (the refused and the unchanged stay,
    the refused with their errors for the report)."""

    class Action(models.TextChoices):
        NEW = "new", _("Nouveau")
        UPDATE = "update", _("Mise à jour")
        UNCHANGED = "unchanged", _("Inchangé")
        ERROR = "error", _("En erreur")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="staged")
    key = models.CharField(max_length=200)
    sheet = models.CharField(max_length=60, blank=True)
    first_row = models.PositiveIntegerField()
    rows = models.PositiveIntegerField(default=1)
    payload = models.JSONField(default=dict)
    errors = models.JSONField(default=list, blank=True)
    error_rows = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["batch", "action"]),
            models.Index(fields=["batch", "key"]),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.key}"


class SourceRecord(models.Model):
    """A household's key in an outside source (Kobo ``_uuid``, a file's household id …) and
    the content last imported for it, so re-imports are recognised."""

    source = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    content_hash = models.CharField(max_length=64)
    member_keys = models.JSONField(default=dict)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["source", "key"], name="intake_source_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.key}"
