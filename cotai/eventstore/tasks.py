"""Periodic work of the event store (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import structlog
from celery import shared_task

from cotai.eventstore import get_event_store

log = structlog.get_logger("cotai.eventstore.tasks")


@shared_task(name="cotai.eventstore.tasks.expire_events")
def expire_events() -> int:
    """Delete events past their ``expires_at``; returns how many. Idempotent: a repeat finds nothing more.

    The relational backend depends on this hourly run; with MongoDB the TTL index already removes
    them and this only catches what its minute-by-minute sweep has not reached yet.
    """
    store = get_event_store()
    deleted = store.expire()
    log.info("eventstore.expired", backend=store.name, deleted=deleted)
    return deleted
