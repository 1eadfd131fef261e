"""Events derived from tenders and quotes, kept in step with them by the subscribers.

Each derived event is keyed by (source, kind) — ("tender-42", "submission_deadline") — so
applying the same fact twice changes nothing (idempotent), and a later fact (an amendment) updates
the same row, raising its SEQUENCE so subscribed calendars move it. A cancelled tender or a
withdrawn quote marks its events cancelled (never deleted: feeds must carry STATUS:CANCELLED).
Every sync re-plans the reminders of the events it touched.

These functions read the tender or quote as it is now, not the event payload, so events relayed
out of order or twice still leave the calendar matching the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from calendar_app import reminders
from calendar_app.choices import EventKind, EventStatus
from calendar_app.models import CalendarEvent
from quotes.choices import QuoteStatus
from quotes.models import Quote
from tenders.choices import TenderStatus
from tenders.models import Tender

# Fields whose change is news to a subscribed calendar (SEQUENCE + 1).
TRACKED = ("title", "description", "location", "start", "end", "all_day", "time_zone", "status")


@dataclass(frozen=True)
class Spec:
    """What a derived event should look like now."""

    title: str
    start: datetime
    end: datetime | None = None
    all_day: bool = False
    description: str = ""
    location: str = ""


def tender_key(tender_id: int) -> str:
    return f"tender-{tender_id}"


def quote_key(quote_id: int) -> str:
    return f"quote-{quote_id}"


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _day(value: date) -> tuple[datetime, datetime]:
    """An all-day event on ``value``: midnight to midnight in the platform's zone."""
    start = datetime.combine(value, time.min, tzinfo=_zone())
    return start, datetime.combine(value + timedelta(days=1), time.min, tzinfo=_zone())


def tender_specs(tender: Tender) -> dict[str, Spec | None]:
    """The derived events a published tender has now (None: that deadline is not set)."""
    label = f"{tender.number} — {tender.title}"
    about = f"Tender {tender.number} “{tender.title}” of {tender.buyer.display_name}."
    specs: dict[str, Spec | None] = {}
    for kind, moment in (
        (EventKind.CLARIFICATION_DEADLINE, tender.clarification_deadline),
        (EventKind.SUBMISSION_DEADLINE, tender.submission_deadline),
        (EventKind.OPENING, tender.effective_opening_at),
    ):
        specs[kind] = Spec(title=f"{kind.label}: {label}", start=moment, description=about) if moment else None
    if tender.delivery_date:
        start, end = _day(tender.delivery_date)
        specs[EventKind.DELIVERY] = Spec(
            title=f"Delivery: {label}",
            start=start,
            end=end,
            all_day=True,
            description=about,
            location=tender.delivery_place,
        )
    else:
        specs[EventKind.DELIVERY] = None
    return specs


def upsert(
    *,
    source_key: str,
    kind: str,
    owner_company_id: int,
    spec: Spec,
    tender_id: int | None = None,
    quote_id: int | None = None,
) -> tuple[CalendarEvent, bool]:
    """Create or update the derived event (source_key, kind); returns (event, changed).

    Runs under the event row's lock; a concurrent first insert is caught by the unique constraint
    and turned into an update. An unchanged event is left alone (same SEQUENCE).
    """
    values: dict[str, Any] = {
        "title": spec.title[:200],
        "description": spec.description,
        "location": spec.location[:300],
        "start": spec.start,
        "end": spec.end,
        "all_day": spec.all_day,
        "time_zone": settings.TIME_ZONE,
        "status": EventStatus.CONFIRMED,
    }
    with transaction.atomic():
        event = CalendarEvent.objects.select_for_update().filter(derived=True, source_key=source_key, kind=kind).first()
        if event is None:
            try:
                with transaction.atomic():
                    event = CalendarEvent.objects.create(
                        derived=True,
                        source_key=source_key,
                        kind=kind,
                        owner_company_id=owner_company_id,
                        tender_id=tender_id,
                        quote_id=quote_id,
                        **values,
                    )
                return event, True
            except IntegrityError:  # created meanwhile by a concurrent delivery: update it instead
                event = CalendarEvent.objects.select_for_update().get(derived=True, source_key=source_key, kind=kind)
        changes = {name: value for name, value in values.items() if getattr(event, name) != value}
        if not changes:
            return event, False
        changes["cancelled_at"] = None
        CalendarEvent.objects.filter(pk=event.pk).update(
            **changes, sequence=F("sequence") + 1, updated_at=timezone.now()
        )
        event.refresh_from_db()
        return event, True


