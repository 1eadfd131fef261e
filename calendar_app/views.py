"""Calendar pages: month, week and agenda; own events; reminders; the feed; company settings.

Thin: selectors read (scoped to the person and their active company), services write. Every
form posts and redirects, so the pages work without JavaScript; navigation links carry hx-get and
hx-push-url, and with HTMX the calendar answers with its partial only.
"""

from __future__ import annotations

import hmac
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from calendar_app import feeds, grid, selectors, services
from calendar_app.choices import DEADLINE_KINDS, EventKind
from calendar_app.forms import EventForm, ReminderSettingsForm, RemindersForm
from calendar_app.models import CalendarEvent, CalendarFeed
from calendar_app.recurrence import expand
from companies import permissions
from cotai.exceptions import NotFound, PermissionDenied, ValidationFailed
from cotai.pages import add_service_errors, maps_application_errors

PARTIAL_TARGET = "calendar"


def _anchor(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


def _kinds(request: HttpRequest) -> list[str]:
    return [kind for kind in request.GET.getlist("kind") if kind in EventKind.values]


def calendar_url(view: str, day: date, kinds: list[str]) -> str:
    query = urlencode([("date", day.isoformat()), *[("kind", kind) for kind in kinds]])
    return f"{reverse(f'calendar_app:{view}')}?{query}"


def _calendar(request: HttpRequest, view: str) -> HttpResponse:
    kinds = _kinds(request)
    period = grid.period(view, _anchor(request))
    zone = timezone.get_current_timezone()
    start, end = period.window(zone)
    found = selectors.occurrences_for(actor=request.user, company=request.company, start=start, end=end, kinds=kinds)
    days = grid.lay_out(period, found, zone, timezone.localdate())
    context = {
        "view": view,
        "period": period,
        "days": days,
        "weeks": grid.weeks(days) if view != grid.AGENDA else [],
        "agenda_days": [day for day in days if day.occurrences] if view == grid.AGENDA else [],
        "kinds": kinds,
        "kind_choices": EventKind.choices,
        "deadline_kinds": [str(kind) for kind in DEADLINE_KINDS],
        "previous_url": calendar_url(view, period.previous, kinds),
        "next_url": calendar_url(view, period.next, kinds),
        "today_url": calendar_url(view, timezone.localdate(), kinds),
        "view_urls": [(name, name.title(), calendar_url(name, period.anchor, kinds)) for name in grid.VIEWS],
    }
    if getattr(request, "htmx", False) and request.htmx.target == PARTIAL_TARGET:
        response = render(request, "calendar_app/partials/calendar.html", context)
    else:
        response = render(request, "calendar_app/calendar.html", context)
    # The same URL answers a partial or a page: caches must tell them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
@require_GET
def month(request: HttpRequest) -> HttpResponse:
    return _calendar(request, grid.MONTH)


@login_required
@require_GET
def week(request: HttpRequest) -> HttpResponse:
    return _calendar(request, grid.WEEK)


@login_required
@require_GET
def agenda(request: HttpRequest) -> HttpResponse:
    return _calendar(request, grid.AGENDA)


@login_required
@require_GET
def next_deadlines(request: HttpRequest) -> HttpResponse:
    """The "next deadlines" fragment (dashboards include it with {% next_deadlines %} or load it here)."""
    return render(request, "calendar_app/partials/next_deadlines.html", next_deadlines_context(request))


def next_deadlines_context(request: HttpRequest, limit: int = 5) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"deadlines": [], "calendar_available": False}
    found = selectors.next_deadlines_for(
        actor=user, company=getattr(request, "company", None), now=timezone.now(), limit=limit
    )
    return {"deadlines": found, "calendar_available": True}


# --- own events --------------------------------------------------------------------------------------------
def _tender_choices(request: HttpRequest) -> list[tuple[int, str]]:
    from tenders.selectors import tender_list_for

    tenders = tender_list_for(actor=request.user, company=request.company)[:200]
    return [(tender.pk, f"{tender.number} — {tender.title}") for tender in tenders]


