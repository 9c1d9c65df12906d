"""Defining programmes: rules, coverage and quotas, funding; launch; versions after launch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.errors import Conflict, Forbidden, InvalidInput
from jigi.core.models import AdminArea, FundingSource, Organisation
from jigi.programmes import targeting
from jigi.programmes.models import (
    Programme,
    ProgrammeCommune,
    ProgrammeFunding,
    ProgrammeVersion,
)
from jigi.programmes.services.common import (
    CODE_PATTERN,
    MAX_DURATION_MONTHS,
    Actor,
    covers,
    require,
    require_manage,
    whole_number,
    whole_xof,
)

# ---------------------------------------------------------------------------------------------
# Programmes


@dataclass(frozen=True)
class CoverageLine:
    commune: str
    quota: int | None = None


@dataclass(frozen=True)
class FundingLine:
    funding_source: str  # the source's code
    amount_xof: int | str  # whole XOF; "500 000" as typed is accepted


PROGRAMME_FIELDS = (
    "code",
    "name",
    "kind",
    "description",
    "transfer_value_xof",
    "member_top_up_xof",
    "top_up_member_cap",
    "frequency_months",
    "duration_months",
    "starts_on",
    "ends_on",
    "conditionalities",
    "compliance_rule",
    "target_groups",
)


def _clean_compliance_rule(value: Any, errors: dict[str, list[str]]) -> str:
    """The deduction for a household that did not meet the conditionalities, stored as
    "25%" (of the base transfer) or "2500" (francs); empty means no deduction."""
    text = str(value or "").replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    if not text:
        return ""
    if text.endswith("%") and text[:-1].isdigit() and 0 < int(text[:-1]) <= 100:
        return f"{int(text[:-1])}%"
    if text.isdigit() and int(text) > 0:
        return str(int(text))
    errors.setdefault("compliance_rule", []).append(
        _(
            "« %(value)s » : écrivez un pourcentage du montant de base (ex. 25 %%) ou un "
            "montant en FCFA (ex. 2 500)."
        )
        % {"value": value}
    )
    return ""


def clean_programme(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """The programme's own fields, checked; problems go into ``errors`` by field."""
    cleaned: dict[str, Any] = {}
    code = str(values.get("code") or "").strip().lower()
    if not CODE_PATTERN.match(code):
        errors.setdefault("code", []).append(
            _("Code de 2 à 40 caractères : lettres minuscules, chiffres et tirets.")
        )
    cleaned["code"] = code
    name = str(values.get("name") or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("Nom obligatoire."))
    cleaned["name"] = name[:200]
    kind = values.get("kind")
    if kind not in Programme.Kind.values:
        errors.setdefault("kind", []).append(_("Type de programme inconnu."))
    cleaned["kind"] = kind
    cleaned["description"] = str(values.get("description") or "")
    cleaned["conditionalities"] = str(values.get("conditionalities") or "")
    cleaned["compliance_rule"] = _clean_compliance_rule(values.get("compliance_rule"), errors)
    in_kind = kind in {Programme.Kind.IN_KIND, Programme.Kind.SERVICE}
    cleaned["transfer_value_xof"] = whole_xof(
        values.get("transfer_value_xof"), "transfer_value_xof", errors, required=not in_kind
    )
    if not in_kind and cleaned["transfer_value_xof"] == 0 and "transfer_value_xof" not in errors:
        errors.setdefault("transfer_value_xof", []).append(
            _("Un programme monétaire verse un montant supérieur à zéro.")
        )
    cleaned["member_top_up_xof"] = whole_xof(
        values.get("member_top_up_xof"), "member_top_up_xof", errors, required=False
    )
    cleaned["top_up_member_cap"] = whole_number(
        values.get("top_up_member_cap"), "top_up_member_cap", errors, minimum=1
    )
    frequency = whole_number(values.get("frequency_months"), "frequency_months", errors, minimum=1)
    if frequency not in (1, 2, 3):
        errors.setdefault("frequency_months", []).append(
            _("Les paiements ont lieu tous les 1, 2 ou 3 mois.")
        )
    cleaned["frequency_months"] = frequency
    duration = whole_number(values.get("duration_months"), "duration_months", errors, minimum=1)
    if duration is None or duration > MAX_DURATION_MONTHS:
        errors.setdefault("duration_months", []).append(
            _("Durée d'inscription de 1 à %(max)s mois.") % {"max": MAX_DURATION_MONTHS}
        )
    cleaned["duration_months"] = duration
    starts_on, ends_on = values.get("starts_on"), values.get("ends_on")
    if starts_on and ends_on and ends_on <= starts_on:
        errors.setdefault("ends_on", []).append(_("La fin doit suivre le début."))
    cleaned["starts_on"], cleaned["ends_on"] = starts_on or None, ends_on or None
    groups = list(values.get("target_groups") or [])
    unknown = [group for group in groups if group not in targeting.CRITERIA]
    if unknown:
        errors.setdefault("target_groups", []).append(
            _("Groupe cible inconnu : %(names)s.") % {"names": ", ".join(unknown)}
        )
    cleaned["target_groups"] = groups
    return cleaned


