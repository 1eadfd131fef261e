"""Template variables for the header's company switcher (no queries: the middleware fetched them)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from companies import permissions


def active_company(request: HttpRequest) -> dict[str, Any]:
    company = getattr(request, "company", None)
    user = getattr(request, "user", None)
    return {
        "active_company": company,
        "active_membership": getattr(request, "membership", None),
        "user_memberships": getattr(request, "memberships", []),
        "active_company_actions": permissions.actions_for(user, company) if company is not None else frozenset(),
    }
