"""Calendar API: own events (CRUD), derived events (read), expanded occurrences, the feed, settings.

The acting company comes from companies.api (X-Company header or the API key). A person who
belongs to no company still has personal events. What anyone sees is decided by
calendar_app.selectors; an event one may not see answers 404. Derived events are read-only (403 on
writes): they follow their tender or quote.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calendar_app import selectors, services
from calendar_app.api.serializers import (
    CalendarEventCreateSerializer,
    CalendarEventSerializer,
    CalendarEventWriteSerializer,
    FeedSerializer,
    OccurrenceSerializer,
    ReminderSettingsSerializer,
    RemindersSerializer,
)
from calendar_app.choices import EventKind
from calendar_app.models import CalendarEvent, UserReminder
from companies import permissions
from companies.api.context import X_COMPANY, CompanyRequired, acting_company
from companies.models import Company, Membership
from cotai.api.openapi import ERRORS, PROBLEM, READ_ERRORS
from cotai.exceptions import ValidationFailed

WRITE_ERRORS = {**ERRORS, 400: PROBLEM, 404: PROBLEM}
MAX_WINDOW = timedelta(days=400)
DEFAULT_WINDOW = timedelta(days=31)  # occurrences from now, when no window is asked for
WINDOW = [
    OpenApiParameter("start", OpenApiTypes.DATETIME, description="Window start (ISO 8601 with offset)."),
    OpenApiParameter("end", OpenApiTypes.DATETIME, description="Window end, exclusive; at most 400 days after start."),
    OpenApiParameter("kind", OpenApiTypes.STR, many=True, enum=EventKind.values, description="Only these kinds."),
]
EVENT_EXAMPLE = OpenApiExample(
    "A submission deadline (derived)",
    value={
        "id": 31,
        "uid": "submission-deadline-tender-42@cotai",
        "kind": "submission_deadline",
        "title": "Submission deadline: HORIZO-2027-0042 — Steel rebar",
        "description": "Tender HORIZO-2027-0042 “Steel rebar” of Construtora Horizonte.",
        "location": "",
        "start": "2027-03-29T07:00:00Z",
        "end": None,
        "all_day": False,
        "time_zone": "UTC",
        "rrule": "",
        "status": "confirmed",
        "sequence": 1,
        "derived": True,
        "owner": "company",
        "company": 7,
        "tender": 42,
        "quote": None,
        "my_reminders": [120],
        "page_url": "/calendar/events/31/",
        "ics_url": "/calendar/events/31.ics",
        "created_at": "2027-03-01T12:00:00Z",
        "updated_at": "2027-03-10T09:30:00Z",
    },
    response_only=True,
)
CREATE_EXAMPLE = OpenApiExample(
    "A weekly meeting, Mondays 09:00 in Berlin",
    value={
        "title": "Procurement stand-up",
        "kind": "custom",
        "start": "2027-03-22T09:00",
        "end": "2027-03-22T09:30",
        "time_zone": "Europe/Berlin",
        "rrule": "FREQ=WEEKLY;BYDAY=MO",
        "owner": "company",
        "reminders": [15],
    },
    request_only=True,
)
BAD_RRULE_EXAMPLE = OpenApiExample(
    "An invalid recurrence rule",
    value={
        "type": "https://cotai.dev/problems/validation_failed",
        "title": "The input is not valid",
        "status": 400,
        "detail": "The event was not saved; correct the fields below.",
        "instance": "/api/v1/calendar/events",
        "code": "validation_failed",
        "errors": {"rrule": ["This is not a valid RFC 5545 recurrence rule (invalid 'BYDAY': XX)."]},
        "request_id": "5f2b9c1e0a7d4e7f9a1b2c3d4e5f6a7b",
    },
    response_only=True,
    status_codes=["400"],
)


def calendar_company(request: Request) -> Company | None:
    """The acting company, or None for a person who belongs to no company (personal events only)."""
    try:
        return acting_company(request)
    except CompanyRequired:
        user = request.user
        if selectors.is_person(user) and not Membership.objects.filter(user_id=user.pk, is_active=True).exists():
            return None
        raise


def _window(request: Request) -> tuple[Any, Any]:
    errors: dict[str, list[str]] = {}
    values = {}
    for name in ("start", "end"):
        raw = request.query_params.get(name, "")
        value = parse_datetime(raw) if raw else None
        if value is None or value.tzinfo is None:
            errors[name] = ["Give an ISO 8601 time with its offset, e.g. 2027-03-01T00:00:00Z."]
        values[name] = value
    if not errors and values["end"] <= values["start"]:
        errors["end"] = ["The window must end after it starts."]
    if not errors and values["end"] - values["start"] > MAX_WINDOW:
        errors["end"] = ["Ask for at most 400 days at a time."]
    if errors:
        raise ValidationFailed(errors=errors)
    return values["start"], values["end"]


@extend_schema_view(
    list=extend_schema(
        summary="Calendar events",
        description=(
            "Events you see while acting for the company: your personal events, the company's events and "
            "the deadlines derived from tenders and quotes the company takes part in. Without start/end: all of "
            "them (repeating events once each); with start and end: those that may occur in the window."
        ),
        parameters=[
            X_COMPANY,
            *[
                OpenApiParameter(p.name, p.type, description=p.description, many=p.many, enum=p.enum, required=False)
                for p in WINDOW
            ],
            OpenApiParameter("derived", OpenApiTypes.BOOL, description="Only derived (true) or own (false) events."),
        ],
        responses={200: CalendarEventSerializer(many=True), **ERRORS},
        examples=[EVENT_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="One event",
        parameters=[X_COMPANY],
        responses={200: CalendarEventSerializer, **READ_ERRORS},
        examples=[EVENT_EXAMPLE],
    ),
    create=extend_schema(
        summary="Add an own event",
        description="owner “user”: only you; “company”: everyone in the acting company (buyers, supplier "
        "representatives, owners and admins may add them). RRULE for custom events only.",
        parameters=[X_COMPANY],
        request=CalendarEventCreateSerializer,
        responses={201: CalendarEventSerializer, **WRITE_ERRORS},
        examples=[CREATE_EXAMPLE, BAD_RRULE_EXAMPLE],
    ),
    partial_update=extend_schema(
        summary="Change an own event (SEQUENCE + 1)",
        parameters=[X_COMPANY],
        request=CalendarEventWriteSerializer,
        responses={200: CalendarEventSerializer, **WRITE_ERRORS},
        examples=[BAD_RRULE_EXAMPLE],
    ),
    update=extend_schema(
        summary="Change an own event (SEQUENCE + 1)",
        description="The same as PATCH: only the fields sent change.",
        parameters=[X_COMPANY],
        request=CalendarEventWriteSerializer,
        responses={200: CalendarEventSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Remove an own event",
        description="The event is cancelled: it leaves lists at once and feeds carry it as STATUS:CANCELLED.",
        parameters=[X_COMPANY],
        responses={204: None, **READ_ERRORS},
    ),
)
class CalendarEventViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CalendarEventSerializer
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]
    filter_backends: list[Any] = []

    @property
    def company(self) -> Company | None:
        return calendar_company(self.request)

    def get_queryset(self) -> QuerySet[CalendarEvent]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular inspecting the view, no request
            return CalendarEvent.objects.none()
        queryset = selectors.event_list_for(actor=self.request.user, company=self.company)
        if selectors.is_person(self.request.user):
            mine = UserReminder.objects.filter(user_id=self.request.user.pk)
            queryset = queryset.prefetch_related(Prefetch("user_reminders", queryset=mine, to_attr="mine"))
        return queryset

    def filter_queryset(self, queryset: QuerySet[CalendarEvent]) -> QuerySet[CalendarEvent]:
        if self.action != "list":
            return queryset
        params = self.request.query_params
        if params.get("start") or params.get("end"):
            start, end = _window(self.request)
            queryset = queryset.overlapping(start, end)
        kinds = [kind for kind in params.getlist("kind") if kind in EventKind.values]
        if kinds:
            queryset = queryset.filter(kind__in=kinds)
        derived = params.get("derived", "").lower()
        if derived in ("true", "1", "false", "0"):
            queryset = queryset.filter(derived=derived in ("true", "1"))
        return queryset

    def get_object(self) -> CalendarEvent:
        event = selectors.event_get_for(actor=self.request.user, company=self.company, pk=self.kwargs["pk"])
        mine = UserReminder.objects.filter(user_id=getattr(self.request.user, "pk", None), event=event)
        event.mine = list(mine)
        return event

    def _fresh(self, pk: int) -> dict[str, Any]:
        self.kwargs["pk"] = pk
        return CalendarEventSerializer(self.get_object()).data

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = CalendarEventCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        owner = data.pop("owner")
        event = services.event_create(actor=request.user, company=self.company, data=data, owner=owner, request=request)
        return Response(self._fresh(event.pk), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        event = self.get_object()
        serializer = CalendarEventWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.event_update(
            event=event, actor=request.user, company=self.company, data=dict(serializer.validated_data), request=request
        )
        return Response(self._fresh(event.pk))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.event_cancel(event=self.get_object(), actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Set your reminders on an event",
        description="Replaces your own reminders (minutes before each occurrence; at most 5, up to 30 days). "
        "Any event you see, derived ones included. People only.",
        parameters=[X_COMPANY],
        request=RemindersSerializer,
        responses={200: CalendarEventSerializer, **WRITE_ERRORS},
        examples=[OpenApiExample("One day and two hours before", value={"minutes": [1440, 120]}, request_only=True)],
    )
    @action(detail=True, methods=["put"], url_path="reminders")
    def reminders(self, request: Request, pk: str | None = None) -> Response:
        event = self.get_object()
        serializer = RemindersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.reminders_set(event=event, actor=request.user, minutes=serializer.validated_data["minutes"])
        return Response(self._fresh(event.pk))


class OccurrenceListView(APIView):
    @extend_schema(
        summary="Occurrences in a window",
        description="Every occurrence you see between start and end (default: the next 31 days), repeating "
        "events expanded in their own time zone (a weekly 09:00 Berlin meeting stays at 09:00 Berlin "
        "across daylight saving). Cancelled "
        "events are left out.",
        parameters=[
            X_COMPANY,
            *[
                OpenApiParameter(p.name, p.type, description=p.description, many=p.many, enum=p.enum, required=False)
                for p in WINDOW
            ],
        ],
        responses={200: OccurrenceSerializer(many=True), 400: PROBLEM, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        if not request.query_params.get("start") and not request.query_params.get("end"):
            start = timezone.now()
            end = start + DEFAULT_WINDOW
        else:
            start, end = _window(request)
        found = selectors.occurrences_for(
            actor=request.user,
            company=calendar_company(request),
            start=start,
            end=end,
            kinds=request.query_params.getlist("kind"),
        )
        return Response(OccurrenceSerializer(found, many=True).data)


def _feed_body(request: Request, feed: Any) -> dict[str, Any]:
    from calendar_app.views import feed_url

    url = feed_url(request, feed)
    return {
        "url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1],
        "created_at": feed.created_at,
        "last_used_at": feed.last_used_at,
    }


class FeedView(APIView):
    @extend_schema(
        summary="Your private iCalendar feed",
        description="The address to subscribe to in Google Calendar, Outlook or Apple Calendar (made on first "
        "use). People only.",
        responses={200: FeedSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        feed = services.feed_get_or_create(user=request.user)
        return Response(FeedSerializer(_feed_body(request, feed)).data)


class FeedRegenerateView(APIView):
    @extend_schema(
        summary="Make a new feed address",
        description="The old address stops working at once. People only.",
        request=None,
        responses={200: FeedSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        feed = services.feed_regenerate(user=request.user, request=request)
        return Response(FeedSerializer(_feed_body(request, feed)).data)


class ReminderSettingsView(APIView):
    @extend_schema(
        summary="The company's deadline reminders",
        description="Minutes before tender deadlines at which the company's people are reminded (the defaults "
        "until changed: submission [4320, 1440], clarification [1440]).",
        parameters=[X_COMPANY],
        responses={200: ReminderSettingsSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        company = acting_company(request)
        permissions.require(request.user, "company.view", company)
        submission, clarification = selectors.reminder_settings_for(company)
        return Response({"submission_offsets": submission, "clarification_offsets": clarification})

    @extend_schema(
        summary="Change the company's deadline reminders",
        description="Owners and admins (company.edit). At most 5 per deadline, each 1 minute to 30 days; an "
        "empty list switches that reminder off. Upcoming reminders are re-planned at once.",
        parameters=[X_COMPANY],
        request=ReminderSettingsSerializer,
        responses={200: ReminderSettingsSerializer, 400: PROBLEM, **ERRORS},
        examples=[
            OpenApiExample(
                "Two days and four hours before submission; none for questions",
                value={"submission_offsets": [2880, 240], "clarification_offsets": []},
                request_only=True,
            )
        ],
    )
    def put(self, request: Request) -> Response:
        company = acting_company(request)
        permissions.require(request.user, "company.edit", company)
        serializer = ReminderSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = services.reminder_settings_update(
            company=company, actor=request.user, request=request, **serializer.validated_data
        )
        return Response(
            {"submission_offsets": row.submission_offsets, "clarification_offsets": row.clarification_offsets}
        )
