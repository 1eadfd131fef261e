"""Relaying committed events to subscribers: fan-out, idempotent delivery, the sweep and the prune.

Guarantees (with the tasks in ``cotai.events.tasks``):

- An event whose transaction rolled back reaches nobody; a committed one reaches every
  subscriber that matched its name when it was relayed.
- Fan-out happens once: ``relayed_at`` is set by a conditional UPDATE, so the after-commit
  relay and the sweep racing on the same event create one set of deliveries.
- A subscriber succeeds at most once per event: its writes and the ``done`` mark of its
  ``Delivery`` commit together, under a row lock, so a task delivered twice finds it done.
- Nothing is lost: an event the broker never received is relayed by the sweep; a delivery
  whose task was lost is sent again by the sweep; a failing subscriber is retried with
  exponential backoff and then recorded as failed.
"""

from __future__ import annotations

import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cotai.context import reset_correlation_id, set_correlation_id
from cotai.events.core import registry
from cotai.events.metrics import DELIVERIES
from cotai.events.models import Delivery, DeliveryStatus, OutboxEvent

log = structlog.get_logger("cotai.events")

# The sweep leaves a fresh event to its after-commit relay for this long.
RELAY_GRACE = timedelta(seconds=10)
# A pending delivery is considered lost (not queued behind other work) this long after it was due.
DELIVERY_GRACE = timedelta(seconds=60)
# After the sweep re-sends a delivery, it waits this long before re-sending it again, so a long
# queue does not fill up with copies of the same delivery.
REDRIVE_INTERVAL = timedelta(minutes=5)
SWEEP_BATCH = 200
PRUNE_BATCH = 1000
MAX_ERROR_CHARS = 4000


class Outcome:
    DELIVERED = "delivered"
    RETRYING = "retrying"
    FAILED = "failed"
    DUPLICATE = "duplicate"
    UNKNOWN = "unknown"
    MISSING = "missing"


@contextmanager
def bound_correlation_id(correlation_id: str | None) -> Iterator[None]:
    """Run a block under the correlation id of the event it handles (logs, tasks, event store)."""
    if not correlation_id:
        yield
        return
    token = set_correlation_id(correlation_id)
    try:
        yield
    finally:
        reset_correlation_id(token)


def relay(event_id: uuid.UUID | str) -> int | None:
    """Fan one event out to its subscribers: one ``Delivery`` each, then one task each after commit.

    Returns how many deliveries were created, or None when the event is gone or another relay
    already claimed it (so running it twice is harmless).
    """
    event = OutboxEvent.objects.filter(pk=event_id).first()
    if event is None or event.relayed_at is not None:
        return None
    subscribers = [entry.name for entry in registry.matching(event.name)]
    now = timezone.now()
    with bound_correlation_id(event.correlation_id), transaction.atomic():
        claimed = OutboxEvent.objects.filter(pk=event.pk, relayed_at__isnull=True).update(
            relayed_at=now, relay_attempts=F("relay_attempts") + 1
        )
        if not claimed:  # the other relay won the race; it owns the fan-out
            return None
        Delivery.objects.bulk_create(
            [Delivery(event_id=event.pk, subscriber=name, next_attempt_at=now) for name in subscribers],
            ignore_conflicts=True,
        )
        transaction.on_commit(partial(enqueue_deliveries, event.pk, subscribers, event.correlation_id))
    log.info("domain_event.relayed", event_id=str(event.pk), event_name=event.name, subscribers=len(subscribers))
    return len(subscribers)


def enqueue_deliveries(event_id: uuid.UUID, subscribers: list[str], correlation_id: str | None = None) -> int:
    """Send one deliver task per subscriber; a failed send leaves the delivery to the sweep."""
    from cotai.events.tasks import deliver_event

    sent = 0
    with bound_correlation_id(correlation_id):
        for name in subscribers:
            try:
                deliver_event.apply_async(args=[str(event_id), name], retry=False)
                sent += 1
            except Exception as exc:  # noqa: BLE001 - the delivery row stays pending; the sweep re-sends it
                log.warning("domain_event.delivery_not_sent", event_id=str(event_id), subscriber=name, error=repr(exc))
    return sent


