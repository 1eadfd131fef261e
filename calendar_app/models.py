"""Calendar data: events (own and derived), personal reminders, the reminder schedule, feeds.

Who sees an event is decided in ``calendar_app.selectors`` (never here, never in templates).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from calendar_app.choices import EventKind, EventStatus, ReminderState

DEFAULT_SUBMISSION_OFFSETS = [3 * 24 * 60, 24 * 60]  # 3 days and 24 hours before, in minutes
DEFAULT_CLARIFICATION_OFFSETS = [24 * 60]


class CalendarEventQuerySet(models.QuerySet["CalendarEvent"]):
    def confirmed(self) -> CalendarEventQuerySet:
        return self.filter(status=EventStatus.CONFIRMED)

    def overlapping(self, start, end) -> CalendarEventQuerySet:
        """Events that may have an occurrence in [start, end): single events overlapping it, and
        every repeating event that began before ``end`` (expanded in Python, see recurrence)."""
        single = Q(rrule="") & Q(start__lt=end) & (Q(end__gt=start) | Q(end__isnull=True, start__gte=start))
        repeating = ~Q(rrule="") & Q(start__lt=end)
        return self.filter(single | repeating)


class CalendarEvent(models.Model):
    """One calendar entry, owned by a company or by one person (exactly one of the two).

    ``derived`` events are made and kept up to date by the subscribers (``calendar_app.derived``)
    from a tender or a quote: one per (``source_key``, ``kind``), e.g. ("tender-42",
    "submission_deadline"); nobody edits them by hand. ``owner_company`` of a derived event is the
    tender's buyer (or the quote's supplier), but who *sees* it is computed from the tender.

    Times are aware and stored in UTC; ``time_zone`` is the zone the event lives in: a repeating
    event keeps its wall-clock time there across daylight-saving changes, and an all-day event is
    the day(s) from ``start`` (midnight there) to ``end`` (exclusive midnight). A zero-length
    event (a deadline) has ``end`` = None. ``sequence`` is the RFC 5545 SEQUENCE: raised on every
    change a subscribed calendar must pick up.
    """

    owner_company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_events"
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_events"
    )
    derived = models.BooleanField(default=False, editable=False)
    source_key = models.CharField(max_length=64, blank=True, editable=False, help_text="e.g. tender-42, quote-7.")
    tender = models.ForeignKey(
        "tenders.Tender", on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_events"
    )
    quote = models.ForeignKey(
        "quotes.Quote", on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_events"
    )
    kind = models.CharField(max_length=32, choices=EventKind.choices, default=EventKind.CUSTOM)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    location = models.CharField(max_length=300, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    all_day = models.BooleanField(default=False)
    time_zone = models.CharField(max_length=64, default="UTC")
    rrule = models.CharField(
        "recurrence rule", max_length=500, blank=True, help_text="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO."
    )
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.CONFIRMED)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CalendarEventQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_company__isnull=False, owner_user__isnull=True))
                | (Q(owner_company__isnull=True, owner_user__isnull=False)),
                name="calendar_event_one_owner",
            ),
            models.UniqueConstraint(
                fields=["source_key", "kind"], condition=Q(derived=True), name="calendar_event_one_per_source_kind"
            ),
            models.CheckConstraint(
                condition=Q(derived=False) | ~Q(source_key=""), name="calendar_event_derived_has_source"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="calendar_event_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["owner_company", "start"], name="calendar_ev_company_start"),
            models.Index(fields=["owner_user", "start"], name="calendar_ev_user_start"),
            models.Index(fields=["tender", "kind"], name="calendar_ev_tender_kind"),
            models.Index(fields=["start"], name="calendar_ev_start"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.start:%Y-%m-%d %H:%M} UTC)"

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_deadline(self) -> bool:
        from calendar_app.choices import DEADLINE_KINDS

        return self.kind in DEADLINE_KINDS

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone or "UTC")
        except (ValueError, KeyError):
            return ZoneInfo("UTC")

    @property
    def duration(self) -> timedelta:
        return (self.end - self.start) if self.end else timedelta(0)

    @property
    def uid(self) -> str:
        """Stable iCalendar UID: ``<kind>-<source>@cotai`` for derived events, ``event-<id>@cotai`` otherwise."""
        if self.derived:
            return f"{self.kind.replace('_', '-')}-{self.source_key}@cotai"
        return f"event-{self.pk}@cotai"


class UserReminder(models.Model):
    """A person's own reminder on an event they can see: ``minutes_before`` its start (each occurrence)."""

    event = models.ForeignKey(CalendarEvent, on_delete=models.CASCADE, related_name="user_reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_reminders")
    minutes_before = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["minutes_before", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user", "minutes_before"], name="calendar_user_reminder_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.minutes_before} min before {self.event}"


