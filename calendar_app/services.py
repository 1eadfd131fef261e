"""Every change to the calendar made by people: own events, personal reminders, feeds, settings.

Derived events are not changed here (see calendar_app.derived, driven by domain events). Each
service checks the actor's rights, validates everything before writing (a refused input leaves
nothing behind), audits, and re-plans the reminders the change affects.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from calendar_app import recurrence, reminders, selectors
from calendar_app.choices import OWN_KINDS, RECURRING_KINDS, EventKind, EventStatus
from calendar_app.models import CalendarEvent, CalendarFeed, CompanyReminderSettings, UserReminder
from companies import permissions
from companies.models import Company
from cotai import audit
from cotai.exceptions import NotFound, PermissionDenied, ValidationFailed

MAX_REMINDERS = 5
MAX_OFFSET_MINUTES = 30 * 24 * 60  # a month
OWNER_USER = "user"
OWNER_COMPANY = "company"
# What an event's form or API body may carry.
EVENT_FIELDS = (
    "title",
    "description",
    "location",
    "kind",
    "start",
    "end",
    "all_day",
    "time_zone",
    "rrule",
    "tender",
    "quote",
)
DURATION = re.compile(r"^(\d+)\s*([dhm]?)$")
UNIT_MINUTES = {"d": 24 * 60, "h": 60, "m": 1, "": 1}


# --- validation --------------------------------------------------------------------------------------------
def _zone(name: str, errors: dict[str, list[str]]) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        errors.setdefault("time_zone", []).append(f"“{name}” is not a known time zone (e.g. America/Sao_Paulo).")
        return ZoneInfo("UTC")


def _aware(value: Any, field: str, errors: dict[str, list[str]], zone: ZoneInfo) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        parsed = parse_datetime(value)
        if parsed is None:
            errors.setdefault(field, []).append("Enter a date and time in ISO 8601, e.g. 2027-03-29T09:00:00+02:00.")
            return None
        value = parsed
    if not isinstance(value, datetime):
        errors.setdefault(field, []).append("Enter a date and time.")
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=zone)


def _midnight(moment: datetime, zone: ZoneInfo, *, ceil: bool = False) -> datetime:
    local = moment.astimezone(zone)
    day = local.date()
    if ceil and local.time() != time.min:
        day += timedelta(days=1)
    return datetime.combine(day, time.min, tzinfo=zone)


def clean_event(
    data: dict[str, Any], *, actor: Any, company: Company | None, instance: CalendarEvent | None = None
) -> dict[str, Any]:
    """Validated field values for an own event (``instance``: the event being edited, for defaults).

    Raises ValidationFailed with every field error at once. All-day events are stored from
    midnight of their first day to midnight after their last day, in their own time zone.
    """
    errors: dict[str, list[str]] = {}
    current = (
        {name: getattr(instance, name) for name in EVENT_FIELDS if name not in ("tender", "quote")} if instance else {}
    )
    if instance is not None:
        current["tender"] = instance.tender_id
        current["quote"] = instance.quote_id
    merged = {**current, **{key: value for key, value in data.items() if key in EVENT_FIELDS}}

    title = str(merged.get("title") or "").strip()
    if not title:
        errors.setdefault("title", []).append("Give the event a title.")
    elif len(title) > 200:
        errors.setdefault("title", []).append("Keep the title within 200 characters.")
    location = str(merged.get("location") or "").strip()
    if len(location) > 300:
        errors.setdefault("location", []).append("Keep the location within 300 characters.")
    kind = merged.get("kind") or EventKind.CUSTOM
    if kind not in OWN_KINDS:
        labels = ", ".join(str(EventKind(k).label).lower() for k in OWN_KINDS)
        errors.setdefault("kind", []).append(
            f"Your own events can be: {labels}. Deadlines come from tenders and quotes."
        )
    default_zone = getattr(actor, "time_zone", "") or "UTC"
    zone_name = str(merged.get("time_zone") or default_zone)
    zone = _zone(zone_name, errors)
    all_day = bool(merged.get("all_day"))
    start = _aware(merged.get("start"), "start", errors, zone)
    end = _aware(merged.get("end"), "end", errors, zone)
    if start is None and "start" not in errors:
        errors.setdefault("start", []).append("Enter when the event starts.")
    if start is not None and all_day:
        first = _midnight(start, zone)
        end = _midnight(end, zone, ceil=True) if end is not None else first + timedelta(days=1)
        if end <= first:  # the same day was given as start and end
            end = _midnight(first + timedelta(hours=36), zone)
        start = first
    if start is not None and end is not None and end < start:
        errors.setdefault("end", []).append("The event cannot end before it starts.")
    rrule = recurrence.normalize(str(merged.get("rrule") or ""))
    if rrule:
        if kind not in RECURRING_KINDS:
            errors.setdefault("rrule", []).append("Only custom events can repeat.")
        elif start is not None:
            try:
                recurrence.parse(rrule, start.astimezone(zone))
            except recurrence.InvalidRRule as exc:
                errors.setdefault("rrule", []).append(str(exc))
    tender_id = _link(merged.get("tender"), "tender", errors, actor=actor, company=company)
    quote_id = _link(merged.get("quote"), "quote", errors, actor=actor, company=company)
    if errors:
        raise ValidationFailed("The event was not saved; correct the fields below.", errors=errors)
    return {
        "title": title,
        "description": str(merged.get("description") or "").strip(),
        "location": location,
        "kind": kind,
        "start": start,
        "end": end,
        "all_day": all_day,
        "time_zone": zone_name,
        "rrule": rrule,
        "tender_id": tender_id,
        "quote_id": quote_id,
    }


def _link(value: Any, field: str, errors: dict[str, list[str]], *, actor: Any, company: Company | None) -> int | None:
    """A tender or quote the actor may see in ``company`` (its id), or None when not given."""
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    try:
        if field == "tender":
            from tenders.selectors import tender_get_for

            return tender_get_for(actor=actor, company=company, pk=pk).pk
        from quotes.selectors import quote_get_for

        return quote_get_for(actor=actor, company=company, pk=pk).pk
    except NotFound:
        errors.setdefault(field, []).append(f"No such {field} among those you can see.")
        return None


def parse_offsets(value: Any, field: str, errors: dict[str, list[str]]) -> list[int]:
    """Minutes before, from a list of numbers or text like "3d, 24h, 90m" (bare numbers are minutes).

    At most five, each between 1 minute and 30 days; duplicates collapse; largest first.
    """
    if value in (None, ""):
        return []
    items = value if isinstance(value, (list, tuple)) else [part for part in re.split(r"[,;\s]+", str(value)) if part]
    minutes: set[int] = set()
    for item in items:
        if isinstance(item, bool):
            errors.setdefault(field, []).append("Enter durations like 3d, 24h or 90m.")
            continue
        if isinstance(item, int):
            amount = item
        else:
            match = DURATION.match(str(item).strip().lower())
            if match is None:
                errors.setdefault(field, []).append(f"“{item}” is not a duration; write e.g. 3d, 24h or 90m.")
                continue
            amount = int(match.group(1)) * UNIT_MINUTES[match.group(2)]
        if not 1 <= amount <= MAX_OFFSET_MINUTES:
            errors.setdefault(field, []).append("Each reminder must be between 1 minute and 30 days before.")
            continue
        minutes.add(amount)
    if len(minutes) > MAX_REMINDERS:
        errors.setdefault(field, []).append(f"At most {MAX_REMINDERS} reminders.")
    return sorted(minutes, reverse=True)


def format_offsets(minutes: list[int]) -> str:
    """[4320, 1440, 90] -> "3d, 1d, 90m" (the text the forms show and accept)."""
    parts = []
    for value in minutes:
        if value % (24 * 60) == 0:
            parts.append(f"{value // (24 * 60)}d")
        elif value % 60 == 0:
            parts.append(f"{value // 60}h")
        else:
            parts.append(f"{value}m")
    return ", ".join(parts)


# --- own events --------------------------------------------------------------------------------------------
def event_create(
    *,
    actor: Any,
    company: Company | None,
    data: dict[str, Any],
    owner: str = OWNER_USER,
    request: HttpRequest | None = None,
) -> CalendarEvent:
    """Create an own event: personal (``owner="user"``, people only) or of ``company`` (its working roles).

    Side effects: audit ``calendar.event_created``; reminders planned for the creator if ``data``
    holds ``reminders`` (minutes before).
    """
    if owner == OWNER_COMPANY:
        if not selectors.can_write_company_events(actor, company):
            raise PermissionDenied("Your role in this company does not allow adding events to its calendar.")
    elif owner == OWNER_USER:
        if not selectors.is_person(actor):
            raise PermissionDenied("Personal events belong to people; an API key can add company events only.")
    else:
        raise ValidationFailed(errors={"owner": ["Choose “user” (only you) or “company” (your whole company)."]})
    values = clean_event(data, actor=actor, company=company)
    errors: dict[str, list[str]] = {}
    minutes = parse_offsets(data.get("reminders"), "reminders", errors) if "reminders" in data else []
    if errors:
        raise ValidationFailed("The event was not saved; correct the fields below.", errors=errors)
    with transaction.atomic():
        event = CalendarEvent.objects.create(
            owner_user_id=actor.pk if owner == OWNER_USER else None,
            owner_company=company if owner == OWNER_COMPANY else None,
            created_by_id=actor.pk if selectors.is_person(actor) else None,
            **values,
        )
        if minutes and selectors.is_person(actor):
            _set_reminders(event, actor, minutes)
        audit.record(
            action="calendar.event_created",
            actor=actor,
            company=company if owner == OWNER_COMPANY else None,
            obj=event,
            after=_audited(event),
            request=request,
        )
    return event


def event_update(
    *,
    event: CalendarEvent,
    actor: Any,
    company: Company | None,
    data: dict[str, Any],
    request: HttpRequest | None = None,
) -> CalendarEvent:
    """Change an own event; SEQUENCE + 1 so subscribed calendars take the change. Derived events refuse."""
    _require_write(event, actor)
    values = clean_event(data, actor=actor, company=company, instance=event)
    with transaction.atomic():
        locked = CalendarEvent.objects.select_for_update().get(pk=event.pk)
        before = _audited(locked)
        changes = {name: value for name, value in values.items() if getattr(locked, name) != value}
        if changes:
            CalendarEvent.objects.filter(pk=locked.pk).update(
                **changes, sequence=F("sequence") + 1, updated_at=timezone.now()
            )
            locked.refresh_from_db()
            reminders.plan_personal(locked)
            audit.record(
                action="calendar.event_updated",
                actor=actor,
                company=locked.owner_company_id,
                obj=locked,
                before=before,
                after=_audited(locked),
                request=request,
            )
    return locked


def event_cancel(*, event: CalendarEvent, actor: Any, request: HttpRequest | None = None) -> CalendarEvent:
    """Cancel (delete) an own event: it leaves the pages at once and is sent to subscribed calendars
    as STATUS:CANCELLED for a while. Pending reminders are skipped."""
    _require_write(event, actor)
    with transaction.atomic():
        now = timezone.now()
        changed = CalendarEvent.objects.filter(pk=event.pk, status=EventStatus.CONFIRMED).update(
            status=EventStatus.CANCELLED, cancelled_at=now, sequence=F("sequence") + 1, updated_at=now
        )
        if changed:
            reminders.skip_pending(CalendarEvent.objects.filter(pk=event.pk), reason="event cancelled")
            audit.record(
                action="calendar.event_cancelled",
                actor=actor,
                company=event.owner_company_id,
                obj=event,
                request=request,
            )
    event.refresh_from_db()
    return event


def _require_write(event: CalendarEvent, actor: Any) -> None:
    if event.derived:
        raise PermissionDenied("This event follows its tender or quote; change the tender or quote instead.")
    if not selectors.can_write(actor, event):
        raise PermissionDenied("You cannot change this event.")
    if event.status != EventStatus.CONFIRMED:
        raise PermissionDenied("This event was cancelled.")


def _audited(event: CalendarEvent) -> dict[str, Any]:
    return {
        "title": event.title,
        "kind": event.kind,
        "start": event.start.isoformat(),
        "end": event.end.isoformat() if event.end else None,
        "all_day": event.all_day,
        "rrule": event.rrule,
        "status": event.status,
    }


# --- personal reminders ------------------------------------------------------------------------------------
def reminders_set(*, event: CalendarEvent, actor: Any, minutes: Any) -> list[int]:
    """Replace the actor's own reminders on an event they can see (any event: own, company, derived).

    ``minutes``: a list of minutes or text like "1d, 2h". Returns the stored minutes, largest first.
    """
    if not selectors.is_person(actor):
        raise PermissionDenied("Reminders belong to people.")
    if not selectors.user_can_see(actor, event):
        raise NotFound("No such event.")
    errors: dict[str, list[str]] = {}
    wanted = parse_offsets(minutes, "reminders", errors)
    if errors:
        raise ValidationFailed("The reminders were not saved.", errors=errors)
    with transaction.atomic():
        _set_reminders(event, actor, wanted)
    return wanted


def _set_reminders(event: CalendarEvent, user: Any, wanted: list[int]) -> None:
    UserReminder.objects.filter(event=event, user_id=user.pk).exclude(minutes_before__in=wanted).delete()
    UserReminder.objects.bulk_create(
        [UserReminder(event=event, user_id=user.pk, minutes_before=value) for value in wanted], ignore_conflicts=True
    )
    for value in {*wanted, *_planned_minutes(event, user)}:
        reminders.plan_personal(event, only=(user.pk, value))


def _planned_minutes(event: CalendarEvent, user: Any) -> set[int]:
    from calendar_app.models import Reminder

    return set(Reminder.objects.pending().filter(event=event, user_id=user.pk).values_list("offset_minutes", flat=True))


# --- feeds -------------------------------------------------------------------------------------------------
def feed_get_or_create(*, user: Any) -> CalendarFeed:
    """The person's private feed (made on first use)."""
    if not selectors.is_person(user):
        raise PermissionDenied("Calendar feeds belong to people.")
    feed, _ = CalendarFeed.objects.get_or_create(user_id=user.pk)
    return feed


