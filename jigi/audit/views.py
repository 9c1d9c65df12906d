from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jigi.audit.models import AuditEntry
from jigi.core.http import paginate


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
    template = (
        "audit/entry_list.html#results"
        if getattr(request, "htmx", False)
        else "audit/entry_list.html"
    )
    return render(request, template, context)
