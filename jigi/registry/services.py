"""Writes on the register. Each checks role and scope, validates everything before writing,
writes inside one transaction, and records old → new values in the audit log (the record's
history). Households and members are updated only at the version the user saw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import permutations
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigi.accounts.models import User
from jigi.accounts.policy import can, has_perm
from jigi.accounts.roles import Perm
from jigi.audit.services import PreparedEntry, append_prepared, prepare_many, record
from jigi.core.bulk import BulkRows, now_value, reserve_ids
from jigi.core.codes import allocate_numbers, make_code
from jigi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from jigi.core.models import AdminArea
from jigi.core.text import fold
from jigi.registry import rules
from jigi.registry.errors import REQUIRED, STALE
from jigi.registry.models import (
    ChangeRequest,
    Household,
    IdentityDocument,
    Individual,
    NamePair,
    NameToken,
    NameWord,
)

# Household code prefixes by region P-code (letters I, L, O, U never appear: see core.codes).
REGION_PREFIXES = {
    "ML01": "KY",
    "ML02": "KK",
    "ML03": "SK",
    "ML04": "SG",
    "ML05": "MP",
    "ML06": "TB",
    "ML07": "GA",
    "ML08": "KD",
    "ML09": "BK",
    "ML10": "MN",
}
CODE_SEQUENCE = "household"
# Folded copies may outgrow their source (names: 120 + 80 + 200 characters and two spaces;
# NFKD expands ligatures): cut to the column, search needs no more.
NAMES_FOLDED_MAX = Individual._meta.get_field("names_folded").max_length or 400
VILLAGE_FOLDED_MAX = Household._meta.get_field("village_folded").max_length or 120
BULK_SIZE = 500  # rows per INSERT in bulk writes (well under SQLite's variable limit)

Actor = User | None  # None: the system (demo loader, imports run by the CLI)


def _require(actor: Actor, perm: str, obj: Model | None = None) -> None:
    """Refuse unless the actor's role allows ``perm``; out-of-scope records are "not found"."""
    if actor is None:
        return
    if obj is not None and not can(actor, Perm.REGISTRY_VIEW, obj):
        raise NotFound(_("ménage"))
    if not has_perm(actor, perm):
        raise Forbidden(_("Votre rôle ne permet pas cette action sur le registre."))


def _require_commune_in_scope(actor: Actor, commune: AdminArea, field: str = "commune") -> None:
    if actor is None or actor.national_scope:
        return
    if not any(commune.pcode.startswith(code) for code in actor.scope_area_codes()):
        raise InvalidInput(
            _("La commune %(name)s est hors de votre zone d'intervention.")
            % {"name": commune.name},
            {field: [_("Commune hors de votre zone d'intervention.")]},
        )


def _as_value(value: Any) -> Any:
    if isinstance(value, Model):
        return str(value.pk)
    return value


