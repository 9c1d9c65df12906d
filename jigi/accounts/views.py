"""Account pages: sign-in, language, passwords, second factor, users and API tokens."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from jigi.accounts import selectors, services
from jigi.accounts.forms import NewUserForm, OtpTokenForm, TokenForm, UserForm
from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm, Role
from jigi.core.errors import InvalidInput
from jigi.core.http import add_errors_to_form, domain_errors, paginate, render_list


def _require(request: HttpRequest, perm: str) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, perm):
        raise PermissionDenied
    return user


class SignInForm(AuthenticationForm):
    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if user.role == Role.API_CLIENT:
            raise ValidationError(
                _("Ce compte est réservé à l'API : il ne peut pas se connecter ici."),
                code="api_only",
            )


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    authentication_form = SignInForm


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch between French and English; saved on the account so it follows the user."""
    language = request.POST.get("language", "fr")
    if language not in {"fr", "en"}:
        language = "fr"
    if request.user.is_authenticated:
        services.set_language(user=request.user, language=language)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
    )
    return response


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    # A temporary password was just typed at sign-in; otherwise the current one is asked again.
    form_class = SetPasswordForm if user.must_change_password else PasswordChangeForm
    form = form_class(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_own_password(user=user, new_password=form.cleaned_data["new_password1"])
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Votre mot de passe a été changé."))
            return redirect("core:home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": user.must_change_password},
    )


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Second step of sign-in: a TOTP code; users without a device are sent to set one up."""
    user: User = request.user  # type: ignore[assignment]
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:otp_setup")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"].strip())
        if device is None:
            form.add_error("token", _("Code incorrect ou expiré."))
        else:
            otp_login(request, device)
            return redirect("core:home")
    return render(request, "accounts/otp_verify.html", {"form": form})


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Register an authenticator app: scan the QR code, then confirm with one code."""
    user: User = request.user  # type: ignore[assignment]
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:otp_verify")
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Jigi"}
    )
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            services.record_second_factor_enabled(user=user)
            messages.success(request, _("La double authentification est activée."))
            return redirect("core:home")
        form.add_error("token", _("Code incorrect ou expiré."))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/otp_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": secret},
    )


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    viewer = _require(request, Perm.USERS_MANAGE)
    active_param = request.GET.get("active", "")
    active = {"1": True, "0": False}.get(active_param)
    users = selectors.users_for(
        viewer, search=request.GET.get("q", ""), role=request.GET.get("role", ""), active=active
    )
    page = paginate(request, users)
    context = {"page": page, "roles": Role.choices, "filters": request.GET}
    return render_list(request, "accounts/user_list.html", context)


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    actor = _require(request, Perm.USERS_MANAGE)
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                actor=actor,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                scope=form.scope(),
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
            )
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(
                request, _("Compte « %(username)s » créé.") % {"username": user.username}
            )
            return redirect("accounts:user_detail", user_id=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


def _initial(user: User) -> dict[str, Any]:
    areas = list(user.scope_areas.all())
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "national_scope": user.national_scope,
        "regions": [a for a in areas if a.level == 1],
        "cercles": [a for a in areas if a.level == 2],
        "communes": [a for a in areas if a.level == 3],
        "sites": list(user.scope_sites.all()),
    }


@login_required
@domain_errors
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _require(request, Perm.USERS_MANAGE)
    user = selectors.get_user_for(actor, user_id)
    form = UserForm(request.POST or None, initial=_initial(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_user(
                actor=actor,
                user=user,
                role=data["role"],
                scope=form.scope(),
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
            )
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Modifications enregistrées."))
            return redirect("accounts:user_detail", user_id=user.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": user,
            "form": form,
            "scope": selectors.scope_label(user),
            "is_api_client": user.role == Role.API_CLIENT,
            "tokens": selectors.tokens_for(user) if user.role == Role.API_CLIENT else [],
            "token_form": TokenForm(),
        },
    )


@login_required
@require_POST
@domain_errors
def user_token_create(request: HttpRequest, user_id: int) -> HttpResponse:
    """An administrator issues a token to an API-client account; the secret is shown once."""
    actor = _require(request, Perm.USERS_MANAGE)
    owner = selectors.get_user_for(actor, user_id)
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            created = services.create_api_token(
                actor=actor,
                owner=owner,
                name=form.cleaned_data["name"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except InvalidInput as exc:
            messages.error(request, str(exc))
        else:
            return render(
                request, "accounts/token_created.html", {"subject": owner, "secret": created.secret}
            )
    else:
        messages.error(request, _("Donnez un nom au jeton."))
    return redirect("accounts:user_detail", user_id=owner.pk)


@login_required
@require_POST
@domain_errors
def user_set_active(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _require(request, Perm.USERS_MANAGE)
    user = selectors.get_user_for(actor, user_id)
    active = request.POST.get("active") == "1"
    try:
        services.set_user_active(actor=actor, user=user, active=active)
    except InvalidInput as exc:
        messages.error(request, str(exc))
    else:
        if active:
            messages.success(request, _("Compte réactivé."))
        else:
            messages.success(
                request, _("Compte désactivé : la personne ne peut plus se connecter.")
            )
    return redirect("accounts:user_detail", user_id=user.pk)


@login_required
@require_POST
@domain_errors
def user_reset_password(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _require(request, Perm.USERS_MANAGE)
    user = selectors.get_user_for(actor, user_id)
    temporary = services.reset_password(actor=actor, user=user)
    return render(
        request, "accounts/password_reset_done.html", {"subject": user, "temporary": temporary}
    )


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    user = _require(request, Perm.API_TOKENS)
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_api_token(
                actor=user,
                name=form.cleaned_data["name"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
        else:
            new_secret = created.secret
            form = TokenForm()
    tokens = selectors.tokens_for(user)
    return render(
        request,
        "accounts/token_list.html",
        {"form": form, "tokens": tokens, "new_secret": new_secret},
    )


@login_required
@require_POST
@domain_errors
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    token = selectors.get_token_for(user, token_id)
    services.revoke_api_token(actor=user, token=token)
    messages.success(request, _("Jeton « %(name)s » révoqué.") % {"name": token.name})
    if token.user_id != user.pk:
        return redirect("accounts:user_detail", user_id=token.user_id)
    return HttpResponseRedirect(reverse("accounts:tokens"))
