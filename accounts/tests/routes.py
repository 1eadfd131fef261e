"""Every page and API route of the accounts app, with the status each persona must get.

Checked by tests/test_route_permissions.py (see companies/testing.py for how cases are written).
The sign-in endpoints are called with wrong credentials: whoever calls them, the answer is 401.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone

from companies.testing import RouteCase, RouteWorld, everyone, for_roles

MANAGERS = ("owner", "admin")  # roles with company.manage_api_keys


def _someone(world: RouteWorld) -> Any:
    """The persona, or for anonymous callers another person (whose objects they must not reach)."""
    from accounts.tests.factories import UserFactory

    return world.user if world.user is not None else UserFactory()


def _other_session(world: RouteWorld) -> dict[str, Any]:
    from allauth.usersessions.models import UserSession

    session = UserSession.objects.create(
        user=_someone(world), session_key=secrets.token_hex(16), ip="203.0.113.9", user_agent="Other browser"
    )
    return {"pk": session.pk}


def _token_family(world: RouteWorld) -> dict[str, Any]:
    from accounts.models import TokenFamily

    family = TokenFamily.objects.create(
        id=uuid.uuid4(), user=_someone(world), expires_at=timezone.now() + timedelta(days=1)
    )
    return {"family_id": family.pk}


def _company_key(world: RouteWorld) -> dict[str, Any]:
    from accounts.tests.factories import ApiKeyFactory

    return {"pk": ApiKeyFactory(company=world.company).pk}


def _profile(world: RouteWorld) -> dict[str, Any]:
    return {"full_name": "Route Person", "phone": "", "language": "en", "time_zone": "UTC"}


def _new_key(world: RouteWorld) -> dict[str, Any]:
    return {"name": "Route key", "scopes": ["tenders:read"]}


ROUTES: list[RouteCase] = [
    # --- pages ---------------------------------------------------------------------------------------
    RouteCase("accounts:profile", for_roles(200, outsider=200)),
    RouteCase("accounts:profile", for_roles(302, outsider=302), method="post", data=_profile),
    RouteCase("accounts:security", for_roles(200, outsider=200)),
    RouteCase("accounts:session_end", for_roles(302, outsider=302), method="post", kwargs=_other_session),
    RouteCase("accounts:token_family_revoke", for_roles(302, outsider=302), method="post", kwargs=_token_family),
    # The keys page is about the active company: the outsider's own (they own it), so 200 there.
    RouteCase("accounts:api_keys", for_roles(200, MANAGERS, outsider=200)),
    RouteCase("accounts:api_keys", for_roles(200, MANAGERS, outsider=200), method="post", data=_new_key),
    RouteCase("accounts:api_key_revoke", for_roles(302, MANAGERS), method="post", kwargs=_company_key),
    # --- API -----------------------------------------------------------------------------------------
    RouteCase(
        "api:auth-login",
        everyone(401),
        method="post",
        data=lambda world: {"email": "nobody@example.com", "password": "not-the-password"},
        note="wrong credentials",
    ),
    RouteCase(
        "api:auth-refresh",
        everyone(401),
        method="post",
        data=lambda world: {"refresh": "not-a-token"},
        note="invalid token",
    ),
    # A browser session cannot end an API sign-in: logout needs the sign-in's own tokens.
    RouteCase("api:auth-logout", everyone(401), method="post", data=lambda world: {}, note="no token"),
    RouteCase("api:auth-me", for_roles(200, anonymous=401, outsider=200)),
    RouteCase(
        "api:auth-me",
        for_roles(200, anonymous=401, outsider=200),
        method="patch",
        data=lambda world: {"full_name": "Route Person"},
    ),
    RouteCase("api:api-key-list", for_roles(200, MANAGERS, anonymous=401, outsider=200)),
    RouteCase("api:api-key-list", for_roles(201, MANAGERS, anonymous=401, outsider=201), method="post", data=_new_key),
    RouteCase("api:api-key-detail", for_roles(200, MANAGERS, anonymous=401), kwargs=_company_key),
    RouteCase("api:api-key-revoke", for_roles(200, MANAGERS, anonymous=401), method="post", kwargs=_company_key),
]
