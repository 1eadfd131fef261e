"""Built-in subscribers of the platform."""

from __future__ import annotations

from cotai.events.core import ALL_EVENTS, DomainEvent, subscriber
from cotai.eventstore import get_event_store


@subscriber(ALL_EVENTS)
def record_in_event_store(event: DomainEvent) -> None:
    """Append every domain event to the event store (kind "domain"), with the time it happened.

    With the relational store the append commits together with the delivery, so it is written
    exactly once; with MongoDB a crash between the two can repeat it, and ``domain_event_id`` in
    its data tells the copies apart.
    """
    get_event_store().append(
        kind="domain",
        type=event.name,
        company_id=event.company_id,
        actor_id=event.actor_id,
        object_type=event.object_type,
        object_id=event.object_id,
        data={**event.payload, "domain_event_id": str(event.id)},
        correlation_id=event.correlation_id or None,
        occurred_at=event.occurred_at,
    )