@login_required
@require_http_methods(["GET", "POST"])
@maps_application_errors
def event_create(request: HttpRequest) -> HttpResponse:
    company = request.company
    company_label = company.display_name if selectors.can_write_company_events(request.user, company) else None
    form = EventForm(
        request.POST or None,
        tenders=_tender_choices(request),
        company_label=company_label,
        editing=False,
        initial={"time_zone": request.user.time_zone or "UTC", "kind": EventKind.MEETING, **_initial_start(request)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                actor=request.user,
                company=company,
                data=form.service_data(),
                owner=form.cleaned_data["owner"],
                request=request,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Event added to the calendar.")
            return redirect("calendar_app:event-detail", pk=event.pk)
    return render(request, "calendar_app/event_form.html", {"form": form, "event": None})


def _initial_start(request: HttpRequest) -> dict[str, str]:
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return {}
    return {"start": f"{day.isoformat()}T09:00", "end": f"{day.isoformat()}T10:00"}


@login_required
@require_http_methods(["GET", "POST"])
@maps_application_errors
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get_for(actor=request.user, company=request.company, pk=pk)
    if not selectors.can_write(request.user, event):
        raise PermissionDenied("You cannot change this event.")
    zone = event.zone
    initial = {
        "title": event.title,
        "kind": event.kind,
        "start": timezone.make_naive(event.start, zone).strftime("%Y-%m-%dT%H:%M"),
        "end": timezone.make_naive(event.end, zone).strftime("%Y-%m-%dT%H:%M") if event.end else "",
        "all_day": event.all_day,
        "time_zone": event.time_zone,
        "location": event.location,
        "description": event.description,
        "rrule": event.rrule,
        "tender": event.tender_id,
    }
    if event.all_day and event.end:  # the form shows the last day, the event stores the day after
        initial["end"] = timezone.make_naive(event.end - timedelta(days=1), zone).strftime("%Y-%m-%dT%H:%M")
    form = EventForm(
        request.POST or None, initial=initial, tenders=_tender_choices(request), company_label=None, editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(
                event=event, actor=request.user, company=request.company, data=form.service_data(), request=request
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Event saved.")
            return redirect("calendar_app:event-detail", pk=event.pk)
    return render(request, "calendar_app/event_form.html", {"form": form, "event": event})


@login_required
@require_GET
@maps_application_errors
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get_for(actor=request.user, company=request.company, pk=pk)
    now = timezone.now()
    upcoming = expand([event], now, now + timedelta(days=366))[:5] if event.rrule else []
    minutes = selectors.my_reminders(request.user, event)
    context = {
        "event": event,
        "can_write": selectors.can_write(request.user, event),
        "upcoming": upcoming,
        "reminders_form": RemindersForm(initial={"reminders": services.format_offsets(sorted(minutes, reverse=True))}),
        "source_url": _source_url(event),
        "deadline_kinds": [str(kind) for kind in DEADLINE_KINDS],
    }
    return render(request, "calendar_app/event_detail.html", context)


def _source_url(event: CalendarEvent) -> str:
    from calendar_app import links

    return links.source_of(event)


@login_required
@require_POST
@maps_application_errors
def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get_for(actor=request.user, company=request.company, pk=pk)
    services.event_cancel(event=event, actor=request.user, request=request)
    messages.success(request, "Event removed from the calendar.")
    return redirect("calendar_app:month")


@login_required
@require_POST
@maps_application_errors
def event_reminders(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get_for(actor=request.user, company=request.company, pk=pk)
    form = RemindersForm(request.POST)
    form.is_valid()
    try:
        services.reminders_set(event=event, actor=request.user, minutes=form.cleaned_data.get("reminders", ""))
    except ValidationFailed as exc:
        for errors in exc.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, "Your reminders were saved.")
    return redirect("calendar_app:event-detail", pk=event.pk)


@login_required
@require_GET
@maps_application_errors
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """One event as an .ics file (any event the person sees), to import into another calendar."""
    event = selectors.event_get_for(actor=request.user, company=request.company, pk=pk)
    body = feeds.build_calendar(
        [event],
        zone=feeds.user_zone(request.user),
        name=event.title,
        now=timezone.now(),
        alarms_for=request.user,
        method="PUBLISH",
    )
    response = HttpResponse(body, content_type=feeds.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{feeds.filename(event)}"'
    return response


# --- feed --------------------------------------------------------------------------------------------------
def feed_url(request: HttpRequest, feed: CalendarFeed) -> str:
    return request.build_absolute_uri(reverse("calendar_app:feed-ics", kwargs={"key": feed.key, "secret": feed.secret}))


@login_required
@require_GET
@maps_application_errors
def feed_page(request: HttpRequest) -> HttpResponse:
    feed = services.feed_get_or_create(user=request.user)
    url = feed_url(request, feed)
    webcal = "webcal://" + url.split("://", 1)[1]
    return render(request, "calendar_app/feed.html", {"feed": feed, "url": url, "webcal_url": webcal})


@login_required
@require_POST
@maps_application_errors
def feed_regenerate(request: HttpRequest) -> HttpResponse:
    services.feed_regenerate(user=request.user, request=request)
    messages.success(request, "A new feed address was made. Calendars subscribed to the old one no longer update.")
    return redirect("calendar_app:feed")


@never_cache
@require_GET
def feed_ics(request: HttpRequest, key: Any, secret: str) -> HttpResponse:
    """The private feed: whoever holds the URL reads the owner's calendar, so the secret decides.

    The row is found by its public key and the secret compared in constant time; any mismatch is
    a plain 404. The events are those the owner sees in every company they belong to.
    """
    feed = CalendarFeed.objects.select_related("user").filter(key=key).first()
    if feed is None or not hmac.compare_digest(feed.secret.encode(), secret.encode()) or not feed.user.is_active:
        raise Http404("No such calendar.")
    now = timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    user = feed.user
    body = feeds.build_calendar(
        selectors.feed_events_for(user, now=now),
        zone=feeds.user_zone(user),
        name="CotAi",
        now=now,
        alarms_for=user,
    )
    response = HttpResponse(body, content_type=feeds.CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="cotai.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


# --- company reminder settings -----------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
@maps_application_errors
def reminder_settings(request: HttpRequest) -> HttpResponse:
    company = request.company
    if company is None or not permissions.can(request.user, "company.view", company):
        raise NotFound("No company.")
    can_edit = permissions.can(request.user, "company.edit", company)
    submission, clarification = selectors.reminder_settings_for(company)
    form = ReminderSettingsForm(
        request.POST or None,
        initial={
            "submission_offsets": services.format_offsets(submission),
            "clarification_offsets": services.format_offsets(clarification),
        },
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only the company's owners and admins change its reminders.")
        if form.is_valid():
            try:
                services.reminder_settings_update(
                    company=company,
                    actor=request.user,
                    submission_offsets=form.cleaned_data["submission_offsets"],
                    clarification_offsets=form.cleaned_data["clarification_offsets"],
                    request=request,
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Reminder settings saved.")
                return redirect("calendar_app:reminder-settings")
    return render(
        request, "calendar_app/reminder_settings.html", {"form": form, "can_edit": can_edit, "company": company}
    )
