"""DRF glue for company-scoped endpoints."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from companies import permissions
from companies.api.context import acting_company
from companies.models import Company


class ActsForCompany(BasePermission):
    """Resolves the acting company (403 for a non-member) and, when the view names one for its
    action in ``company_actions`` ({"list": "company.view_members", ...}), requires that action."""

    def has_permission(self, request: Any, view: Any) -> bool:
        company = acting_company(request)
        action = getattr(view, "company_actions", {}).get(getattr(view, "action", None))
        if action:
            permissions.require(request.user, action, company)
        return True


class CompanyScopedMixin:
    """For ViewSets whose rows belong to the acting company: ``self.company`` is that company."""

    request: Any

    @property
    def company(self) -> Company:
        return acting_company(self.request)