def deliver(event_id: uuid.UUID | str, subscriber: str, *, final: bool, retry_in: timedelta) -> str:
    """Run one subscriber for one event, at most once successfully.

    The handler runs inside a transaction holding the delivery row's lock, and the row is marked
    done in that same transaction: either both the handler's writes and ``done`` commit, or
    neither. If the handler raises, the attempt is recorded (``failed`` when ``final``, else
    pending until about ``retry_in`` from now) and the exception is re-raised for the task's retry.
    """
    delivery = Delivery.objects.select_related("event").filter(event_id=event_id, subscriber=subscriber).first()
    if delivery is None:  # pruned, or a task from another database
        log.warning("domain_event.delivery_missing", event_id=str(event_id), subscriber=subscriber)
        return Outcome.MISSING
    if delivery.status != DeliveryStatus.PENDING:
        DELIVERIES.labels(subscriber=subscriber, outcome=Outcome.DUPLICATE).inc()
        return Outcome.DUPLICATE
    entry = registry.get(subscriber)
    if entry is None:
        # Renamed or removed in a deploy: retrying cannot help, so it is recorded, not retried.
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED, last_error=f"No subscriber named {subscriber} in this process."
        )
        DELIVERIES.labels(subscriber=subscriber, outcome=Outcome.UNKNOWN).inc()
        log.error("domain_event.unknown_subscriber", event_id=str(event_id), subscriber=subscriber)
        return Outcome.UNKNOWN

    event = delivery.event.to_domain_event()
    with bound_correlation_id(event.correlation_id):
        try:
            with transaction.atomic():
                locked = (
                    Delivery.objects.select_for_update()
                    .filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
                    .values_list("pk", flat=True)
                    .first()
                )
                if locked is None:  # a concurrent copy of this task got there first
                    DELIVERIES.labels(subscriber=subscriber, outcome=Outcome.DUPLICATE).inc()
                    return Outcome.DUPLICATE
                entry.handler(event)
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=DeliveryStatus.DONE,
                    attempts=F("attempts") + 1,
                    delivered_at=timezone.now(),
                    last_error="",
                )
        except Exception as exc:
            _record_failure(delivery, exc, final=final, retry_in=retry_in)
            raise
    DELIVERIES.labels(subscriber=subscriber, outcome=Outcome.DELIVERED).inc()
    return Outcome.DELIVERED


def _record_failure(delivery: Delivery, exc: BaseException, *, final: bool, retry_in: timedelta) -> None:
    error = "".join(traceback.format_exception(exc))[-MAX_ERROR_CHARS:]
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING,
        attempts=F("attempts") + 1,
        last_error=error,
        next_attempt_at=timezone.now() + retry_in,
    )
    outcome = Outcome.FAILED if final else Outcome.RETRYING
    DELIVERIES.labels(subscriber=delivery.subscriber, outcome=outcome).inc()
    (log.error if final else log.warning)(
        "domain_event.delivery_failed",
        event_id=str(delivery.event_id),
        event_name=delivery.event.name,
        subscriber=delivery.subscriber,
        attempt=delivery.attempts + 1,
        final=final,
        error=repr(exc),
    )


def sweep(*, batch_size: int = SWEEP_BATCH) -> dict[str, int]:
    """Relay every event still pending after ``RELAY_GRACE`` and re-send deliveries that look lost.

    Idempotent and safe to run beside the after-commit relays and another sweep: relaying is
    claimed per event, and deliveries are idempotent. Works in batches, oldest first.
    """
    now = timezone.now()
    return {"relayed": _relay_pending(now, batch_size), "resent": _resend_pending_deliveries(now, batch_size)}


def _relay_pending(now: datetime, batch_size: int) -> int:
    relayed = 0
    pending = OutboxEvent.objects.pending().filter(created_at__lte=now - RELAY_GRACE).order_by("created_at", "id")
    after: tuple | None = None
    while True:
        page = pending
        if after is not None:  # keyset pagination: an event that fails to relay is not picked twice
            page = page.filter(Q(created_at__gt=after[0]) | Q(created_at=after[0], id__gt=after[1]))
        batch = list(page.values_list("created_at", "id")[:batch_size])
        for _, event_id in batch:
            try:
                if relay(event_id) is not None:
                    relayed += 1
            except Exception:
                log.exception("domain_event.relay_failed", event_id=str(event_id))
        if len(batch) < batch_size:
            return relayed
        after = batch[-1]


def _resend_pending_deliveries(now: datetime, batch_size: int) -> int:
    resent = 0
    due = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - DELIVERY_GRACE)
    while True:
        batch = list(
            due.order_by("next_attempt_at", "id").values_list("id", "event_id", "subscriber", "event__correlation_id")[
                :batch_size
            ]
        )
        if not batch:
            return resent
        # Pushed forward first, so each pass takes a new batch and the loop ends.
        Delivery.objects.filter(pk__in=[row[0] for row in batch]).update(next_attempt_at=now + REDRIVE_INTERVAL)
        for _, event_id, subscriber, correlation_id in batch:
            resent += enqueue_deliveries(event_id, [subscriber], correlation_id)
        if len(batch) < batch_size:
            return resent


def prune(*, retention_days: int | None = None, batch_size: int = PRUNE_BATCH) -> int:
    """Delete events relayed more than ``retention_days`` ago (default EVENTS_OUTBOX_RETENTION_DAYS)
    with their deliveries. Pending events and events with a delivery still pending are kept."""
    days = settings.EVENTS_OUTBOX_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = timezone.now() - timedelta(days=days)
    old = OutboxEvent.objects.filter(relayed_at__lt=cutoff).exclude(deliveries__status=DeliveryStatus.PENDING)
    deleted = 0
    while True:
        ids = list(old.values_list("id", flat=True)[:batch_size])
        if not ids:
            return deleted
        with transaction.atomic():
            Delivery.objects.filter(event_id__in=ids).delete()
            OutboxEvent.objects.filter(id__in=ids).delete()
        deleted += len(ids)
        if len(ids) < batch_size:
            return deleted
