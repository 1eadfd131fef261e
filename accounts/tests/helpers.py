"""Helpers of the accounts tests."""

from __future__ import annotations

import time
from typing import Any

from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD
from cotai.eventstore import get_event_store

LOGIN_URL = "/api/v1/auth/login"
REFRESH_URL = "/api/v1/auth/refresh"
LOGOUT_URL = "/api/v1/auth/logout"
ME_URL = "/api/v1/auth/me"


def api_login(client: APIClient, email: str, password: str = DEFAULT_PASSWORD, **extra: Any) -> Any:
    return client.post(LOGIN_URL, {"email": email, "password": password, **extra}, format="json")


def bearer(access: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def audit_events(action: str, **filters: Any) -> list[Any]:
    return get_event_store().query(kind="audit", type=action, page_size=200, **filters).items


def totp_code(secret: str, offset: int = 0) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def activate_totp(user: Any) -> str:
    """Turn on an authenticator app (and recovery codes) for ``user``; returns the TOTP secret."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def web_login(client: Any, user: Any, password: str = DEFAULT_PASSWORD) -> None:
    """Sign in through allauth's page (unlike force_login, this counts as a recent authentication,
    which allauth asks for before MFA changes)."""
    from django.urls import reverse

    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.status_code == 302, response.content[:500]


def reauthenticate(client: Any, password: str = DEFAULT_PASSWORD) -> None:
    """Confirm the password again, as allauth asks before MFA changes."""
    from django.urls import reverse

    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response.content[:500]
