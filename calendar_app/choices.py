"""Enumerations of the calendar."""

from __future__ import annotations

from django.db import models


class EventKind(models.TextChoices):
    """What an event is. The first five are also derived from tenders and quotes by themselves."""

    CLARIFICATION_DEADLINE = "clarification_deadline", "Clarification deadline"
    SUBMISSION_DEADLINE = "submission_deadline", "Submission deadline"
    OPENING = "opening", "Opening"
    QUOTE_VALIDITY = "quote_validity", "Quote validity"
    DELIVERY = "delivery", "Delivery"
    MEETING = "meeting", "Meeting"
    SITE_VISIT = "site_visit", "Site visit"
    CUSTOM = "custom", "Custom"


# Kinds that are deadlines: coloured as such and listed by the "next deadlines" partial.
DEADLINE_KINDS = (
    EventKind.CLARIFICATION_DEADLINE,
    EventKind.SUBMISSION_DEADLINE,
    EventKind.OPENING,
    EventKind.QUOTE_VALIDITY,
    EventKind.DELIVERY,
)
# Kinds derived from a tender (one event of each per tender at most).
TENDER_KINDS = (
    EventKind.CLARIFICATION_DEADLINE,
    EventKind.SUBMISSION_DEADLINE,
    EventKind.OPENING,
    EventKind.DELIVERY,
)
# Kinds people may give their own events. Deadlines belong to tenders and quotes, not to forms.
OWN_KINDS = (EventKind.MEETING, EventKind.SITE_VISIT, EventKind.CUSTOM)
OWN_KIND_CHOICES = [(kind.value, kind.label) for kind in OWN_KINDS]
# Only custom events repeat (a meeting series is a custom event with an RRULE).
RECURRING_KINDS = (EventKind.CUSTOM,)

# How the notifications domain names a deadline in ``deadline.approaching`` (its payload "kind").
DEADLINE_EVENT_KIND = {
    EventKind.SUBMISSION_DEADLINE: "submission",
    EventKind.CLARIFICATION_DEADLINE: "clarification",
    EventKind.OPENING: "opening",
}


class EventStatus(models.TextChoices):
    """``cancelled`` events vanish from the pages and stay in feeds (STATUS:CANCELLED) for a while,
    so subscribed calendars remove them instead of keeping a stale copy."""

    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"


class ReminderState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
