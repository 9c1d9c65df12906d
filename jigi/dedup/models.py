"""Linkage models, dedup runs and their candidate pairs, reviewers' decisions, merges."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings as django_settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jigi.core.models import Job
from jigi.registry.models import Household, Individual


class LinkageModel(models.Model):
    """One trained version of the Splink model (its settings JSON, with m and u values)."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("entraîné le"), auto_now_add=True)
    trained_on = models.PositiveIntegerField(_("individus utilisés"))
    labelled_pairs = models.PositiveIntegerField(_("paires étiquetées utilisées"), default=0)
    settings = models.JSONField(_("paramètres Splink"))
    trained_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering: ClassVar = ["-version"]
        verbose_name = _("modèle de rapprochement")

    def __str__(self) -> str:
        return f"v{self.version}"


class Thresholds(models.Model):
    """The two thresholds administrators set (one row)."""

    review = models.FloatField(_("seuil de revue"), default=0.5)
    almost_certain = models.FloatField(_("seuil « quasi certain »"), default=0.95)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("seuils")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(review__gt=0, almost_certain__lt=1, review__lt=F("almost_certain")),
                name="dedup_thresholds_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.review} / {self.almost_certain}"


class Run(models.Model):
    """One batch run over the register. Its pairs count only once it is done."""

    class Status(models.TextChoices):
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échoué")

    model = models.ForeignKey(LinkageModel, on_delete=models.PROTECT, related_name="runs")
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    review_threshold = models.FloatField()
    almost_certain_threshold = models.FloatField()
    records = models.PositiveIntegerField(default=0)
    not_checkable = models.PositiveIntegerField(_("non vérifiables"), default=0)
    pairs = models.PositiveIntegerField(default=0)
    almost_certain = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    started_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering: ClassVar = ["-started_at"]
        verbose_name = _("dédoublonnage")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class CandidatePair(models.Model):
    """Two individuals the model says may be one person (left has the lower id)."""

    class Band(models.TextChoices):
        ALMOST_CERTAIN = "almost_certain", _("Quasi certain")
        REVIEW = "review", _("À revoir")

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="candidates")
    left = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField(_("probabilité"))
    match_weight = models.FloatField(_("poids"))
    band = models.CharField(max_length=16, choices=Band.choices)
    # comparison name → [level label, match weight of that level]
    comparisons = models.JSONField(default=dict)
    region = models.CharField(max_length=8, db_index=True)
    cluster = models.BigIntegerField(null=True)

    class Meta:
        ordering: ClassVar = ["-probability", "id"]
        verbose_name = _("paire candidate")
        indexes: ClassVar = [models.Index(fields=["run", "-probability"], name="dedup_pair_rank")]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["run", "left", "right"], name="dedup_pair_once"),
            models.CheckConstraint(condition=Q(left__lt=F("right")), name="dedup_pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.left_id} ~ {self.right_id} ({self.probability:.2f})"


class Decision(models.Model):
    """A reviewer's answer for a pair of individuals; kept as a label for the model."""

    class Verdict(models.TextChoices):
        SAME = "same", _("Même personne")
        DIFFERENT = "different", _("Personnes différentes")
        UNSURE = "unsure", _("Pas sûr")

    left = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(_("décision"), max_length=10, choices=Verdict.choices)
    probability = models.FloatField(_("probabilité du modèle"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("décision")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["left", "right"], name="dedup_decision_once"),
            models.CheckConstraint(condition=Q(left__lt=F("right")), name="dedup_decision_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.left_id} ~ {self.right_id}: {self.verdict}"


class Undoable(models.Model):
    """What every merge keeps: the snapshot that undoes it, who merged and who undid it, when."""

    snapshot = models.JSONField()
    merged_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering: ClassVar = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"  # type: ignore[attr-defined]


class Merge(Undoable):
    """``merged`` folded into ``survivor``; ``snapshot`` restores both exactly on un-merge."""

    survivor = models.ForeignKey(Individual, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Individual, on_delete=models.PROTECT, related_name="+")

    class Meta(Undoable.Meta):
        verbose_name = _("fusion")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["merged"], condition=Q(undone_at__isnull=True), name="dedup_merged_once"
            )
        ]


class HouseholdMerge(Undoable):
    """Household ``merged`` folded into ``survivor``: matched members merged one by one (their
    ``Merge`` rows), the others moved; ``snapshot`` restores everything on un-merge."""

    survivor = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    member_merges = models.ManyToManyField(Merge, related_name="+", blank=True)

    class Meta(Undoable.Meta):
        verbose_name = _("fusion de ménages")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["merged"],
                condition=Q(undone_at__isnull=True),
                name="dedup_household_merged_once",
            )
        ]
