from __future__ import annotations

from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse

from jigi.audit.models import AuditEntry
from jigi.core.http import paginate, render_list


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("audit.view"):
        raise PermissionDenied
    entries = AuditEntry.objects.all()
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("actor", "").strip()
    # Entries of GBV work (protection, and the cash programme's "protection referral") show
    # neither who nor what on this page: beside each other they would tie a household to a
    # GBV case. They stay in the chain (`jigi audit verify` checks them).
    prefixes: tuple[str, ...] = tuple(settings.JIGI_AUDIT_MASKED_ACTIONS)
    masked = reduce(or_, (Q(action__startswith=prefix) for prefix in prefixes), Q(pk__in=[]))
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:  # nor can a name be searched for among them
        entries = entries.filter(actor_label__iexact=actor).exclude(masked)
    page = paginate(request, entries)
    for entry in page:
        entry.masked = entry.action.startswith(prefixes)
    context = {"page": page, "filters": request.GET}
    return render_list(request, "audit/entry_list.html", context)
