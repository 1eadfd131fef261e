"""Celery tasks of the event dispatcher: thin wrappers over ``cotai.events.dispatch``.

All are idempotent and run with ``acks_late`` (the project default), so a task delivered twice, or
again after its worker died, changes nothing the first run already did.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from cotai.events import dispatch

# Subscriber retries: full-jitter exponential backoff from 5 s, capped at 10 minutes; after the
# 8th retry (about 20 minutes of trying at most) the delivery is recorded as failed.
DELIVERY_RETRY_BACKOFF = 5
DELIVERY_RETRY_BACKOFF_MAX = 600
DELIVERY_MAX_RETRIES = 8


@shared_task(
    name="cotai.events.tasks.relay_event",
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def relay_event(event_id: str) -> int | None:
    """Fan one committed event out to its subscribers (a no-op if already done)."""
    return dispatch.relay(event_id)


@shared_task(
    bind=True,
    name="cotai.events.tasks.deliver_event",
    autoretry_for=(Exception,),
    retry_backoff=DELIVERY_RETRY_BACKOFF,
    retry_backoff_max=DELIVERY_RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=DELIVERY_MAX_RETRIES,
)
def deliver_event(self, event_id: str, subscriber: str) -> str:
    """Run one subscriber for one event; a subscriber error is recorded and retried with backoff."""
    retries = self.request.retries or 0
    # The longest this retry can wait (the jitter picks anything up to it); after it, the sweep
    # may consider the delivery lost.
    retry_in = timedelta(seconds=min(DELIVERY_RETRY_BACKOFF_MAX, DELIVERY_RETRY_BACKOFF * 2**retries))
    return dispatch.deliver(event_id, subscriber, final=retries >= self.max_retries, retry_in=retry_in)


@shared_task(name="cotai.events.tasks.relay_pending_events")
def relay_pending_events() -> dict[str, int]:
    """Beat, every 30 s: relay events the after-commit path missed and re-send lost deliveries."""
    return dispatch.sweep()


@shared_task(name="cotai.events.tasks.prune_outbox")
def prune_outbox() -> int:
    """Beat, hourly: delete relayed events older than EVENTS_OUTBOX_RETENTION_DAYS."""
    return dispatch.prune()
