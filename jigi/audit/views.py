from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
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
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(actor_label__iexact=actor)
    context = {"page": paginate(request, entries), "filters": request.GET}
    return render_list(request, "audit/entry_list.html", context)
