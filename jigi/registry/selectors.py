"""Reads on the register, filtered to the user's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from jigi.accounts.models import User
from jigi.accounts.policy import get_visible_or_404, has_perm, visible
from jigi.accounts.roles import Perm
from jigi.audit.models import AuditEntry
from jigi.core.codes import normalise_code
from jigi.core.errors import InvalidInput, NotFound
from jigi.core.phones import normalise_phone
from jigi.core.text import fold, prefix_q
from jigi.registry.models import (
    ChangeRequest,
    Household,
    IdentityDocument,
    Individual,
    NamePair,
    NameToken,
    NameWord,
)
from jigi.registry.rules import normalise_document_number


@dataclass(frozen=True)
class HouseholdFilters:
    q: str = ""  # names of any member
    phone: str = ""
    document: str = ""
    code: str = ""
    area: str = ""  # region, cercle or commune P-code
    village: str = ""
    displacement: str = ""
    status: str = ""

    def as_dict(self) -> dict[str, str]:
        return {key: value for key, value in self.__dict__.items() if value}


def households_matching_names(text: str) -> QuerySet[Any, Any]:
    """Ids of households with a member having, for every word typed, a name word that starts
    with it ("trao awa" finds the household of Awa Traoré).

    When the first word is a whole name word (no longer word starts with it), two or more
    words start from the name pairs (that word, then the start of the second), which finds the
    few people having both at once; otherwise the words are matched one by one. Both indexes
    carry the household, so the search never reads a person's row.
    """
    typed = fold(text).replace("-", " ").replace("'", " ").split()[:5]
    if not typed:
        return NameToken.objects.none().values("household_id")
    first = typed[0][:60]
    first_is_whole = (
        not NameWord.objects.filter(prefix_q("word", first)).exclude(word=first).exists()
    )
    if len(typed) >= 2 and first_is_whole:
        pairs = NamePair.objects.filter(prefix_q("pair", f"{typed[0]} {typed[1]}"))
        for word in typed[2:]:
            pairs = pairs.filter(individual_id__in=_having_word(word))
        if pairs.exists():
            return pairs.values("household_id")
    tokens = NameToken.objects.filter(prefix_q("token", typed[0][:60]))
    for word in typed[1:]:
        tokens = tokens.filter(individual_id__in=_having_word(word))
    return tokens.values("household_id")


def _having_word(word: str) -> QuerySet[NameToken, Any]:
    return NameToken.objects.filter(prefix_q("token", word[:60])).values("individual_id")


def households_for(user: User, filters: HouseholdFilters) -> QuerySet[Household]:
    """Households in the user's scope matching every filter given."""
    if not has_perm(user, Perm.REGISTRY_VIEW):
        return Household.objects.none()
    rows = visible(user, Household.objects.all())
    if filters.q.strip():
        rows = rows.filter(pk__in=households_matching_names(filters.q))
    if filters.phone.strip():
        try:
            phone = normalise_phone(filters.phone)
        except InvalidInput:
            return rows.none()
        rows = rows.filter(pk__in=Individual.objects.filter(phone=phone).values("household_id"))
    if filters.document.strip():
        number = normalise_document_number("", filters.document)
        documents = IdentityDocument.objects.filter(number_normalised=number)
        rows = rows.filter(pk__in=documents.values("individual__household_id"))
    if filters.code.strip():
        rows = rows.filter(code=normalise_code(filters.code))
    if filters.area.strip():
        rows = rows.filter(prefix_q("commune_id", filters.area.strip().upper()))
    if filters.village.strip():
        rows = rows.filter(prefix_q("village_folded", fold(filters.village)))
    if filters.displacement:
        rows = rows.filter(displacement=filters.displacement)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return rows


def with_list_columns(rows: QuerySet[Household]) -> QuerySet[Household]:
    """Head's name and member count for a page of households, without a query per row."""
    head = Individual.objects.filter(
        household_id=OuterRef("pk"),
        relationship=Individual.Relationship.HEAD,
        status=Individual.Status.ALIVE,
    )
    return rows.select_related("commune__parent__parent").annotate(
        head_given_names=Subquery(head.values("given_names")[:1]),
        head_family_name=Subquery(head.values("family_name")[:1]),
        member_count=Subquery(
            Individual.objects.filter(household_id=OuterRef("pk"), status=Individual.Status.ALIVE)
            .values("household_id")
            .annotate(total=Count("pk"))
            .values("total")[:1]
        ),
    )


