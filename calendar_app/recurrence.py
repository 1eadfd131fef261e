"""Recurrence rules (RFC 5545 RRULE) with python-dateutil: validation and expansion in a window.

A repeating event repeats in its own time zone: a weekly 09:00 meeting in Europe/Berlin is at
09:00 Berlin time before and after the clocks change (so its UTC time moves by an hour). That is
why the rule is expanded from the start expressed in ``event.time_zone``, never from UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from calendar_app.models import CalendarEvent

ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
FREQ = re.compile(r"(?:^|;)FREQ=([A-Z]+)(?:;|$)")
# Guards against a rule that would flood a page or a feed (e.g. daily for ever in a decade-long window).
MAX_OCCURRENCES_PER_WINDOW = 500


class InvalidRRule(ValueError):
    """The message is meant for the person who typed the rule."""


def normalize(value: str) -> str:
    """The rule without a leading "RRULE:" and surrounding spaces, upper-cased."""
    text = (value or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    return text.strip().upper()


def parse(value: str, dtstart: datetime) -> rrule:
    """Parse an RRULE for an event starting at ``dtstart`` (aware, in the event's zone).

    Raises InvalidRRule with a readable message: malformed rules, DTSTART/EXDATE lines inside the
    rule, frequencies finer than daily, and UNTIL values that RFC 5545 forbids for a zoned start.
    """
    text = normalize(value)
    if not text:
        raise InvalidRRule("Enter a recurrence rule, e.g. FREQ=WEEKLY;BYDAY=MO.")
    if "\n" in text or ":" in text:
        raise InvalidRRule("Enter only the RRULE part, e.g. FREQ=MONTHLY;BYMONTHDAY=1 (no DTSTART or other lines).")
    frequency = FREQ.search(text)
    if frequency is None:
        raise InvalidRRule("A recurrence rule needs FREQ, e.g. FREQ=DAILY;COUNT=5.")
    if frequency.group(1) not in ALLOWED_FREQUENCIES:
        raise InvalidRRule("Events can repeat daily, weekly, monthly or yearly, not more often.")
    try:
        rule = rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        message = str(exc)
        if "UNTIL" in message:
            raise InvalidRRule("UNTIL must be a UTC time ending in Z, e.g. UNTIL=20271231T235959Z.") from exc
        raise InvalidRRule(f"This is not a valid RFC 5545 recurrence rule ({message}).") from exc
    if not isinstance(rule, rrule):  # rrulestr returns an rruleset for several rules
        raise InvalidRRule("Enter a single RRULE.")
    if rule.after(dtstart, inc=True) is None:
        raise InvalidRRule("This rule never produces an occurrence from the event's start.")
    return rule


@dataclass(frozen=True)
class Occurrence:
    """One happening of an event: its own start and end (aware; end None for a deadline)."""

    event: CalendarEvent
    start: datetime
    end: datetime | None

    @property
    def all_day(self) -> bool:
        return self.event.all_day

    def local_start(self, zone: ZoneInfo) -> datetime:
        return self.start.astimezone(zone)

    def day(self, zone: ZoneInfo) -> date:
        """The calendar day it belongs to: in the viewer's zone, or its own day when all-day."""
        if self.event.all_day:
            return self.start.astimezone(self.event.zone).date()
        return self.start.astimezone(zone).date()

    def days(self, zone: ZoneInfo) -> list[date]:
        """Every day it covers (multi-day events span several cells of the month grid)."""
        first = self.day(zone)
        if self.end is None:
            return [first]
        if self.event.all_day:
            last = (self.end.astimezone(self.event.zone) - timedelta(seconds=1)).date()
        else:
            last = (self.end.astimezone(zone) - timedelta(microseconds=1)).date()
        last = max(first, last)
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def occurrences(event: CalendarEvent, window_start: datetime, window_end: datetime) -> list[Occurrence]:
    """The occurrences of ``event`` that overlap [window_start, window_end), in order."""
    duration = event.duration
    if not event.rrule:
        end = event.end
        overlaps = event.start < window_end and (
            (end is not None and end > window_start) or (end is None and event.start >= window_start)
        )
        return [Occurrence(event, event.start, end)] if overlaps else []
    try:
        rule = parse(event.rrule, event.start.astimezone(event.zone))
    except InvalidRRule:
        # Rules are validated on save; a stored rule dateutil no longer accepts shows the first occurrence only.
        return occurrences(_single(event), window_start, window_end)
    found: list[Occurrence] = []
    earliest = window_start - duration if duration else window_start
    for start in rule.xafter(earliest, inc=True):
        if start >= window_end or len(found) >= MAX_OCCURRENCES_PER_WINDOW:
            break
        end = start + duration if event.end is not None else None
        if end is not None and end <= window_start and duration:
            continue
        found.append(Occurrence(event, _utc(start), _utc(end) if end else None))
    return found


def next_occurrence_after(event: CalendarEvent, moment: datetime) -> datetime | None:
    """The first occurrence start strictly after ``moment`` (None when the series has ended)."""
    if not event.rrule:
        return event.start if event.start > moment else None
    try:
        rule = parse(event.rrule, event.start.astimezone(event.zone))
    except InvalidRRule:
        return event.start if event.start > moment else None
    found = rule.after(moment.astimezone(event.zone), inc=False)
    return _utc(found) if found else None


def expand(events: Iterable[CalendarEvent], window_start: datetime, window_end: datetime) -> list[Occurrence]:
    """Every occurrence of ``events`` in the window, ordered by start (then title)."""
    found = [occ for event in events for occ in occurrences(event, window_start, window_end)]
    return sorted(found, key=lambda occ: (occ.start, occ.event.title, occ.event.pk or 0))


def _single(event: CalendarEvent) -> CalendarEvent:
    copy = CalendarEvent(**{f.attname: getattr(event, f.attname) for f in CalendarEvent._meta.concrete_fields})
    copy.rrule = ""
    return copy


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
