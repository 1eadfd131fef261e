"""Reminders: planning ``Reminder`` rows and sending the due ones exactly once.

Planning (called whenever an event or what it depends on changes) makes one row per
(event occurrence, offset, person or company); ``due_at`` = occurrence start - offset, computed in
UTC so a daylight-saving change cannot move it. A row that is still right is never touched, so
re-planning is idempotent; a row that is no longer right (the deadline moved, the company stopped
taking part, the person removed their reminder) is skipped with the reason, never deleted.

Sending (``send_due``, run by beat every minute): each due row is claimed with a conditional
UPDATE of ``sent_at`` and the domain event is written to the outbox in the same transaction. A
crash before the commit leaves the row unclaimed (the next run sends it); after the commit the
outbox relays the event. Running the task twice, or on two workers, sends once.

What is emitted:

- a company's deadline reminder: ``deadline.approaching`` with ``tender_id``, ``kind``
  (submission | clarification), ``at`` (the deadline, UTC), ``recipient_ids`` (the company's
  members who may act on it) and ``company_id`` = that company;
- a person's own reminder on a tender deadline: ``deadline.approaching`` with ``recipient_ids`` = [them];
- a person's own reminder on any other event: ``calendar.reminder`` with ``event_id``, ``title``,
  ``at`` and ``recipient_ids`` = [them].
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import structlog
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from calendar_app import recurrence, selectors
from calendar_app.choices import DEADLINE_EVENT_KIND, EventKind, EventStatus
from calendar_app.models import CalendarEvent, CompanyReminderSettings, Reminder, UserReminder
from cotai import events
from quotes.choices import QuoteStatus
from quotes.models import Quote
from tenders.choices import TenderStatus

log = structlog.get_logger("cotai.calendar")

SEND_BATCH = 500
RECONCILE_BATCH = 50
# The action a company member needs to be reminded of a deadline (companies.permissions).
REMINDED_ACTION = {EventKind.SUBMISSION_DEADLINE: "quote.submit", EventKind.CLARIFICATION_DEADLINE: "clarification.ask"}
COMPANY_REMINDER_KINDS = tuple(REMINDED_ACTION)
# Quote states that mean "already submitted" (before the deadline only submitted applies).
SUBMITTED_STATES = tuple(s for s in QuoteStatus.values if s not in (QuoteStatus.DRAFT, QuoteStatus.WITHDRAWN))

Key = tuple[datetime, int, int | None, int | None]  # occurrence_start, offset, user_id, company_id


def _key(row: Reminder) -> Key:
    return (row.occurrence_start, row.offset_minutes, row.user_id, row.company_id)


def skip_pending(events_qs: QuerySet[CalendarEvent], *, reason: str) -> int:
    now = timezone.now()
    return Reminder.objects.pending().filter(event__in=events_qs).update(skipped_at=now, skip_reason=reason[:200])


def _apply(event: CalendarEvent, desired: set[Key], *, scope: Q, now: datetime) -> None:
    """Make the pending rows of ``event`` within ``scope`` exactly ``desired``.

    Pending rows not desired are skipped; desired rows missing are created (already skipped when
    their time has passed, so nobody is reminded of something late and the plan is not retried);
    a desired row skipped earlier because it was no longer wanted comes back while it is in the future.
    """
    existing = {_key(row): row for row in Reminder.objects.filter(scope, event=event)}
    stale = [row.pk for key, row in existing.items() if key not in desired and row.state == "pending"]
    if stale:
        Reminder.objects.filter(pk__in=stale, sent_at__isnull=True).update(
            skipped_at=now, skip_reason="no longer planned"
        )
    revive = [
        row.pk
        for key, row in existing.items()
        if key in desired and row.skipped_at and row.skip_reason == "no longer planned" and row.due_at > now
    ]
    if revive:
        Reminder.objects.filter(pk__in=revive, sent_at__isnull=True).update(skipped_at=None, skip_reason="")
    new = []
    for key in desired - set(existing):
        occurrence_start, offset, user_id, company_id = key
        due_at = occurrence_start - timedelta(minutes=offset)
        late = due_at <= now
        new.append(
            Reminder(
                event=event,
                occurrence_start=occurrence_start,
                offset_minutes=offset,
                user_id=user_id,
                company_id=company_id,
                due_at=due_at,
                skipped_at=now if late else None,
                skip_reason="planned after its time" if late else "",
            )
        )
    if new:
        Reminder.objects.bulk_create(new, ignore_conflicts=True)


def plan_personal(event: CalendarEvent, *, only: tuple[int, int] | None = None, now: datetime | None = None) -> None:
    """Plan the personal reminders of ``event`` (or only the (user_id, minutes) one).

    A single event: one row per reminder at its start. A repeating one: a row for the next
    occurrence whose reminder time is still ahead (the next is planned when that one is sent).
    Pending rows for occurrences that are still right are kept.
    """
    now = now or timezone.now()
    scope = Q(user__isnull=False)
    reminders_qs = UserReminder.objects.filter(event=event)
    if only is not None:
        scope &= Q(user_id=only[0], offset_minutes=only[1])
        reminders_qs = reminders_qs.filter(user_id=only[0], minutes_before=only[1])
    desired: set[Key] = set()
    if event.status == EventStatus.CONFIRMED:
        pending = {
            (row.user_id, row.offset_minutes): row.occurrence_start
            for row in Reminder.objects.pending().filter(scope, event=event, occurrence_start__gt=now)
        }
        for user_id, minutes in reminders_qs.values_list("user_id", "minutes_before"):
            if not event.rrule:
                desired.add((event.start, minutes, user_id, None))
                continue
            kept = pending.get((user_id, minutes))
            if kept is not None and _is_occurrence(event, kept):
                desired.add((kept, minutes, user_id, None))
                continue
            upcoming = recurrence.next_occurrence_after(event, now + timedelta(minutes=minutes))
            if upcoming is not None:
                desired.add((upcoming, minutes, user_id, None))
    _apply(event, desired, scope=scope, now=now)


def _is_occurrence(event: CalendarEvent, moment: datetime) -> bool:
    return any(occ.start == moment for occ in recurrence.occurrences(event, moment, moment + timedelta(seconds=1)))


def plan_tender(tender: Any, tender_events: Iterable[CalendarEvent], *, now: datetime | None = None) -> None:
    """Plan the reminders of a tender's derived events: each participant company's deadline
    reminders (its settings, or the defaults) and the personal reminders people set on them."""
    now = now or timezone.now()
    tender_events = list(tender_events)
    companies = list(selectors.participant_companies(tender)) if tender.status == TenderStatus.PUBLISHED else []
    offsets = _offsets_of(companies)
    for event in tender_events:
        if event.kind in COMPANY_REMINDER_KINDS:
            desired: set[Key] = set()
            if event.status == EventStatus.CONFIRMED:
                index = 0 if event.kind == EventKind.SUBMISSION_DEADLINE else 1
                for company in companies:
                    for minutes in offsets[company.pk][index]:
                        desired.add((event.start, minutes, None, company.pk))
            _apply(event, desired, scope=Q(company__isnull=False), now=now)
        plan_personal(event, now=now)


def _offsets_of(companies: list[Any]) -> dict[int, tuple[list[int], list[int]]]:
    from calendar_app.models import DEFAULT_CLARIFICATION_OFFSETS, DEFAULT_SUBMISSION_OFFSETS

    result = {
        company.pk: (list(DEFAULT_SUBMISSION_OFFSETS), list(DEFAULT_CLARIFICATION_OFFSETS)) for company in companies
    }
    for row in CompanyReminderSettings.objects.filter(company_id__in=result):
        result[row.company_id] = (list(row.submission_offsets), list(row.clarification_offsets))
    return result


def replan_company(company: Any, *, now: datetime | None = None) -> int:
    """After a company changed its settings: re-plan the upcoming tender deadlines it takes part in."""
    now = now or timezone.now()
    upcoming = (
        CalendarEvent.objects.filter(
            derived=True, kind__in=COMPANY_REMINDER_KINDS, status=EventStatus.CONFIRMED, start__gt=now
        )
        .filter(selectors.supplier_participant_q(company))
        .select_related("tender")
    )
    by_tender: dict[int, list[CalendarEvent]] = defaultdict(list)
    tenders = {}
    for event in upcoming:
        by_tender[event.tender_id].append(event)
        tenders[event.tender_id] = event.tender
    for tender_id, tender_events in by_tender.items():
        plan_tender(tenders[tender_id], tender_events, now=now)
    return len(by_tender)


def reconcile(*, now: datetime | None = None) -> int:
    """Plan reminders for suppliers that started a quote on an open tender without any reminder row
    yet — starting a draft emits no domain event, so beat looks for them. Returns tenders re-planned."""
    now = now or timezone.now()
    planned = Reminder.objects.filter(
        event__derived=True,
        event__kind=EventKind.SUBMISSION_DEADLINE,
        event__tender_id=OuterRef("tender_id"),
        company_id=OuterRef("supplier_id"),
    )
    tender_ids = list(
        Quote.objects.filter(status=QuoteStatus.DRAFT, tender__status=TenderStatus.PUBLISHED)
        .filter(tender__submission_deadline__gt=now)
        .filter(Exists(CalendarEvent.objects.filter(derived=True, tender_id=OuterRef("tender_id"))))
        .exclude(Exists(planned))
        # A company that switched submission reminders off has no rows to plan: do not retry it every minute.
        .exclude(supplier__calendar_reminder_settings__submission_offsets=[])
        .order_by("tender_id")
        .values_list("tender_id", flat=True)
        .distinct()[:RECONCILE_BATCH]
    )
    for tender_id in tender_ids:
        tender_events = list(
            CalendarEvent.objects.filter(derived=True, tender_id=tender_id, status=EventStatus.CONFIRMED)
            .exclude(kind=EventKind.QUOTE_VALIDITY)
            .select_related("tender")
        )
        if tender_events:
            plan_tender(tender_events[0].tender, tender_events, now=now)
    return len(tender_ids)


# --- sending -----------------------------------------------------------------------------------------------
def send_due(*, now: datetime | None = None, batch_size: int = SEND_BATCH) -> dict[str, int]:
    """Send every reminder due at ``now``; returns counts. Idempotent, safe on several workers."""
    now = now or timezone.now()
    counts = {"sent": 0, "skipped": 0, "taken": 0, "replanned": 0}
    try:
        counts["replanned"] = reconcile(now=now)
    except Exception:  # planning late starters must never hold up due reminders
        log.exception("calendar.reconcile_failed")
    due = list(Reminder.objects.due(now).order_by("due_at", "id").values_list("pk", flat=True)[:batch_size])
    for pk in due:
        try:
            counts[send_one(pk, now=now)] += 1
        except Exception:  # one broken row must not block the others; it stays pending
            log.exception("calendar.reminder_failed", reminder_id=pk)
    return counts


def send_one(pk: int, *, now: datetime | None = None) -> str:
    """Claim reminder ``pk`` and emit its domain event, in one transaction: "sent", "skipped" or "taken"."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Reminder.objects.filter(pk=pk, sent_at__isnull=True, skipped_at__isnull=True).update(sent_at=now)
        if not claimed:  # another worker (or an earlier run) got it
            return "taken"
        reminder = Reminder.objects.select_related("event", "event__tender", "user", "company").get(pk=pk)
        reason = _why_not(reminder, now)
        recipients = [] if reason else _recipients(reminder)
        if not reason and not recipients:
            reason = "nobody to remind"
        if reason:
            Reminder.objects.filter(pk=pk).update(sent_at=None, skipped_at=now, skip_reason=reason)
            outcome = "skipped"
        else:
            Reminder.objects.filter(pk=pk).update(recipient_ids=recipients)
            _emit(reminder, recipients)
            outcome = "sent"
        if reminder.user_id and reminder.event.rrule:  # plan this reminder for the next occurrence
            plan_personal(reminder.event, only=(reminder.user_id, reminder.offset_minutes), now=now)
    log.info("calendar.reminder", reminder_id=pk, outcome=outcome, reason=reason or None)
    return outcome


