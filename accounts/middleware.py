"""Accounts middleware: company-required MFA, and the person's language and time zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils import timezone, translation
from django_htmx.http import HttpResponseClientRedirect

from accounts import selectors
from cotai.api.exceptions import problem_response

MFA_SETUP_URL_NAME = "mfa_activate_totp"
MESSAGE = "A company you belong to requires two-factor authentication. Set up an authenticator app to continue."


class MfaRequiredMiddleware:
    """A signed-in person who belongs to a company with ``mfa_required`` and has no authenticator
    may only reach the sign-in pages (/accounts/: MFA setup, sign out, email, password) and static
    files; any other page redirects to the authenticator setup, and the API (session-authenticated)
    answers 403 mfa_setup_required. Token sign-ins are refused by accounts.services.auth_login.

    Costs one query per request of a signed-in person on a guarded path.
    """

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/media/", "/ping", "/metrics", "/api/v1/health", "/favicon")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.allowed = tuple({*self.ALLOWED_PREFIXES, settings.STATIC_URL, settings.MEDIA_URL})

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.allowed)
            and selectors.user_mfa_setup_required(user)
        ):
            if request.path.startswith("/api/"):
                return problem_response(
                    request,
                    status_code=403,
                    code="mfa_setup_required",
                    title="Two-factor authentication is required",
                    detail=MESSAGE,
                )
            messages.warning(request, MESSAGE)
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(resolve_url(MFA_SETUP_URL_NAME))
            return redirect(MFA_SETUP_URL_NAME)
        return self.get_response(request)


class UserPreferencesMiddleware:
    """Shows pages in the signed-in person's language and time zone (their profile settings).

    Runs after authentication; LocaleMiddleware (earlier) chose a language from the browser, which
    the person's own choice overrides.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or getattr(user, "pk", None) is None:
            return self.get_response(request)
        try:
            tz = zoneinfo.ZoneInfo(user.time_zone) if user.time_zone else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz = None
        if tz is not None:
            timezone.activate(tz)
        if user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
