"""iCalendar (RFC 5545) documents: a person's private feed and single-event downloads (icalendar).

What subscribed calendars (Google Calendar, Outlook, Apple Calendar) rely on:

- stable UIDs (``submission-deadline-tender-42@cotai``, ``event-7@cotai``) so an update replaces
  the copy they hold, and a SEQUENCE raised on every change so they accept it;
- times with a TZID and its VTIMEZONE: single events in the person's own zone; repeating events
  in their own zone, so the RRULE expands at the same wall-clock time across daylight saving;
  all-day events as dates (VALUE=DATE, DTEND exclusive); deadlines as zero-length events;
- cancelled events kept for a while with STATUS:CANCELLED, so calendars remove them;
- the person's own reminders as VALARMs (calendars that honour alarms in feeds show them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from calendar_app import links
from calendar_app.choices import EventKind, EventStatus
from calendar_app.models import CalendarEvent, UserReminder

PRODID = "-//CotAi//Calendar//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# How often subscribed calendars should come back (they may poll less often; Google does).
REFRESH = timedelta(hours=1)


def user_zone(user) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def build_calendar(
    events: Iterable[CalendarEvent], *, zone: ZoneInfo, name: str, now: datetime, alarms_for=None, method: str = ""
) -> bytes:
    """The VCALENDAR holding ``events``; ``alarms_for``: the person whose reminders become VALARMs."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", str(zone.key))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH)
    events = list(events)
    alarms: dict[int, list[int]] = defaultdict(list)
    if alarms_for is not None and events:
        for event_id, minutes in UserReminder.objects.filter(
            user_id=alarms_for.pk, event_id__in=[e.pk for e in events]
        ).values_list("event_id", "minutes_before"):
            alarms[event_id].append(minutes)
    for event in events:
        cal.add_component(vevent(event, zone=zone, now=now, alarms=alarms.get(event.pk, [])))
    cal.add_missing_timezones()
    return cal.to_ical()


def vevent(event: CalendarEvent, *, zone: ZoneInfo, now: datetime, alarms: list[int] | None = None) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", event.uid)
    item.add("dtstamp", now.astimezone(UTC))
    item.add("created", event.created_at.astimezone(UTC))
    item.add("last-modified", event.updated_at.astimezone(UTC))
    item.add("sequence", event.sequence)
    item.add("summary", event.title)
    if event.all_day:
        own = event.zone
        item.add("dtstart", event.start.astimezone(own).date())
        end = event.end or event.start + timedelta(days=1)
        item.add("dtend", end.astimezone(own).date())
        item.add("transp", "TRANSPARENT")
    else:
        shown = event.zone if event.rrule else zone
        item.add("dtstart", event.start.astimezone(shown))
        if event.end and event.end > event.start:
            item.add("dtend", event.end.astimezone(shown))
        if event.end is None:  # a deadline takes no time in anyone's calendar
            item.add("transp", "TRANSPARENT")
    if event.rrule:
        item.add("rrule", icalendar.vRecur.from_ical(event.rrule))
    description = event.description
    url = links.absolute(links.source_of(event))
    if url:
        item.add("url", url)
        description = f"{description}\n\n{url}".strip()
    if description:
        item.add("description", description)
    if event.location:
        item.add("location", event.location)
    item.add("categories", [EventKind(event.kind).label])
    item.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    item.add("class", "PRIVATE")
    if event.status == EventStatus.CONFIRMED:
        for minutes in sorted(alarms or [], reverse=True):
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", event.title)
            alarm.add("trigger", timedelta(minutes=-minutes))
            item.add_component(alarm)
    return item


def filename(event: CalendarEvent) -> str:
    return f"{event.uid.split('@')[0]}.ics"
