"""The audit trail page (/audit/): who did what, when, from where, before and after.

Owners and administrators of the active company (``request.company``, company.view_audit) see
that company's audit events; anyone else in it gets 403, like the other company pages. Staff see
every company's events, with an extra company filter. The filters are a GET form that works
without JavaScript; with HTMX the form and the page links swap only the table (the view answers an
HTMX request with the partial) and push the URL, so a filtered view can be bookmarked and shared.
Times are shown in the person's own time zone (accounts.middleware.UserPreferencesMiddleware).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from companies.models import Company, Membership
from cotai.eventstore.api import selectors
from cotai.eventstore.api.filters import PAGE_PAGE_SIZE, AuditEventFilterForm, AuditFilters

PAGE_TEMPLATE = "eventstore/audit_list.html"
TABLE_TEMPLATE = "eventstore/partials/audit_table.html"


def _read(request: HttpRequest, *, staff: bool, company: Company | None, filters: AuditFilters) -> Any:
    if staff:
        return selectors.audit_events_for_staff(actor=request.user, filters=filters, with_companies=True)
    return selectors.audit_events_for(actor=request.user, company=company, filters=filters)


def _actor_choices(company: Company, selected: Any) -> list[tuple[str, str, bool]]:
    """Everyone who is or was a member (former members' actions stay in the trail): (id, label, selected)."""
    memberships = Membership.objects.filter(company=company).select_related("user").order_by("user__email")
    chosen = str(selected) if selected not in (None, "") else ""
    choices = [
        (str(m.user_id), f"{m.user.full_name} ({m.user.email})" if m.user.full_name else m.user.email, False)
        for m in memberships
    ]
    known = {value for value, _label, _selected in choices}
    if chosen and chosen not in known:
        # Someone from elsewhere (e.g. platform staff) filtered by id from a link: keep the filter visible.
        choices.append((chosen, f"User {chosen}", True))
    return [(value, label, value == chosen) for value, label, _selected in choices]


@login_required
@require_http_methods(["GET"])
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit trail of the active company (every company's for staff), filtered and paged."""
    staff = bool(request.user.is_staff)
    company = getattr(request, "company", None)
    if not staff and not selectors.can_view_audit(request.user, company):
        raise DjangoPermissionDenied("Only the company's owners and administrators can read its audit trail.")

    form = AuditEventFilterForm(request.GET, staff=staff, require_offset=False, default_page_size=PAGE_PAGE_SIZE)
    trail = None
    if form.is_valid():
        filters = form.filters()
        trail = _read(request, staff=staff, company=company, filters=filters)
        if trail.page.page > trail.page.num_pages:
            # A page past the end (the trail is filtered, or a link is old): show the last one.
            last = dataclasses.replace(filters, page=trail.page.num_pages)
            trail = _read(request, staff=staff, company=company, filters=last)

    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "trail": trail,
        "page": trail.page if trail is not None else None,
        "entries": trail.entries if trail is not None else [],
        "staff": staff,
        "company": None if staff else company,
        "actor_choices": [] if staff else _actor_choices(company, form.data.get("actor")),
        "query": query.urlencode(),
    }
    htmx = getattr(request, "htmx", None)
    # A history restore (back button after hx-push-url) needs the whole page, not the table.
    partial = bool(htmx) and not htmx.history_restore_request
    response = render(request, TABLE_TEMPLATE if partial else PAGE_TEMPLATE, context)
    # The same URL answers a page or a partial: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response
