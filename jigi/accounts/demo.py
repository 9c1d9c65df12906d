"""Demo users, one per role (only loaded by `jigi demo`, in demo mode)."""

from __future__ import annotations

from typing import Any

from jigi.accounts.models import User
from jigi.accounts.roles import Role
from jigi.accounts.services import Scope, create_user
from jigi.core.models import Site

DEMO_PASSWORD = "jigi-demo-2026"  # noqa: S105 (printed on purpose: demo mode only)

# username, role, national scope, area P-codes, site codes
DEMO_USERS: tuple[tuple[str, str, bool, tuple[str, ...], tuple[str, ...]], ...] = (
    ("admin", Role.ADMINISTRATOR, True, (), ()),
    ("programme.kayes", Role.PROGRAMME_OFFICER, False, ("ML01",), ("antenne-kayes",)),
    ("enqueteur.kayes", Role.ENUMERATOR, False, ("ML010312",), ()),
    ("paiements", Role.PAYMENT_OFFICER, True, (), ()),
    ("plaintes", Role.GRIEVANCE_OFFICER, True, (), ()),
    ("plaintes.kayes", Role.GRIEVANCE_OFFICER, False, ("ML01",), ()),
    ("plaintes.eas", Role.GRIEVANCE_FOCAL_POINT, True, (), ()),
    ("vbg.gestionnaire", Role.GBV_CASE_WORKER, False, (), ("osc-bamako-c1",)),
    ("vbg.superviseure", Role.GBV_SUPERVISOR, False, (), ("osc-bamako-c1",)),
    ("vbg.kayes", Role.GBV_CASE_WORKER, False, (), ("osc-kayes",)),
    ("cnr.mopti", Role.CNR_AGENT, False, ("ML05",), ("cnr-mopti",)),
    ("reintegration.gao", Role.REINTEGRATION_OFFICER, False, ("ML07",), ()),
    ("suivi", Role.ME_VIEWER, True, (), ()),
    ("client.api", Role.API_CLIENT, True, (), ()),
)


def seed() -> dict[str, Any]:
    logins = []
    for username, role, national, areas, site_codes in DEMO_USERS:
        if not User.objects.filter(username=username).exists():
            sites = tuple(Site.objects.filter(code__in=site_codes).values_list("id", flat=True))
            create_user(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                scope=Scope(national=national, areas=areas, sites=sites),
                first_name=username.split(".")[0].capitalize(),
                must_change_password=False,
            )
        logins.append(
            {"username": username, "password": DEMO_PASSWORD, "role": str(Role(role).label)}
        )
    return {"logins": logins}