def cancel(events: QuerySet[CalendarEvent]) -> int:
    """Mark ``events`` cancelled (SEQUENCE + 1) and skip their pending reminders; returns how many changed."""
    now = timezone.now()
    ids = list(events.exclude(status=EventStatus.CANCELLED).values_list("pk", flat=True))
    if not ids:
        return 0
    CalendarEvent.objects.filter(pk__in=ids).update(
        status=EventStatus.CANCELLED, cancelled_at=now, sequence=F("sequence") + 1, updated_at=now
    )
    reminders.skip_pending(CalendarEvent.objects.filter(pk__in=ids), reason="event cancelled")
    return len(ids)


def sync_tender(tender_id: Any) -> list[CalendarEvent]:
    """Bring the events of a tender in line with it; returns its live derived events.

    Draft: nothing (suppliers must not learn of it; the buyer's calendar fills at publication).
    Cancelled: every derived event of the tender (its quotes' validity too) is cancelled.
    Otherwise: one event per deadline that is set; a deadline removed by an amendment is cancelled.
    """
    tender = Tender.objects.select_related("buyer").filter(pk=tender_id).first()
    if tender is None:
        return []
    if tender.status == TenderStatus.CANCELLED:
        cancel(CalendarEvent.objects.filter(derived=True, tender=tender))
        return []
    if tender.published_at is None:
        return []
    live = []
    key = tender_key(tender.pk)
    for kind, spec in tender_specs(tender).items():
        if spec is None:
            cancel(CalendarEvent.objects.filter(derived=True, source_key=key, kind=kind))
            continue
        event, _ = upsert(source_key=key, kind=kind, owner_company_id=tender.buyer_id, spec=spec, tender_id=tender.pk)
        live.append(event)
    reminders.plan_tender(tender, live)
    return live


def sync_quote(quote_id: Any) -> CalendarEvent | None:
    """The validity event of a submitted quote (all day on its validity date), owned by its supplier.

    A withdrawn quote, or one of a cancelled tender, has its event cancelled. Drafts have none.
    """
    quote = Quote.objects.select_related("tender", "tender__buyer", "supplier").filter(pk=quote_id).first()
    if quote is None:
        return None
    key = quote_key(quote.pk)
    existing = CalendarEvent.objects.filter(derived=True, source_key=key, kind=EventKind.QUOTE_VALIDITY)
    tender = quote.tender
    if quote.status == QuoteStatus.WITHDRAWN or tender.status == TenderStatus.CANCELLED or not quote.validity_date:
        cancel(existing)
        return None
    if quote.status == QuoteStatus.DRAFT:
        return None
    start, end = _day(quote.validity_date)
    spec = Spec(
        title=f"Quote validity: {tender.number} — {quote.supplier.display_name}",
        start=start,
        end=end,
        all_day=True,
        description=f"The quote of {quote.supplier.display_name} for tender {tender.number} “{tender.title}” "
        f"is binding until the end of this day.",
    )
    event, _ = upsert(
        source_key=key,
        kind=EventKind.QUOTE_VALIDITY,
        owner_company_id=quote.supplier_id,
        spec=spec,
        tender_id=tender.pk,
        quote_id=quote.pk,
    )
    return event
