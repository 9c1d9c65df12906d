"""Audit entries, hash-chained, and the chain head that serialises appends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise RuntimeError("Audit entries are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """Who did what to which record, when and from where. Never updated or deleted."""

    seq = models.PositiveBigIntegerField(_("n°"), unique=True)
    at = models.DateTimeField(_("date"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("auteur"), max_length=150)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("type d'objet"), max_length=80, blank=True)
    target_id = models.CharField(_("objet"), max_length=64, blank=True)
    target_label = models.CharField(_("libellé"), max_length=200, blank=True)
    changes = models.JSONField(_("changements"), default=dict, blank=True)
    source = models.CharField(_("origine"), max_length=120, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-seq"]
        verbose_name = _("entrée d'audit")
        verbose_name_plural = _("entrées d'audit")
        indexes: ClassVar = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Audit entries are append-only.")

    def hashed_fields(self) -> dict[str, Any]:
        """The fields the hash covers, in a form that survives a database round trip."""
        return hashed_fields({name: getattr(self, name) for name in HASHED})


HASHED = (
    "seq", "at", "actor_id", "actor_label", "action", "target_type", "target_id", "target_label",
    "changes", "source", "prev_hash",
)  # fmt: skip


def hashed_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """What an entry's hash covers, from its field values by attribute name (``HASHED``): the
    same for a model instance and for the plain rows of a bulk append."""
    fields = {name: values[name] for name in HASHED}
    fields["at"] = values["at"].isoformat(timespec="microseconds")
    return fields


class AuditHead(models.Model):
    """A single row holding the last sequence number and hash; locked while appending."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_head_singleton")
        ]

    def __str__(self) -> str:
        return f"#{self.last_seq}"
