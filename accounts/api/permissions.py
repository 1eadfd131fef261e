"""DRF permission classes of the accounts domain."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from accounts.principals import ApiKeyPrincipal


class IsPerson(BasePermission):
    """A signed-in person (JWT or session), not an API key: for endpoints about oneself or that
    manage credentials, which no service-to-service key may reach."""

    message = "This endpoint is for people signed in with their own account, not for API keys."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and not isinstance(user, ApiKeyPrincipal))


class HasApiKeyScopes(BasePermission):
    """For API-key requests, the key must carry every scope in ``view.required_scopes``; a view
    that names no scopes refuses API keys. Requests of people pass (their role decides elsewhere).

    Use it next to IsAuthenticated on views whose rule is "this scope", e.g.::

        permission_classes = [IsAuthenticated, HasApiKeyScopes]
        required_scopes = ("reports:read",)
    """

    message = "The API key does not carry the scope this endpoint needs."

    def has_permission(self, request: Any, view: Any) -> bool:
        principal = request.user
        if not isinstance(principal, ApiKeyPrincipal):
            return True
        required = getattr(view, "required_scopes", None)
        if not required:
            return False
        missing = set(required) - principal.scopes
        if missing:
            self.message = f"The API key lacks the scope(s): {', '.join(sorted(missing))}."
            return False
        return True