def household_page(rows: QuerySet[Household], number: Any, per_page: int = 25) -> Page[Household]:
    """One page of households ordered by code, with their list columns.

    The page's keys are found first from the household index alone (code, place, status …),
    and only those rows are then read with their head and member count: sorting a whole
    region's full rows to show 25 of them cost 50–150 ms at 170k households.
    """
    keys_in_order: Any = rows.order_by("code").values_list("pk", flat=True)
    page: Page[Any] = Paginator(keys_in_order, per_page).get_page(number)
    keys = list(page.object_list)
    page.object_list = list(
        with_list_columns(Household.objects.filter(pk__in=keys)).order_by("code")
    )
    return page


def get_household_for(user: User, code: str) -> Household:
    """One household of the user's scope by code; others answer NotFound."""
    if not has_perm(user, Perm.REGISTRY_VIEW):
        return get_visible_or_404(user, Household.objects.none(), code=code)
    return get_visible_or_404(
        user,
        Household.objects.select_related(
            "commune__parent__parent", "origin_commune"
        ).prefetch_related(
            Prefetch(
                "members", queryset=Individual.objects.prefetch_related("documents").order_by("id")
            )
        ),
        code=normalise_code(code),
    )


def get_member_for(user: User, member_id: int) -> Individual:
    if not has_perm(user, Perm.REGISTRY_VIEW):
        return get_visible_or_404(user, Individual.objects.none(), pk=member_id)
    return get_visible_or_404(
        user, Individual.objects.select_related("household__commune"), pk=member_id
    )


def get_document_for(user: User, document_id: int) -> IdentityDocument:
    member_ids = visible(user, Individual.objects.all()).values("pk")
    if not has_perm(user, Perm.REGISTRY_VIEW):
        member_ids = Individual.objects.none().values("pk")
    try:
        return IdentityDocument.objects.select_related("individual__household").get(
            pk=document_id, individual__in=member_ids
        )
    except IdentityDocument.DoesNotExist:
        raise NotFound("document") from None


def history_of(household: Household, limit: int = 100) -> QuerySet[AuditEntry]:
    """Audit entries of the household and of its members, newest first."""
    member_ids = [str(pk) for pk in household.members.values_list("pk", flat=True)]
    return AuditEntry.objects.filter(
        Q(target_type="registry.household", target_id=str(household.pk))
        | Q(target_type="registry.individual", target_id__in=member_ids)
    ).order_by("-seq")[:limit]


def change_requests_for(
    user: User, *, status: str = "", household: Household | None = None
) -> QuerySet[ChangeRequest]:
    if not has_perm(user, Perm.REGISTRY_VIEW):
        return ChangeRequest.objects.none()
    rows = visible(
        user,
        ChangeRequest.objects.select_related(
            "household__commune", "individual", "requested_by", "reviewed_by"
        ),
    )
    if status:
        rows = rows.filter(status=status)
    if household is not None:
        rows = rows.filter(household=household)
    return rows


def get_change_request_for(user: User, request_id: int) -> ChangeRequest:
    return get_visible_or_404(user, change_requests_for(user), pk=request_id)


def register_stats(user: User | None = None) -> list[dict[str, Any]]:
    """Households and individuals by region and status (whole register for the CLI)."""
    rows = Household.objects.all() if user is None else visible(user, Household.objects.all())
    counts = (
        rows.values("commune__parent__parent__pcode", "commune__parent__parent__name", "status")
        .annotate(
            households=Count("pk", distinct=True), individuals=Count("members", distinct=True)
        )
        .order_by("commune__parent__parent__pcode", "status")
    )
    return [
        {
            "region_pcode": row["commune__parent__parent__pcode"],
            "region": row["commune__parent__parent__name"],
            "status": row["status"],
            "households": row["households"],
            "individuals": row["individuals"],
        }
        for row in counts
    ]
