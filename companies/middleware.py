"""Sets ``request.company`` (the active company of a signed-in person) for every page.

The active company comes from the session key ``active_company_id`` (set by the header switcher,
companies:switch); when that is missing or no longer valid, the person's first active membership
(the oldest) is used; None when they belong to no company. ``request.memberships`` lists every
active membership (for the switcher) and ``request.membership`` is the active one. The memberships
are fetched once per request and reused by companies.permissions.can() for the rest of it.

API requests authenticate inside DRF, after this middleware: they use
companies.api.context.acting_company() instead.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from companies import permissions, selectors
from companies.services import SESSION_ACTIVE_COMPANY


class ActiveCompanyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        resolve_active_company(request)
        return self.get_response(request)


def resolve_active_company(request: HttpRequest) -> None:
    request.company = None
    request.membership = None
    request.memberships = []
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or permissions.is_api_key(user):
        return
    memberships = selectors.user_memberships(user)
    permissions.prime_membership_cache(user, memberships)
    request.memberships = memberships
    if not memberships:
        return
    wanted = request.session.get(SESSION_ACTIVE_COMPANY)
    active = next((m for m in memberships if m.company_id == wanted), None)
    if active is None:
        active = min(memberships, key=lambda m: (m.created_at, m.pk))
        if wanted is not None:
            # The session named a company the person left: forget it.
            request.session.pop(SESSION_ACTIVE_COMPANY, None)
    request.membership = active
    request.company = active.company