def _why_not(reminder: Reminder, now: datetime) -> str:
    event = reminder.event
    if event.status != EventStatus.CONFIRMED:
        return "event cancelled"
    if reminder.occurrence_start <= now:
        return "the time passed before the reminder could be sent"
    later = Reminder.objects.filter(
        event=event,
        occurrence_start=reminder.occurrence_start,
        user_id=reminder.user_id,
        company_id=reminder.company_id,
        offset_minutes__lt=reminder.offset_minutes,
        due_at__lte=now,
        skipped_at__isnull=True,
    )
    if later.exists():  # sent late (beat was down): only the latest of the reminders due goes out
        return "superseded by a later reminder"
    if reminder.user_id is not None:
        if not selectors.user_can_see(reminder.user, event):
            return "the person no longer sees this event"
        if not UserReminder.objects.filter(
            event=event, user_id=reminder.user_id, minutes_before=reminder.offset_minutes
        ).exists():
            return "the person removed this reminder"
        return ""
    tender = event.tender
    if tender is None or tender.status != TenderStatus.PUBLISHED:
        return "the tender no longer takes quotes or questions"
    if not selectors.participant_companies(tender).filter(pk=reminder.company_id).exists():
        return "the company no longer takes part"
    if (
        event.kind == EventKind.SUBMISSION_DEADLINE
        and Quote.objects.filter(tender=tender, supplier_id=reminder.company_id, status__in=SUBMITTED_STATES).exists()
    ):
        return "the company already submitted its quote"
    return ""


def _recipients(reminder: Reminder) -> list[int]:
    if reminder.user_id is not None:
        return [reminder.user_id]
    return selectors.members_who_may(reminder.company, REMINDED_ACTION[reminder.event.kind])


def _emit(reminder: Reminder, recipients: list[int]) -> None:
    event = reminder.event
    common = {
        "recipient_ids": recipients,
        "at": reminder.occurrence_start,
        "event_id": event.pk,
        "reminder_id": reminder.pk,
        "minutes_before": reminder.offset_minutes,
    }
    if event.tender_id and event.kind in DEADLINE_EVENT_KIND:
        events.emit_on_commit(
            "deadline.approaching",
            company_id=reminder.company_id,
            tender_id=event.tender_id,
            kind=DEADLINE_EVENT_KIND[event.kind],
            **common,
        )
        return
    events.emit_on_commit(
        "calendar.reminder",
        company_id=event.owner_company_id if not event.owner_user_id else None,
        title=event.title,
        kind=event.kind,
        tender_id=event.tender_id,
        **common,
    )