def _diff(obj: Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the values that differ from the object's current ones."""
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if _as_value(old) != _as_value(new):
            changes[name] = [_as_value(old), _as_value(new)]
    return changes


def _index_names(individual: Individual) -> None:
    """Refresh the folded names and the search words and pairs of one individual."""
    folded = fold(f"{individual.given_names} {individual.family_name} {individual.other_names}")
    individual.names_folded = folded[:NAMES_FOLDED_MAX]
    NameToken.objects.filter(individual=individual).delete()
    NamePair.objects.filter(individual=individual).delete()
    words = name_words(folded)
    NameWord.objects.bulk_create((NameWord(word=word) for word in words), ignore_conflicts=True)
    household_id = individual.household_id
    NameToken.objects.bulk_create(
        NameToken(individual=individual, household_id=household_id, token=word) for word in words
    )
    NamePair.objects.bulk_create(
        NamePair(individual=individual, household_id=household_id, pair=pair)
        for pair in name_pairs(words)
    )


def name_words(folded: str) -> list[str]:
    """The distinct search words of folded names ("n'diaye" and "ag-mohamed" split too)."""
    return sorted(
        {word[:60] for word in folded.replace("-", " ").replace("'", " ").split() if word}
    )


def name_pairs(words: list[str]) -> list[str]:
    """Every ordered pair of the (distinct) words: a search may type the family name first."""
    return list(map(" ".join, permutations(words, 2)))


def _update_versioned(
    obj: Household | Individual, expected_version: int | None, values: dict[str, Any]
) -> None:
    """Write ``values`` only if the row is still at ``expected_version``; bump the version."""
    model = type(obj)
    updates = {**values, "version": F("version") + 1, "updated_at": timezone.now()}
    rows = model.objects.filter(pk=obj.pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if not rows.update(**updates):
        raise Conflict(str(STALE))
    obj.refresh_from_db()


@dataclass(frozen=True)
class NewMember:
    values: dict[str, Any]
    documents: tuple[dict[str, Any], ...] = ()


def new_household_code(commune: AdminArea) -> str:
    number = allocate_numbers(CODE_SEQUENCE)[0]
    return make_code(REGION_PREFIXES[commune.pcode[:4]], number)


def _create_member(
    household: Household, values: dict[str, Any], documents: list[dict[str, Any]]
) -> Individual:
    individual = Individual(household=household, **values)
    individual.names_folded = ""
    individual.save()
    _index_names(individual)
    Individual.objects.filter(pk=individual.pk).update(names_folded=individual.names_folded)
    for document in documents:
        IdentityDocument.objects.create(individual=individual, **document)
    return individual


def register_household(
    *, actor: Actor, commune: str, household: dict[str, Any], members: list[NewMember]
) -> Household:
    """Add a household and its members to the register (intake calls this after its checks)."""
    _require(actor, Perm.REGISTRY_EDIT)
    errors: dict[str, list[str]] = {}
    area = rules.clean_commune(commune, errors)
    values = rules.clean_household(household, errors, partial=False)
    rules.check_displacement(values, errors)
    cleaned_members = []
    seen: set[tuple[str, str]] = set()
    for index, member in enumerate(members):
        prefix = f"members.{index}."
        cleaned = rules.clean_member(member.values, errors, partial=False, prefix=prefix)
        documents = rules.clean_documents(list(member.documents), errors, prefix=prefix, seen=seen)
        cleaned_members.append((cleaned, documents))
    if not members:
        errors.setdefault("members", []).append(_("Un ménage a au moins un membre."))
    rules.check_composition(
        [cleaned for cleaned, _docs in cleaned_members],
        is_child_headed=bool(values.get("is_child_headed")),
        errors=errors,
    )
    rules.raise_if(errors)
    assert area is not None  # noqa: S101 (raise_if refused a missing commune)
    _require_commune_in_scope(actor, area)
    try:
        with transaction.atomic():
            created = Household.objects.create(
                code=new_household_code(area),
                commune=area,
                village_folded=fold(values["village"])[:VILLAGE_FOLDED_MAX],
                **values,
            )
            for cleaned, documents in cleaned_members:
                _create_member(created, cleaned, documents)
            record(
                actor=actor,
                action="registry.household_registered",
                target=created,
                changes={
                    "commune": area.pcode,
                    "members": len(cleaned_members),
                    "source": values["source"],
                },
            )
    except IntegrityError as exc:  # a document registered concurrently by someone else
        raise InvalidInput(
            _("Un numéro de pièce vient d'être enregistré ailleurs : %(error)s") % {"error": exc}
        ) from None
    return created


def _column_defaults(model: type[Model], exclude: set[str]) -> dict[str, Any]:
    return {
        field.name: field.get_default()
        for field in model._meta.concrete_fields
        if field.name not in exclude and not field.primary_key
    }


@dataclass(frozen=True)
class BulkHousehold:
    """A household already validated by `rules` (values cleaned, scope checked) for
    `register_households_bulk`, its values in their stored form (ISO dates, decimals as text,
    P-codes for communes: as an import stages them); ``note`` goes into its audit entry (e.g.
    the import rows)."""

    commune: AdminArea
    values: dict[str, Any]
    members: list[tuple[dict[str, Any], list[dict[str, Any]]]]
    note: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReadyHousehold:
    """A `BulkHousehold` with its register rows built (`prepare_households`), all but the ids
    and the code, which only the writing transaction knows."""

    spec: BulkHousehold
    row: tuple[Any, ...]  # the household's columns after code, commune and village_folded
    # each member: (its columns after the household, name words, name pairs, its documents'
    # columns after the individual)
    members: list[tuple[tuple[Any, ...], list[str], list[str], list[tuple[Any, ...]]]]


_HOUSEHOLD_FIXED = ("code", "commune", "village_folded")
_MEMBER_FIXED = ("household", "names_folded")
_DOCUMENT_COLUMNS = ("kind", "number", "number_normalised", "issuer", "issued_on")


def _bulk_defaults() -> tuple[dict[str, Any], dict[str, Any]]:
    """Every other column of a household and of a member, with its default."""
    return (
        _column_defaults(Household, set(_HOUSEHOLD_FIXED)),
        _column_defaults(Individual, set(_MEMBER_FIXED)),
    )


def prepare_households(specs: list[BulkHousehold]) -> list[ReadyHousehold]:
    """Build households' register rows without touching the database, so that an import can
    build them before it takes the database's write lock."""
    now = now_value()
    household_defaults, member_defaults = _bulk_defaults()
    stamps = {"created_at": now, "updated_at": now}
    ready = []
    for spec in specs:
        values = {**household_defaults, **spec.values, **stamps}
        members = []
        for member_values, documents in spec.members:
            folded = fold(
                f"{member_values['given_names']} {member_values['family_name']} "
                f"{member_values.get('other_names', '')}"
            )[:NAMES_FOLDED_MAX]
            merged = {**member_defaults, **member_values, **stamps}
            words = name_words(folded)
            members.append(
                (
                    (folded, *[merged[name] for name in member_defaults]),
                    words,
                    name_pairs(words),
                    [
                        (
                            document["kind"],
                            document["number"],
                            document["number_normalised"],
                            document.get("issuer", ""),
                            document.get("issued_on"),
                        )
                        for document in documents
                    ],
                )
            )
        row = (
            spec.commune.pcode,
            fold(spec.values["village"])[:VILLAGE_FOLDED_MAX],
            *[_as_value(values[name]) for name in household_defaults],
        )
        ready.append(ReadyHousehold(spec, row, members))
    return ready


def register_households_bulk(
    *,
    actor: Actor,
    households: list[BulkHousehold] | list[ReadyHousehold],
    stored_form: bool = False,
) -> list[tuple[Household, list[int]]]:
    """Many validated households at once: the rows, name index and audit entries
    `register_household` writes, in a few bulk statements inside one transaction.

    Returns each household (its id, code and commune only) with its members' ids, in the
    order given. ``households`` may come prepared (`prepare_households`). ``stored_form``: the
    values are already what the columns store (ISO dates, decimals as text, as an import
    stages them), not adapted again. An import that must hold the write lock for the inserts
    only calls `plan_households` before its transaction and `write_planned` inside it.
    """
    _require(actor, Perm.REGISTRY_EDIT)
    if not households:
        return []
    with transaction.atomic():
        plan = plan_households(households, actor=actor)
        write_planned(actor=actor, plan=plan, stored_form=stored_form)
    return plan.result


@dataclass
class PlannedHouseholds:
    """Households' register rows with their codes and ids drawn (`plan_households`): what
    `write_planned` inserts, with nothing left to build."""

    households: list[tuple[Any, ...]]
    members: list[tuple[Any, ...]]
    tokens: list[tuple[int, int, str]]
    pairs: list[tuple[int, int, str]]
    documents: list[tuple[Any, ...]]
    words: set[str]
    audit: list[PreparedEntry]  # each household's entry (`audit.prepare_many`)
    result: list[tuple[Household, list[int]]]  # each household with its members' ids

    def without(self, positions: set[int]) -> PlannedHouseholds:
        """The plan less the households at ``positions`` (in the order given); the codes and
        ids drawn for them are left unused."""
        if not positions:
            return self
        dropped = {self.result[position][0].pk for position in positions}
        people = {member_id for position in positions for member_id in self.result[position][1]}
        return PlannedHouseholds(
            households=[row for row in self.households if row[0] not in dropped],
            members=[row for row in self.members if row[0] not in people],
            tokens=[row for row in self.tokens if row[1] not in dropped],
            pairs=[row for row in self.pairs if row[1] not in dropped],
            documents=[row for row in self.documents if row[0] not in people],
            words=self.words,
            audit=[entry for position, entry in enumerate(self.audit) if position not in positions],
            result=[item for item in self.result if item[0].pk not in dropped],
        )


_ID = ("id",)


@dataclass(frozen=True, slots=True)
class DrawnKeys:
    """A household's code number and its and its members' ids, drawn ahead (`draw_keys`)."""

    household_id: int
    number: int
    member_ids: Sequence[int]  # a range, unless the database gave ids that are not consecutive


def draw_keys(member_counts: list[int]) -> list[DrawnKeys]:
    """Draw code numbers and ids for households of ``member_counts`` members, in one
    transaction of their own unless the caller holds one. They are never handed out again,
    even if they are never used (a gap, never a code given twice)."""
    if not member_counts:
        return []
    with transaction.atomic():
        numbers = allocate_numbers(CODE_SEQUENCE, len(member_counts))
        household_ids = reserve_ids(Household, len(member_counts))
        member_ids = reserve_ids(Individual, sum(member_counts))
    drawn = []
    position = 0
    for household_id, number, count in zip(household_ids, numbers, member_counts, strict=True):
        drawn.append(DrawnKeys(household_id, number, member_ids[position : position + count]))
        position += count
    return drawn


def plan_households(
    households: list[BulkHousehold] | list[ReadyHousehold],
    *,
    actor: Actor,
    keys: list[DrawnKeys] | None = None,
) -> PlannedHouseholds:
    """Build every row `write_planned` inserts, with the households' codes and ids: ``keys``
    drawn beforehand (`draw_keys`, one per household, for as many members) or drawn now. The
    audit entries are ``actor``'s."""
    _require(actor, Perm.REGISTRY_EDIT)
    ready = (
        cast(list[ReadyHousehold], households)
        if isinstance(households[0], ReadyHousehold)
        else prepare_households(cast(list[BulkHousehold], households))
    )
    if keys is None:
        keys = draw_keys([len(item.members) for item in ready])
    plan = PlannedHouseholds([], [], [], [], [], set(), [], [])
    changes = []
    for drawn, item in zip(keys, ready, strict=True):
        if len(drawn.member_ids) != len(item.members):
            raise ValueError(f"{len(drawn.member_ids)} member ids for {len(item.members)} members")
        household_id, commune = drawn.household_id, item.spec.commune
        code = make_code(REGION_PREFIXES[commune.pcode[:4]], drawn.number)
        plan.households.append((household_id, code, *item.row))
        for member_id, (row, words, pairs, documents) in zip(
            drawn.member_ids, item.members, strict=True
        ):
            plan.members.append((member_id, household_id, *row))
            plan.words.update(words)
            plan.tokens += [(member_id, household_id, word) for word in words]
            plan.pairs += [(member_id, household_id, pair) for pair in pairs]
            plan.documents += [(member_id, *document) for document in documents]
        household = Household(id=household_id, code=code, commune=commune)
        plan.result.append((household, list(drawn.member_ids)))
        changes.append(
            (
                household,
                {
                    "commune": commune.pcode,
                    "members": len(item.members),
                    "source": item.spec.values["source"],
                    **item.spec.note,
                },
            )
        )
    plan.audit = prepare_many(actor=actor, action="registry.household_registered", items=changes)
    return plan


def write_planned(*, actor: Actor, plan: PlannedHouseholds, stored_form: bool = False) -> None:
    """Insert a plan's rows and their audit entries (inside the caller's transaction)."""
    _require(actor, Perm.REGISTRY_EDIT)
    if not plan.households:
        return
    household_defaults, member_defaults = _bulk_defaults()
    adapt = not stored_form
    BulkRows(Household, (*_ID, *_HOUSEHOLD_FIXED, *household_defaults)).insert(
        plan.households, adapt=adapt
    )
    BulkRows(Individual, (*_ID, *_MEMBER_FIXED, *member_defaults)).insert(plan.members, adapt=adapt)
    NameWord.objects.bulk_create(
        (NameWord(word=word) for word in sorted(plan.words)),
        ignore_conflicts=True,
        batch_size=BULK_SIZE,
    )
    BulkRows(NameToken, ("individual", "household", "token")).insert(plan.tokens)
    BulkRows(NamePair, ("individual", "household", "pair")).insert(plan.pairs)
    BulkRows(IdentityDocument, ("individual", *_DOCUMENT_COLUMNS)).insert(
        plan.documents, adapt=adapt
    )
    append_prepared(plan.audit)


def update_household(
    *, actor: Actor, household: Household, expected_version: int | None, changes: dict[str, Any]
) -> Household:
    """Correct household attributes (dwelling, assets, displacement …) at the version seen."""
    _require(actor, Perm.REGISTRY_EDIT, household)
    errors: dict[str, list[str]] = {}
    values = rules.clean_household(changes, errors, partial=True)
    merged = {
        name: getattr(household, name)
        for name in ("displacement", "origin_commune", "displaced_on")
    }
    merged.update({name: values[name] for name in merged if name in values})
    rules.check_displacement(merged, errors)
    if "is_child_headed" in values:
        rules.check_composition(
            _living_members(household),
            is_child_headed=bool(values["is_child_headed"]),
            errors=errors,
        )
    rules.raise_if(errors)
    if "village" in values:
        values["village_folded"] = fold(values["village"])[:VILLAGE_FOLDED_MAX]
    with transaction.atomic():
        # Compare with the stored row, not the caller's object (a bound ModelForm edits it).
        diff = _diff(Household.objects.select_for_update().get(pk=household.pk), values)
        if not diff:
            return household
        _update_versioned(household, expected_version, values)
        diff.pop("village_folded", None)
        record(actor=actor, action="registry.household_updated", target=household, changes=diff)
    return household


def _living_members(
    household: Household,
    *,
    replacing: Individual | None = None,
    with_values: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    members = []
    for member in household.members.all():
        values = {
            "relationship": member.relationship,
            "birth_date": member.birth_date,
            "status": member.status,
        }
        if replacing is not None and member.pk == replacing.pk and with_values:
            values.update(with_values)
        members.append(values)
    return members


def add_member(
    *,
    actor: Actor,
    household: Household,
    values: dict[str, Any],
    documents: list[dict[str, Any]] | None = None,
) -> Individual:
    _require(actor, Perm.REGISTRY_EDIT, household)
    errors: dict[str, list[str]] = {}
    if household.status != Household.Status.ACTIVE:
        errors["household"] = [
            _("Ce ménage n'est plus actif : on ne peut pas y ajouter de membre.")
        ]
    cleaned = rules.clean_member(values, errors, partial=False)
    cleaned_documents = rules.clean_documents(documents or [], errors)
    rules.check_composition(
        [*_living_members(household), cleaned],
        is_child_headed=household.is_child_headed,
        errors=errors,
    )
    rules.raise_if(errors)
    try:
        with transaction.atomic():
            member = _create_member(household, cleaned, cleaned_documents)
            Household.objects.filter(pk=household.pk).update(version=F("version") + 1)
            record(
                actor=actor,
                action="registry.member_added",
                target=member,
                changes={
                    "household": household.code,
                    **{key: [None, _as_value(value)] for key, value in cleaned.items()},
                },
            )
    except IntegrityError:  # the same document registered by someone else meanwhile
        raise InvalidInput(
            _("Ce numéro de pièce vient d'être enregistré ailleurs."),
            {"documents": [_("Numéro déjà enregistré.")]},
        ) from None
    return member


def update_member(
    *, actor: Actor, member: Individual, expected_version: int | None, changes: dict[str, Any]
) -> Individual:
    """Correct a member's names, birth date, phone … at the version seen."""
    _require(actor, Perm.REGISTRY_EDIT, member.household)
    errors: dict[str, list[str]] = {}
    if member.status != Individual.Status.ALIVE:
        errors["status"] = [_("Ce membre n'est plus dans le ménage : sa fiche ne se modifie plus.")]
    cleaned = rules.clean_member(changes, errors, partial=True)
    sex = cleaned.get("sex", member.sex)
    pregnancy = cleaned.get("pregnancy", member.pregnancy)
    if pregnancy and sex == Individual.Sex.MALE:
        errors.setdefault("pregnancy", []).append(
            _("Seule une femme peut être enceinte ou allaitante.")
        )
    if {"relationship", "birth_date"} & set(cleaned):
        rules.check_composition(
            _living_members(member.household, replacing=member, with_values=cleaned),
            is_child_headed=member.household.is_child_headed,
            errors=errors,
        )
    rules.raise_if(errors)
    with transaction.atomic():
        diff = _diff(Individual.objects.select_for_update().get(pk=member.pk), cleaned)
        if not diff:
            return member
        _update_versioned(member, expected_version, cleaned)
        if {"given_names", "family_name", "other_names"} & set(diff):
            _index_names(member)
            Individual.objects.filter(pk=member.pk).update(names_folded=member.names_folded)
        record(actor=actor, action="registry.member_updated", target=member, changes=diff)
    return member


def record_member_exit(
    *,
    actor: Actor,
    member: Individual,
    status: str,
    on: date,
    reason: str,
    new_head: Individual | None = None,
) -> Individual:
    """Mark a member deceased or moved out; a departing head is replaced by ``new_head``, who
    must be present and an adult unless the household is flagged child-headed.

    The member and the new head are locked and checked again inside the transaction, so two
    exits saved at the same moment cannot leave a household without a head.
    """
    _require(actor, Perm.REGISTRY_EDIT, member.household)
    errors: dict[str, list[str]] = {}
    if status not in {Individual.Status.DECEASED, Individual.Status.MOVED_OUT}:
        errors["status"] = [_("Choisissez « décédé » ou « parti du ménage ».")]
    if on > timezone.localdate():
        errors["on"] = [_("La date ne peut pas être dans le futur.")]
    if not reason.strip():
        errors["reason"] = [str(REQUIRED)]
    rules.raise_if(errors)
    with transaction.atomic():
        locked = Individual.objects.select_for_update().get(pk=member.pk)
        household = Household.objects.select_for_update().get(pk=locked.household_id)
        if locked.status != Individual.Status.ALIVE:
            errors["status"] = [_("Ce membre n'est déjà plus présent dans le ménage.")]
        others_alive = household.members.filter(status=Individual.Status.ALIVE).exclude(
            pk=locked.pk
        )
        is_head = locked.relationship == Individual.Relationship.HEAD
        heir = None
        if is_head and others_alive.exists():
            heir = (
                others_alive.select_for_update().filter(pk=new_head.pk).first()
                if new_head
                else None
            )
            if heir is None:
                errors["new_head"] = [
                    _(
                        "Le chef de ménage part : désignez le nouveau chef parmi les membres présents."
                    )
                ]
            else:
                remaining = [
                    {
                        "relationship": "head" if m.pk == heir.pk else m.relationship,
                        "birth_date": m.birth_date,
                    }
                    for m in others_alive
                ]
                rules.check_composition(
                    remaining, is_child_headed=household.is_child_headed, errors=errors
                )
        rules.raise_if(errors)
        _update_versioned(
            locked, None, {"status": status, "status_on": on, "status_reason": reason.strip()}
        )
        member.refresh_from_db()
        record(
            actor=actor,
            action="registry.member_exit",
            target=member,
            changes={
                "status": [Individual.Status.ALIVE, status],
                "status_on": [None, on],
                "reason": reason.strip(),
            },
        )
        if heir is not None:
            previous = heir.relationship
            _update_versioned(heir, None, {"relationship": Individual.Relationship.HEAD})
            record(
                actor=actor,
                action="registry.head_changed",
                target=heir,
                changes={"relationship": [previous, Individual.Relationship.HEAD]},
            )
        if not others_alive.exists():
            _update_versioned(
                household,
                None,
                {"status": Household.Status.DISSOLVED, "status_reason": reason.strip()},
            )
            record(actor=actor, action="registry.household_dissolved", target=household)
    return member


def change_head(
    *, actor: Actor, household: Household, new_head: Individual, former_head_relationship: str
) -> Household:
    """Hand the headship to another present member while the former head stays, in one step
    (setting either relationship alone would leave two heads or none for a moment)."""
    _require(actor, Perm.REGISTRY_EDIT, household)
    errors: dict[str, list[str]] = {}
    if former_head_relationship not in Individual.Relationship.values or (
        former_head_relationship == Individual.Relationship.HEAD
    ):
        errors["former_head_relationship"] = [_("Choisissez le nouveau lien de l'ancien chef.")]
    rules.raise_if(errors)
    with transaction.atomic():
        Household.objects.select_for_update().get(pk=household.pk)
        living = household.members.select_for_update().filter(status=Individual.Status.ALIVE)
        heir = living.filter(pk=new_head.pk).first()
        former = living.filter(relationship=Individual.Relationship.HEAD).first()
        if heir is None or former is None or heir.pk == former.pk:
            errors["new_head"] = [_("Choisissez un autre membre présent du ménage.")]
        else:
            members = [
                {
                    "relationship": "head" if m.pk == heir.pk else m.relationship,
                    "birth_date": m.birth_date,
                }
                for m in living
                if m.pk != former.pk
            ]
            rules.check_composition(
                members, is_child_headed=household.is_child_headed, errors=errors
            )
        rules.raise_if(errors)
        assert heir is not None  # noqa: S101 (checked just above)
        assert former is not None  # noqa: S101 (checked just above)
        previous = heir.relationship
        _update_versioned(former, None, {"relationship": former_head_relationship})
        _update_versioned(heir, None, {"relationship": Individual.Relationship.HEAD})
        Household.objects.filter(pk=household.pk).update(version=F("version") + 1)
        record(
            actor=actor,
            action="registry.head_changed",
            target=heir,
            changes={
                "relationship": [previous, Individual.Relationship.HEAD],
                "former_head": str(former),
            },
        )
    return household


def add_document(*, actor: Actor, member: Individual, values: dict[str, Any]) -> IdentityDocument:
    """Record an identity document shown after registration (NINA checked, numbers unique)."""
    _require(actor, Perm.REGISTRY_EDIT, member.household)
    errors: dict[str, list[str]] = {}
    if member.status != Individual.Status.ALIVE:
        errors["status"] = [_("Ce membre n'est plus dans le ménage : sa fiche ne se modifie plus.")]
    cleaned = rules.clean_documents([values], errors)
    rules.raise_if(errors)
    try:
        with transaction.atomic():
            document = IdentityDocument.objects.create(individual=member, **cleaned[0])
            record(
                actor=actor,
                action="registry.document_added",
                target=member,
                changes={"document": [None, f"{document.kind} {document.number}"]},
            )
    except IntegrityError:
        raise InvalidInput(
            _("Ce numéro de pièce vient d'être enregistré ailleurs."),
            {"number": [_("Numéro déjà enregistré.")]},
        ) from None
    return document


def remove_document(*, actor: Actor, document: IdentityDocument, reason: str) -> None:
    """Remove a document recorded by mistake; the history keeps what it was and why."""
    _require(actor, Perm.REGISTRY_EDIT, document.individual.household)
    if not reason.strip():
        raise InvalidInput(str(REQUIRED), {"reason": [str(REQUIRED)]})
    with transaction.atomic():
        record(
            actor=actor,
            action="registry.document_removed",
            target=document.individual,
            changes={
                "document": [f"{document.kind} {document.number}", None],
                "reason": reason.strip(),
            },
        )
        document.delete()


def move_household(
    *,
    actor: Actor,
    household: Household,
    expected_version: int | None,
    commune: str,
    village: str,
    reason: str,
) -> Household:
    """The household now lives elsewhere; the new commune must be in the actor's scope too."""
    _require(actor, Perm.REGISTRY_EDIT, household)
    errors: dict[str, list[str]] = {}
    area = rules.clean_commune(commune, errors)
    if not village.strip():
        errors["village"] = [str(REQUIRED)]
    if not reason.strip():
        errors["reason"] = [str(REQUIRED)]
    rules.raise_if(errors)
    assert area is not None  # noqa: S101 (raise_if refused a missing commune)
    _require_commune_in_scope(actor, area)
    values = {
        "commune": area,
        "village": " ".join(village.split()),
        "village_folded": fold(village),
    }
    diff = _diff(household, {"commune": area, "village": values["village"]})
    with transaction.atomic():
        _update_versioned(household, expected_version, values)
        record(
            actor=actor,
            action="registry.household_moved",
            target=household,
            changes={**diff, "reason": reason},
        )
    return household


def split_household(
    *,
    actor: Actor,
    household: Household,
    member_ids: list[int],
    new_head_id: int,
    village: str,
    reason: str,
) -> Household:
    """Members leave to form a new household in the same commune (e.g. a son marries)."""
    _require(actor, Perm.REGISTRY_EDIT, household)
    errors: dict[str, list[str]] = {}
    leaving = list(household.members.filter(pk__in=member_ids, status=Individual.Status.ALIVE))
    if len(leaving) != len(set(member_ids)) or not leaving:
        errors["members"] = [_("Choisissez des membres présents de ce ménage.")]
    if new_head_id not in member_ids:
        errors["new_head"] = [
            _("Le chef du nouveau ménage doit faire partie des membres qui partent.")
        ]
    if not reason.strip():
        errors["reason"] = [str(REQUIRED)]
    staying = [
        m
        for m in household.members.filter(status=Individual.Status.ALIVE)
        if m.pk not in member_ids
    ]
    if not staying:
        errors["members"] = [_("Au moins un membre doit rester dans le ménage d'origine.")]
    elif not any(m.relationship == Individual.Relationship.HEAD for m in staying):
        errors["members"] = [
            _("Le chef de ménage reste : il ne peut pas partir avec le nouveau ménage.")
        ]
    new_head = next((m for m in leaving if m.pk == new_head_id), None)
    if new_head is not None:
        rules.check_composition(
            [{"relationship": "head", "birth_date": new_head.birth_date}],
            is_child_headed=False,
            errors=errors,
        )
    rules.raise_if(errors)
    today = timezone.localdate()
    with transaction.atomic():
        created = Household.objects.create(
            code=new_household_code(household.commune),
            commune=household.commune,
            village=" ".join((village or household.village).split()),
            village_folded=fold(village or household.village)[:VILLAGE_FOLDED_MAX],
            registered_on=today,
            source=Household.Source.REFERRAL,
            displacement=household.displacement,
            origin_commune=household.origin_commune,
            displaced_on=household.displaced_on,
        )
        for member in leaving:
            relationship = (
                Individual.Relationship.HEAD
                if member.pk == new_head_id
                else Individual.Relationship.OTHER_RELATIVE
            )
            Individual.objects.filter(pk=member.pk).update(
                household=created, relationship=relationship, version=F("version") + 1
            )
            NameToken.objects.filter(individual=member).update(household=created)
            NamePair.objects.filter(individual=member).update(household=created)
            record(
                actor=actor,
                action="registry.member_moved",
                target=member,
                changes={
                    "household": [household.code, created.code],
                    "relationship": [member.relationship, relationship],
                },
            )
        Household.objects.filter(pk=household.pk).update(version=F("version") + 1)
        record(
            actor=actor,
            action="registry.household_split",
            target=household,
            changes={"new_household": created.code, "members": len(leaving), "reason": reason},
        )
    return created


# Change requests -------------------------------------------------------------------------


def propose_change(
    *,
    actor: User,
    household: Household,
    kind: str,
    payload: dict[str, Any],
    reason: str,
    member: Individual | None = None,
) -> ChangeRequest:
    """An enumerator proposes an edit; it is checked now and applied only on approval."""
    _require(actor, Perm.REGISTRY_PROPOSE, household)
    errors: dict[str, list[str]] = {}
    if kind not in ChangeRequest.Kind.values:
        errors["kind"] = [_("Type de demande inconnu.")]
    if not reason.strip():
        errors["reason"] = [str(REQUIRED)]
    if kind in {ChangeRequest.Kind.CORRECT_MEMBER, ChangeRequest.Kind.MEMBER_EXIT} and (
        member is None or member.household_id != household.pk
    ):
        errors["member"] = [_("Choisissez un membre de ce ménage.")]
    if kind == ChangeRequest.Kind.CORRECT_MEMBER:
        rules.clean_member(payload, errors, partial=True)
    elif kind == ChangeRequest.Kind.ADD_MEMBER:
        rules.clean_member(payload, errors, partial=False)
    elif kind == ChangeRequest.Kind.CORRECT_HOUSEHOLD:
        rules.clean_household(payload, errors, partial=True)
    elif kind == ChangeRequest.Kind.MOVE_HOUSEHOLD:
        rules.clean_commune(payload.get("commune"), errors)
        if not isinstance(payload.get("village"), str) or not payload["village"].strip():
            errors["village"] = [str(REQUIRED)]
    elif kind == ChangeRequest.Kind.MEMBER_EXIT and member is not None:
        _check_exit_proposal(household, member, payload, errors)
    if not payload:
        errors.setdefault("payload", []).append(_("Aucune modification proposée."))
    rules.raise_if(errors)
    with transaction.atomic():
        request = ChangeRequest.objects.create(
            household=household,
            individual=member,
            kind=kind,
            payload=payload,
            reason=reason.strip(),
            requested_by=actor,
            base_version=(member or household).version,
        )
        record(
            actor=actor,
            action="registry.change_requested",
            target=household,
            changes={"kind": kind, "payload": payload},
        )
    return request


def _check_exit_proposal(
    household: Household, member: Individual, payload: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    """A proposed exit must be complete enough to be applied as it stands."""
    if payload.get("status") not in {"deceased", "moved_out"}:
        errors["status"] = [_("Choisissez « décédé » ou « parti du ménage ».")]
    try:
        on = date.fromisoformat(str(payload.get("on")))
    except ValueError:
        errors["on"] = [_("Date attendue au format AAAA-MM-JJ.")]
    else:
        if on > timezone.localdate():
            errors["on"] = [_("La date ne peut pas être dans le futur.")]
    if member.status != Individual.Status.ALIVE:
        errors["member"] = [_("Ce membre n'est déjà plus présent dans le ménage.")]
    others = household.members.filter(status=Individual.Status.ALIVE).exclude(pk=member.pk)
    if member.relationship == Individual.Relationship.HEAD and others.exists():
        new_head = payload.get("new_head")
        if not isinstance(new_head, int) or not others.filter(pk=new_head).exists():
            errors["new_head"] = [
                _("Le chef de ménage part : désignez le nouveau chef parmi les membres présents.")
            ]


def approve_change(*, actor: User, change: ChangeRequest, comment: str = "") -> ChangeRequest:
    """A programme officer of the same scope applies the proposed edit through the services
    above; the requester cannot approve their own request."""
    _require(actor, Perm.REGISTRY_APPROVE, change.household)
    _check_pending(change, actor)
    payload = dict(change.payload)
    with transaction.atomic():
        locked = ChangeRequest.objects.select_for_update().get(pk=change.pk)
        if locked.status != ChangeRequest.Status.PENDING:
            raise Conflict(_("Cette demande a déjà été traitée."))
        household = change.household
        try:
            if change.kind == ChangeRequest.Kind.CORRECT_HOUSEHOLD:
                update_household(
                    actor=actor,
                    household=household,
                    expected_version=change.base_version,
                    changes=payload,
                )
            elif change.kind == ChangeRequest.Kind.MOVE_HOUSEHOLD:
                move_household(
                    actor=actor,
                    household=household,
                    expected_version=change.base_version,
                    commune=payload.get("commune", ""),
                    village=payload.get("village", household.village),
                    reason=change.reason,
                )
            elif change.kind == ChangeRequest.Kind.ADD_MEMBER:
                add_member(actor=actor, household=household, values=payload)
            elif change.kind == ChangeRequest.Kind.CORRECT_MEMBER and change.individual is not None:
                update_member(
                    actor=actor,
                    member=change.individual,
                    expected_version=change.base_version,
                    changes=payload,
                )
            elif change.kind == ChangeRequest.Kind.MEMBER_EXIT and change.individual is not None:
                new_head_id = payload.get("new_head")
                new_head = (
                    household.members.filter(pk=int(new_head_id)).first() if new_head_id else None
                )
                record_member_exit(
                    actor=actor,
                    member=change.individual,
                    status=payload.get("status", ""),
                    on=date.fromisoformat(payload.get("on") or timezone.localdate().isoformat()),
                    reason=change.reason,
                    new_head=new_head,
                )
        except Conflict:
            raise Conflict(str(STALE_REQUEST)) from None
        _close(change, actor, ChangeRequest.Status.APPROVED, comment)
    return change


def reject_change(*, actor: User, change: ChangeRequest, comment: str) -> ChangeRequest:
    _require(actor, Perm.REGISTRY_APPROVE, change.household)
    _check_pending(change, actor)
    if not comment.strip():
        raise InvalidInput(_("Expliquez le rejet au demandeur."), {"comment": [str(REQUIRED)]})
    with transaction.atomic():
        _close(change, actor, ChangeRequest.Status.REJECTED, comment)
    return change


STALE_REQUEST = gettext_lazy(
    "Le dossier a changé depuis cette demande : rejetez-la et demandez-en une nouvelle "
    "sur les valeurs actuelles."
)


def _check_pending(change: ChangeRequest, actor: User) -> None:
    if change.status != ChangeRequest.Status.PENDING:
        raise Conflict(_("Cette demande a déjà été traitée."))
    if change.requested_by_id == actor.pk:
        raise Forbidden(_("Une autre personne doit examiner votre propre demande."))


def _close(change: ChangeRequest, actor: User, status: str, comment: str) -> None:
    updated = ChangeRequest.objects.filter(
        pk=change.pk, status=ChangeRequest.Status.PENDING
    ).update(
        status=status, reviewed_by=actor, reviewed_at=timezone.now(), review_comment=comment.strip()
    )
    if not updated:
        raise Conflict(_("Cette demande a déjà été traitée."))
    change.refresh_from_db()
    record(
        actor=actor,
        action=f"registry.change_{status}",
        target=change.household,
        changes={"request": change.pk, "kind": change.kind, "comment": comment.strip()},
    )