def _clean_coverage(
    lines: list[CoverageLine], errors: dict[str, list[str]]
) -> list[tuple[AdminArea, int | None]]:
    if not lines:
        # Without a commune, "a scope covering all of its communes" holds for every officer.
        errors.setdefault("coverage", []).append(_("Au moins une commune."))
    pcodes = [line.commune.strip().upper() for line in lines]
    communes = AdminArea.objects.in_bulk(pcodes)
    cleaned: list[tuple[AdminArea, int | None]] = []
    seen: set[str] = set()
    for index, (pcode, line) in enumerate(zip(pcodes, lines, strict=True)):
        key = f"coverage.{index}"
        area = communes.get(pcode)
        if area is None or area.level != AdminArea.Level.COMMUNE:
            errors.setdefault(key, []).append(
                _("« %(pcode)s » n'est pas le P-code d'une commune.") % {"pcode": pcode}
            )
            continue
        if pcode in seen:
            errors.setdefault(key, []).append(
                _("La commune %(name)s est donnée deux fois.") % {"name": area.name}
            )
            continue
        seen.add(pcode)
        if line.quota is not None and (isinstance(line.quota, bool) or line.quota < 0):
            errors.setdefault(key, []).append(
                _("Le quota de %(name)s ne peut pas être négatif (%(quota)s).")
                % {"name": area.name, "quota": line.quota}
            )
            continue
        cleaned.append((area, line.quota))
    return cleaned


def _clean_funding(
    lines: list[FundingLine], errors: dict[str, list[str]]
) -> list[tuple[FundingSource, int]]:
    sources = {source.code: source for source in FundingSource.objects.filter(is_active=True)}
    cleaned: list[tuple[FundingSource, int]] = []
    seen: set[str] = set()
    for index, line in enumerate(lines):
        key = f"funding.{index}"
        source = sources.get(line.funding_source)
        if source is None:
            errors.setdefault(key, []).append(
                _("Source de financement inconnue : « %(code)s ».") % {"code": line.funding_source}
            )
            continue
        if source.code in seen:
            errors.setdefault(key, []).append(
                _("La source %(name)s est donnée deux fois.") % {"name": source.name}
            )
            continue
        seen.add(source.code)
        amount = whole_xof(line.amount_xof, key, errors, required=True)
        if amount <= 0:
            errors.setdefault(key, []).append(_("Le montant doit être positif."))
            continue
        cleaned.append((source, amount))
    return cleaned


def snapshot(programme: Programme) -> dict[str, Any]:
    """The programme's rules as plain values, for its versions and the audit log."""
    data: dict[str, Any] = {name: getattr(programme, name) for name in PROGRAMME_FIELDS}
    data["organisation"] = programme.organisation_id
    data["coverage"] = [
        [line.commune_id, line.quota] for line in programme.coverage.order_by("commune_id")
    ]
    data["funding"] = [
        [line.funding_source.code, line.amount_xof]
        for line in programme.funding.select_related("funding_source")
    ]
    return data


def _write_lines(
    programme: Programme,
    coverage: list[tuple[AdminArea, int | None]],
    funding: list[tuple[FundingSource, int]],
) -> None:
    programme.coverage.all().delete()
    ProgrammeCommune.objects.bulk_create(
        ProgrammeCommune(programme=programme, commune=area, quota=quota) for area, quota in coverage
    )
    programme.funding.all().delete()
    ProgrammeFunding.objects.bulk_create(
        ProgrammeFunding(programme=programme, funding_source=source, amount_xof=amount)
        for source, amount in funding
    )


