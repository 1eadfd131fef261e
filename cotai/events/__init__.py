"""Domain events: how one domain tells the others that something happened, after commit.

Emit from a service, inside its transaction::

    from cotai import events

    events.emit_on_commit("tender.published", tender_id=tender.pk, company_id=tender.buyer_id, actor_id=actor.pk)

Subscribe in an app's ``subscribers.py`` (imported at startup)::

    @events.subscriber("tender.published", "tender.amended")
    def notify_invited_suppliers(event: events.DomainEvent) -> None: ...

The event is written to a transactional outbox (``cotai.events.models``) and relayed to each
subscriber in Celery tasks (``cotai.events.dispatch``). This package imports no models at import
time, so it can be imported while Django loads its apps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cotai.events.core import ALL_EVENTS, DomainEvent, registry, subscriber

if TYPE_CHECKING:
    from cotai.events.models import OutboxEvent

__all__ = ("ALL_EVENTS", "DomainEvent", "emit_on_commit", "registry", "subscriber")


def emit_on_commit(
    name: str,
    /,
    *,
    company_id: int | None = None,
    actor_id: int | None = None,
    **payload: Any,
) -> OutboxEvent:
    """Record the domain event ``name`` in the current transaction; it is relayed after commit.

    ``payload``: ids and small facts, JSON-serializable. See ``cotai.events.outbox.emit_on_commit``.
    """
    from cotai.events.outbox import emit_on_commit as emit

    return emit(name, company_id=company_id, actor_id=actor_id, **payload)
