"""Audit trail API.

- ``GET /api/v1/audit-events``: the acting company's audit events (``X-Company`` header, or the API
  key's company), for people allowed ``company.view_audit`` there and API keys with the audit scope
  (see cotai.eventstore.api.selectors.AUDIT_SCOPE). It takes no company parameter at all, so no
  parameter can reach another company's events.
- ``GET /api/v1/staff/audit-events``: every company's audit events for staff people, with an
  optional ``company`` filter. A separate endpoint rather than a staff-only parameter on the first:
  the company endpoint then has no code path that widens what a caller sees.

Both answer in the shape of the project's DefaultPagination (count, next, previous, results),
built from one event store page; the events' actors are resolved in one query per page.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from accounts.api.permissions import HasApiKeyScopes, IsPerson
from companies.api.context import COMPANY_HEADER, X_COMPANY, acting_company
from cotai.api.openapi import PROBLEM
from cotai.eventstore.api import selectors
from cotai.eventstore.api.filters import API_PAGE_SIZE, EXAMPLE_TIME, MAX_PAGE_SIZE, AuditEventFilterForm
from cotai.eventstore.api.serializers import AuditEventPageSerializer, AuditEventSerializer

VALIDATION_PROBLEM = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Invalid filters: problem details with ``errors`` per parameter, e.g. "
    '``{"since": ["Include the UTC offset, e.g. 2026-03-01T09:30:00-03:00 or 2026-03-01T12:30:00Z."]}``.',
)

FILTER_PARAMETERS = [
    OpenApiParameter("actor", OpenApiTypes.INT, description="Only events of this user (id)."),
    OpenApiParameter("object_type", str, description="Only events about this kind of object, e.g. tenders.tender."),
    OpenApiParameter("object_id", str, description="Only events about the object with this id (with object_type)."),
    OpenApiParameter("type", str, description="Only events of exactly this type, e.g. tender.published."),
    OpenApiParameter("type_prefix", str, description='Only events whose type starts with this, e.g. "tender.".'),
    OpenApiParameter(
        "since",
        OpenApiTypes.DATETIME,
        description=f"Events at or after this time; ISO 8601 with a UTC offset, e.g. {EXAMPLE_TIME} "
        "(send + as %2B). Must not be after until.",
    ),
    OpenApiParameter(
        "until", OpenApiTypes.DATETIME, description="Events before this time (exclusive); ISO 8601 with a UTC offset."
    ),
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
    OpenApiParameter(
        "page_size", OpenApiTypes.INT, description=f"Events per page, 1 to {MAX_PAGE_SIZE} (default {API_PAGE_SIZE})."
    ),
]
STAFF_COMPANY = OpenApiParameter("company", OpenApiTypes.INT, description="Only this company's events (its id).")

EVENT_EXAMPLE = {
    "id": "18342",
    "type": "tender.published",
    "occurred_at": "2026-03-02T14:05:12.345000Z",
    "actor": {"id": 42, "email": "ana.souza@horizonte.example", "full_name": "Ana Souza"},
    "company_id": 7,
    "object_type": "tenders.tender",
    "object_id": "311",
    "data": {"before": {"status": "draft"}, "after": {"status": "published"}},
    "ip": "203.0.113.7",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    "correlation_id": "3f6c2a9e-5d1b-4f7e-9a0c-2b8d1e4f6a71",
}
PAGE_EXAMPLE = OpenApiExample(
    "A page of audit events",
    value={
        "count": 128,
        "next": "https://cotai.example/api/v1/audit-events?type_prefix=tender.&page=2",
        "previous": None,
        "results": [EVENT_EXAMPLE],
    },
    response_only=True,
)


class IsStaffPerson(BasePermission):
    """A staff person (API keys are never staff)."""

    message = "Only platform staff can read every company's audit trail."

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


def _filters(request: Request, *, staff: bool) -> Any:
    form = AuditEventFilterForm(request.query_params, staff=staff, require_offset=True)
    if not form.is_valid():
        raise ValidationError(form.error_dict())
    return form.filters()


def _page_response(request: Request, trail: selectors.AuditTrailPage) -> Response:
    page = trail.page
    if page.page > 1 and not page.items:
        raise NotFound("Invalid page.")
    url = request.build_absolute_uri()
    previous = None
    if page.has_previous:
        previous = (
            remove_query_param(url, "page") if page.page == 2 else replace_query_param(url, "page", page.page - 1)
        )
    return Response(
        {
            "count": page.total,
            "next": replace_query_param(url, "page", page.page + 1) if page.has_next else None,
            "previous": previous,
            "results": AuditEventSerializer(trail.entries, many=True).data,
        }
    )


class AuditEventListView(APIView):
    """The acting company's audit trail."""

    permission_classes = [IsAuthenticated, HasApiKeyScopes]
    required_scopes = (selectors.AUDIT_SCOPE,)

    @extend_schema(
        operation_id="audit_events_list",
        summary="Your company's audit trail",
        description="Audited changes of the acting company, newest first: who did what, when, from where, with "
        "the state before and after. For the company's owners and administrators (company.view_audit), and API "
        f"keys with the {selectors.AUDIT_SCOPE} scope. Another company's events never appear, whatever the filters.",
        parameters=[X_COMPANY, *FILTER_PARAMETERS],
        responses={200: AuditEventPageSerializer, 400: VALIDATION_PROBLEM, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM},
        examples=[PAGE_EXAMPLE],
        tags=["audit"],
    )
    def get(self, request: Request) -> Response:
        company = acting_company(request)
        if "company" in request.query_params:
            # Refused rather than ignored: the company comes from X-Company (or the key), never a parameter.
            raise ValidationError({"company": [f"Not a filter here: name the company in the {COMPANY_HEADER} header."]})
        filters = _filters(request, staff=False)
        return _page_response(request, selectors.audit_events_for(actor=request.user, company=company, filters=filters))


class StaffAuditEventListView(APIView):
    """Every company's audit trail, for staff."""

    permission_classes = [IsAuthenticated, IsPerson, IsStaffPerson]

    @extend_schema(
        operation_id="staff_audit_events_list",
        summary="Every company's audit trail (staff)",
        description="Audited changes of every company, newest first, for platform staff only; "
        "filter one company with company=<id>.",
        parameters=[STAFF_COMPANY, *FILTER_PARAMETERS],
        responses={200: AuditEventPageSerializer, 400: VALIDATION_PROBLEM, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM},
        examples=[PAGE_EXAMPLE],
        tags=["audit"],
    )
    def get(self, request: Request) -> Response:
        filters = _filters(request, staff=True)
        return _page_response(request, selectors.audit_events_for_staff(actor=request.user, filters=filters))