class CompanyReminderSettings(models.Model):
    """When a company's people are reminded of tender deadlines, in minutes before the deadline.

    Without a row the defaults apply: 3 days and 24 hours before the submission deadline, 24 hours
    before the clarification deadline. An empty list switches that reminder off.
    """

    company = models.OneToOneField(
        "companies.Company", on_delete=models.CASCADE, primary_key=True, related_name="calendar_reminder_settings"
    )
    submission_offsets = models.JSONField(default=list)
    clarification_offsets = models.JSONField(default=list)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "company reminder settings"
        verbose_name_plural = "company reminder settings"

    def __str__(self) -> str:
        return f"Reminder settings of {self.company}"


class ReminderQuerySet(models.QuerySet["Reminder"]):
    def pending(self) -> ReminderQuerySet:
        return self.filter(sent_at__isnull=True, skipped_at__isnull=True)

    def due(self, now) -> ReminderQuerySet:
        return self.pending().filter(due_at__lte=now)


class Reminder(models.Model):
    """One scheduled reminder: an event's occurrence, an offset, and a person or a company.

    ``due_at`` = occurrence start (UTC) - offset, computed in UTC so a daylight-saving change can
    never move it. The beat task claims a due row by setting ``sent_at`` with a conditional UPDATE
    in the same transaction that writes the domain event to the outbox, so a reminder is sent
    exactly once even if the task runs twice or dies half-way. Rows are never reused: a moved
    deadline is a new ``occurrence_start`` (a new row); the old pending row is skipped.
    A company row reaches the company's current members who may act on the deadline.
    """

    event = models.ForeignKey(CalendarEvent, on_delete=models.CASCADE, related_name="reminders")
    occurrence_start = models.DateTimeField()
    offset_minutes = models.PositiveIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)
    recipient_ids = models.JSONField(default=list, blank=True, help_text="Who it was sent to.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False, company__isnull=True)) | (Q(user__isnull=True, company__isnull=False)),
                name="calendar_reminder_one_recipient",
            ),
            models.UniqueConstraint(
                fields=["event", "occurrence_start", "offset_minutes", "user"],
                condition=Q(user__isnull=False),
                name="calendar_reminder_unique_user",
            ),
            models.UniqueConstraint(
                fields=["event", "occurrence_start", "offset_minutes", "company"],
                condition=Q(company__isnull=False),
                name="calendar_reminder_unique_company",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(sent_at__isnull=True, skipped_at__isnull=True), name="calendar_rem_due"
            ),
        ]

    def __str__(self) -> str:
        who = f"user {self.user_id}" if self.user_id else f"company {self.company_id}"
        return f"{self.offset_minutes} min before event {self.event_id} for {who}, due {self.due_at:%Y-%m-%d %H:%M} UTC"

    @property
    def state(self) -> ReminderState:
        if self.sent_at:
            return ReminderState.SENT
        if self.skipped_at:
            return ReminderState.SKIPPED
        return ReminderState.PENDING


def _feed_key() -> uuid.UUID:
    return uuid.uuid4()


def _feed_secret() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's private iCalendar feed URL: /calendar/feed/<key>/<secret>.ics.

    ``key`` finds the row; ``secret`` (256 random bits) is compared in constant time. Regenerating
    replaces both, so the old URL stops working at once. The secret is kept (not hashed) because
    the owner must be able to see the URL again to add it to another calendar app.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    key = models.UUIDField(default=_feed_key, unique=True, editable=False)
    secret = models.CharField(max_length=64, default=_feed_secret, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    def rotate(self) -> None:
        self.key = _feed_key()
        self.secret = _feed_secret()
        self.created_at = timezone.now()
        self.last_used_at = None