def feed_regenerate(*, user: Any, request: HttpRequest | None = None) -> CalendarFeed:
    """A new secret URL for the person's feed; the old one stops working at once. Audited."""
    if not selectors.is_person(user):
        raise PermissionDenied("Calendar feeds belong to people.")
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(user_id=user.pk)
        if not created:
            feed.rotate()
            feed.save()
        audit.record(action="calendar.feed_regenerated", actor=user, obj=feed, request=request)
    return feed


# --- company reminder settings -----------------------------------------------------------------------------
def reminder_settings_update(
    *,
    company: Company,
    actor: Any,
    submission_offsets: Any,
    clarification_offsets: Any,
    request: HttpRequest | None = None,
) -> CompanyReminderSettings:
    """Set when the company's people are reminded of tender deadlines (``company.edit``).

    Re-plans the reminders of every upcoming deadline the company takes part in. Audited.
    """
    permissions.require(actor, "company.edit", company)
    errors: dict[str, list[str]] = {}
    submission = parse_offsets(submission_offsets, "submission_offsets", errors)
    clarification = parse_offsets(clarification_offsets, "clarification_offsets", errors)
    if errors:
        raise ValidationFailed("The reminder settings were not saved.", errors=errors)
    with transaction.atomic():
        before = selectors.reminder_settings_for(company)
        row, _ = CompanyReminderSettings.objects.update_or_create(
            company=company,
            defaults={
                "submission_offsets": submission,
                "clarification_offsets": clarification,
                "updated_by_id": actor.pk if selectors.is_person(actor) else None,
            },
        )
        reminders.replan_company(company)
        audit.record(
            action="calendar.reminder_settings_changed",
            actor=actor,
            company=company,
            obj=row,
            before={"submission_offsets": before[0], "clarification_offsets": before[1]},
            after={"submission_offsets": submission, "clarification_offsets": clarification},
            request=request,
        )
    return row
