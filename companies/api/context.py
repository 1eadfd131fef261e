"""Which company an API request acts for.

- An API key acts for its own company. An ``X-Company`` header naming another company is refused.
- A person names the company in the ``X-Company`` header (its id or its slug) and must be an active
  member of it, otherwise the request is refused with 403 — whether the company exists or not, so
  the header reveals nothing.
- Without the header, a person using the browser session acts for the session's active company,
  and a person who belongs to exactly one company acts for that one. Anyone else gets 400
  ``company_required``.

The answer is computed once per request and cached on it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from companies import permissions, selectors
from companies.models import Company
from companies.services import SESSION_ACTIVE_COMPANY
from cotai.exceptions import PermissionDenied, ValidationFailed

COMPANY_HEADER = "X-Company"

# The header as every API view documents it.
X_COMPANY = OpenApiParameter(
    name=COMPANY_HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Id or slug of the company to act for; you must be an active member (403 otherwise). "
        "Optional for API keys (they act for their own company) and for people who belong to one company only."
    ),
)
_CACHE_ATTR = "_companies_acting_company"


class CompanyRequired(ValidationFailed):
    code = "company_required"
    title = "Name the company you act for"


def _django_request(request: Any) -> Any:
    return getattr(request, "_request", request)


def acting_company(request: Request) -> Company:
    """The company ``request`` acts for; raises NotAuthenticated, PermissionDenied or CompanyRequired."""
    cached = getattr(_django_request(request), _CACHE_ATTR, None)
    if cached is not None:
        return cached
    company = _resolve(request)
    setattr(_django_request(request), _CACHE_ATTR, company)
    return company


def _find(value: str) -> Company | None:
    lookup = {"pk": int(value)} if value.isdigit() else {"slug": value}
    return Company.objects.filter(**lookup).first()


def _resolve(request: Request) -> Company:
    user = request.user
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    named = (request.headers.get(COMPANY_HEADER) or "").strip()[:100]
    if permissions.is_api_key(user):
        company = Company.objects.get(pk=user.company_id)
        if named and named not in (str(company.pk), company.slug):
            raise PermissionDenied("This API key acts for its own company only.")
        return company
    if named:
        company = _find(named)
        if company is None or permissions.membership_for(user, company) is None:
            raise PermissionDenied(f"You are not a member of the company named by the {COMPANY_HEADER} header.")
        return company
    session = getattr(_django_request(request), "session", None)
    session_company_id = session.get(SESSION_ACTIVE_COMPANY) if session is not None else None
    memberships = selectors.user_memberships(user)
    for membership in memberships:
        if membership.company_id == session_company_id:
            return membership.company
    if len(memberships) == 1:
        return memberships[0].company
    raise CompanyRequired(
        f"Send the {COMPANY_HEADER} header with the id or slug of the company you act for.",
        errors={COMPANY_HEADER: ["This header is required: you belong to several companies (or none)."]},
    )
