"""The calendar follows tenders and quotes: derived events and their reminders, kept in step.

Every handler re-reads the tender or quote and brings its events in line (idempotent: a repeated
or late event changes nothing that is already right). They run in the dispatcher's transaction,
so the events, their reminder rows and the delivery mark commit together.
"""

from __future__ import annotations

from calendar_app import derived
from cotai import events

TENDER_EVENTS = (
    "tender.published",
    "tender.amended",
    "tender.cancelled",
    "tender.closed",
    "tender.invitation_created",
    "tender.invitation_accepted",
    "tender.invitation_declined",
)
QUOTE_EVENTS = ("quote.submitted", "quote.withdrawn", "quote.confirmed")


@events.subscriber(*TENDER_EVENTS)
def sync_tender_events(event: events.DomainEvent) -> None:
    """Deadlines of a tender for its buyer and participants; moved by amendments, cancelled with it.

    An invitation adds the invited company's reminders; a decline removes them; closing the tender
    skips the reminders still pending (nobody can act on them any more).
    """
    tender_id = event.payload.get("tender_id")
    if tender_id is not None:
        derived.sync_tender(tender_id)


@events.subscriber(*QUOTE_EVENTS)
def sync_quote_events(event: events.DomainEvent) -> None:
    """A submitted quote's validity date (its supplier's calendar; the buyer's after the opening).

    A quoting supplier takes part in the tender from now on, so the tender's reminders are re-planned.
    """
    quote_id = event.payload.get("quote_id")
    if quote_id is not None:
        derived.sync_quote(quote_id)
    tender_id = event.payload.get("tender_id")
    if tender_id is not None:
        derived.sync_tender(tender_id)