def _clean_all(
    values: dict[str, Any], coverage: list[CoverageLine], funding: list[FundingLine]
) -> tuple[dict[str, Any], Organisation, list[Any], list[Any]]:
    errors: dict[str, list[str]] = {}
    cleaned = clean_programme(values, errors)
    organisation_id = str(values.get("organisation") or "")
    organisation = (
        Organisation.objects.filter(pk=organisation_id, is_active=True).first()
        if organisation_id.isdigit()
        else None
    )
    if organisation is None:
        errors.setdefault("organisation", []).append(_("Organisation de mise en œuvre inconnue."))
    areas = _clean_coverage(coverage, errors)
    sources = _clean_funding(funding, errors)
    if errors or organisation is None:
        raise InvalidInput(_("Le programme n'est pas valide."), errors)
    return cleaned, organisation, areas, sources


def create_programme(
    *,
    actor: Actor,
    values: dict[str, Any],
    coverage: list[CoverageLine],
    funding: list[FundingLine],
) -> Programme:
    """Define a programme (a draft until it is launched)."""
    require(actor, Perm.PROGRAMMES_MANAGE)
    cleaned, organisation, areas, sources = _clean_all(values, coverage, funding)
    if not covers(actor, [area.pcode for area, _quota in areas]):
        raise Forbidden(_("Certaines communes sont hors de votre zone d'intervention."))
    try:
        with transaction.atomic():
            programme = Programme.objects.create(
                organisation=organisation, created_by=actor, **cleaned
            )
            _write_lines(programme, areas, sources)
            record(
                actor=actor,
                action="programmes.create",
                target=programme,
                changes={"programme": [None, snapshot(programme)]},
            )
    except IntegrityError:
        raise InvalidInput(
            _("Un programme porte déjà le code « %(code)s ».") % {"code": cleaned["code"]},
            {"code": [_("Code déjà utilisé.")]},
        ) from None
    return programme


def update_programme(
    *,
    actor: Actor,
    programme: Programme,
    version: int,
    values: dict[str, Any],
    coverage: list[CoverageLine],
    funding: list[FundingLine],
    reason: str = "",
) -> Programme:
    """Change a programme at the version the user saw. After launch, every change needs a
    reason and keeps the rules as they were in a new programme version."""
    require_manage(actor, programme)
    cleaned, organisation, areas, sources = _clean_all(values, coverage, funding)
    if not covers(actor, [area.pcode for area, _quota in areas]):
        raise Forbidden(_("Certaines communes sont hors de votre zone d'intervention."))
    if programme.is_launched and not reason.strip():
        raise InvalidInput(
            _("Un programme lancé ne change qu'avec un motif (il est versionné)."),
            {"reason": [_("Motif obligatoire après le lancement.")]},
        )
    if programme.is_launched and cleaned["code"] != programme.code:
        raise InvalidInput(
            _("Le code d'un programme lancé ne change plus."), {"code": [_("Code figé.")]}
        )
    with transaction.atomic():
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        if locked.version != version:
            raise Conflict(_("Ce programme a été modifié entre-temps : rechargez la page."))
        before = snapshot(locked)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.organisation = organisation
        locked.version = locked.version + 1
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise InvalidInput(
                _("Un programme porte déjà le code « %(code)s ».") % {"code": cleaned["code"]},
                {"code": [_("Code déjà utilisé.")]},
            ) from None
        _write_lines(locked, areas, sources)
        after = snapshot(locked)
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if locked.is_launched and changes:
            ProgrammeVersion.objects.create(
                programme=locked,
                number=locked.versions.count() + 1,
                snapshot=after,
                reason=reason.strip()[:300],
                changed_by=actor,
            )
        record(actor=actor, action="programmes.update", target=locked, changes=changes)
    return locked


def launch_programme(*, actor: Actor, programme: Programme) -> Programme:
    """Open the programme to targeting results and enrolment; its rules become version 1."""
    require_manage(actor, programme)
    if programme.is_launched:
        raise InvalidInput(_("Ce programme est déjà lancé."))
    if not programme.coverage.exists():
        raise InvalidInput(_("Un programme se lance avec au moins une commune couverte."))
    with transaction.atomic():
        updated = Programme.objects.filter(pk=programme.pk, status=Programme.Status.DRAFT).update(
            status=Programme.Status.ACTIVE, launched_at=timezone.now(), version=F("version") + 1
        )
        if not updated:
            raise Conflict(_("Ce programme a été lancé entre-temps."))
        programme.refresh_from_db()
        ProgrammeVersion.objects.create(
            programme=programme,
            number=1,
            snapshot=snapshot(programme),
            reason=_("Lancement"),
            changed_by=actor,
        )
        record(
            actor=actor,
            action="programmes.launch",
            target=programme,
            changes={"status": [Programme.Status.DRAFT, Programme.Status.ACTIVE]},
        )
    return programme
