"""A web administrator cannot give anyone, themselves included, access to GBV cases: GBV
accounts are created, moved and reset by the server's operator (`jigi gbvuser`)."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import signed_in
from jigi.accounts.models import User
from jigi.accounts.services import Scope, create_user, reset_password, update_user
from jigi.accounts.tests.factories import UserFactory
from jigi.core.errors import InvalidInput
from jigi.core.tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def test_an_administrator_cannot_create_promote_move_or_take_over_a_gbv_account(
    administrator: User,
) -> None:
    site = SiteFactory.create(code="osc-kayes")
    with pytest.raises(InvalidInput, match="jigi gbvuser"):
        create_user(actor=administrator, username="espion", password="a-long-enough-passphrase",
                    role="gbv_supervisor", scope=Scope(national=False, sites=(site.pk,)))  # fmt: skip
    clerk = UserFactory.create(username="agent", role="enumerator", scope_areas=["ML01"])
    with pytest.raises(InvalidInput):
        update_user(actor=administrator, user=clerk, role="gbv_case_worker",
                    scope=Scope(national=False, sites=(site.pk,)), first_name="", last_name="",
                    email="")  # fmt: skip
    worker = UserFactory.create(username="vbg", role="gbv_case_worker", scope_sites=[site])
    other = SiteFactory.create(code="osc-mopti", area_id="ML050609")
    with pytest.raises(InvalidInput):
        update_user(actor=administrator, user=worker, role="gbv_case_worker",
                    scope=Scope(national=False, sites=(other.pk,)), first_name="", last_name="",
                    email="")  # fmt: skip
    with pytest.raises(InvalidInput):
        reset_password(actor=administrator, user=worker)
    clerk.refresh_from_db()
    worker.refresh_from_db()
    assert clerk.role == "enumerator"
    assert list(worker.scope_sites.all()) == [site]
    # The form says why, naming the field.
    page = signed_in(administrator).post(
        reverse("accounts:user_create"),
        {"username": "espion", "password": "a-long-enough-passphrase",
         "password_confirm": "a-long-enough-passphrase", "role": "gbv_supervisor",
         "sites": [site.pk]},
    )  # fmt: skip
    assert not User.objects.filter(username="espion").exists()
    assert "jigi gbvuser" in page.content.decode()


def test_the_operator_creates_moves_and_resets_gbv_accounts(areas: None) -> None:
    SiteFactory.create(code="osc-kayes")
    SiteFactory.create(code="osc-segou", area_id="ML040101")

    def jigi(*args: str) -> dict[str, object]:
        out = io.StringIO()
        with contextlib.suppress(SystemExit):
            call_command("gbvuser", *args, "--json", stdout=out)
        result: dict[str, object] = json.loads(out.getvalue())
        return result

    made = jigi("create", "vbg.kayes", "--role", "gbv_case_worker", "--site", "osc-kayes")
    user = User.objects.get(username="vbg.kayes")
    assert user.check_password(str(made["temporary_password"]))
    assert user.must_change_password
    jigi("sites", "vbg.kayes", "--site", "osc-segou")
    assert list(user.scope_sites.values_list("code", flat=True)) == ["osc-segou"]
    reset = jigi("reset-password", "vbg.kayes")
    user.refresh_from_db()
    assert user.check_password(str(reset["temporary_password"]))
    refused = jigi("sites", "nobody", "--site", "osc-kayes")
    assert refused["ok"] is False
