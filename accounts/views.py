"""Pages of the signed-in person: profile, security (MFA, browser sessions, API sign-ins), API keys.

Sign-up, sign-in, email, password and the MFA screens themselves are allauth's views (under
/accounts/) in CotAi's templates (templates/account, templates/mfa, templates/usersessions).
"""

from __future__ import annotations

import uuid

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import ApiKeyCreateForm, ProfileForm
from accounts.models import TokenFamily
from accounts.scopes import SCOPES
from cotai.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed


def _add_errors(form, exc: ValidationFailed) -> None:
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.errors:
        form.add_error(None, exc.message)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.user_update_profile(user=user, actor=user, request=request, **form.cleaned_data)
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "Your profile was saved.")
                return redirect("accounts:profile")
    else:
        form = ProfileForm(
            initial={
                "full_name": user.full_name,
                "phone": user.phone,
                "language": user.language,
                "time_zone": user.time_zone,
            }
        )
    return render(request, "accounts/profile.html", {"form": form, "settings_section": "profile"})


@login_required
def security(request: HttpRequest) -> HttpResponse:
    authenticators = {a.type: a for a in Authenticator.objects.filter(user=request.user)}
    context = {
        "settings_section": "security",
        "totp": authenticators.get(Authenticator.Type.TOTP),
        "recovery_codes": authenticators.get(Authenticator.Type.RECOVERY_CODES),
        "mfa_required": selectors.user_mfa_setup_required(request.user),
        "sessions": selectors.user_sessions_for(user=request.user),
        "current_session_key": request.session.session_key,
        "token_families": selectors.token_families_for(user=request.user)[:50],
    }
    return render(request, "accounts/security.html", context)


@login_required
@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        was_current = services.user_session_end(request=request, session_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if was_current:
        return redirect("account_login")
    messages.success(request, "That session was signed out.")
    return redirect("accounts:security")


@login_required
@require_POST
def token_family_revoke(request: HttpRequest, family_id: uuid.UUID) -> HttpResponse:
    try:
        services.token_family_revoke(
            family_id=family_id.hex, reason=TokenFamily.RevokeReason.USER_REVOKED, actor=request.user, request=request
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, "That API sign-in was ended; its tokens no longer work.")
    return redirect("accounts:security")


def _api_key_company(request: HttpRequest):
    """The active company, if the person may manage its API keys; 403 otherwise."""
    from companies import permissions

    company = getattr(request, "company", None)
    if company is None or not permissions.can(request.user, permissions.COMPANY_MANAGE_API_KEYS, company):
        raise DjangoPermissionDenied("Only administrators of the company can manage its API keys.")
    return company


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    company = _api_key_company(request)
    created_key = None
    if request.method == "POST":
        form = ApiKeyCreateForm(request.POST)
        if form.is_valid():
            try:
                api_key, plaintext = services.api_key_create(
                    actor=request.user, company=company, request=request, **form.cleaned_data
                )
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                # Shown in this response only (no redirect: the key must not be stored anywhere).
                created_key = {"api_key": api_key, "plaintext": plaintext}
                form = ApiKeyCreateForm()
    else:
        form = ApiKeyCreateForm()
    context = {
        "settings_section": "api_keys",
        "company": company,
        "form": form,
        "created_key": created_key,
        "keys": selectors.api_key_list_for(actor=request.user, company=company),
        "scope_descriptions": SCOPES,
    }
    response = render(request, "accounts/api_keys.html", context, status=400 if form.errors else 200)
    if created_key is not None:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    company = _api_key_company(request)
    try:
        api_key = selectors.api_key_get_for(actor=request.user, company=company, pk=pk)
        services.api_key_revoke(actor=request.user, api_key=api_key, request=request)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except InvalidState as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The key “{api_key.name}” was revoked.")
    return redirect("accounts:api_keys")
