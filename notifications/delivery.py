"""The delivery engine: claim due deliveries, send them, record every attempt, retry with backoff.

Guarantees:

- A delivery is attempted only by the worker that claimed it (a conditional UPDATE setting a
  claim token and a lease), so two workers, or a task delivered twice, never send it together.
- A worker that dies mid-batch leaves claims that expire (``NOTIFICATIONS_CLAIM_SECONDS``); the
  retry sweep then hands those deliveries to another worker. Nothing is lost; an attempt whose
  outcome was not recorded may be repeated (at-least-once), and webhooks keep their message id
  so receivers can drop the repeat.
- A transient failure is retried after an exponential backoff with jitter, up to
  ``NOTIFICATIONS_MAX_ATTEMPTS`` (webhooks: ``NOTIFICATIONS_WEBHOOK_MAX_ATTEMPTS``); then the
  delivery is failed with its last error kept. Permanent failures are not retried.
- Every attempt is appended to the event store (kind "delivery") in the transaction that records
  it, and counted in Prometheus.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cotai.eventstore import get_event_store
from notifications.channels import Outcome, Result, get_backend
from notifications.channels.webhook import WebhookChannel
from notifications.choices import INTERRUPTING_CHANNELS, Channel, DeliveryStatus, Priority, WebhookDeliveryStatus
from notifications.metrics import DELIVERIES, WEBHOOK_LATENCY
from notifications.models import NotificationDelivery, NotificationSettings, WebhookDelivery, WebhookEndpoint
from notifications.rendering import Renderer
from notifications.schedule import backoff, quiet_until

log = structlog.get_logger("cotai.notifications")

TASK_CHUNK = 50
SWEEP_LIMIT = 5000
# Fresh deliveries are enqueued by the fan-out after commit; the sweep leaves them this long first.
FRESH_GRACE = timedelta(seconds=30)
MAX_ERROR_CHARS = 2000


def _lease() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATIONS_CLAIM_SECONDS)


# --- enqueueing -----------------------------------------------------------------------------------
def _chunks(ids: Sequence[int], size: int = TASK_CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def enqueue_notification_deliveries(ids: Sequence[int]) -> int:
    """One send task per chunk of delivery ids; a broker failure leaves them to the sweeps."""
    from notifications.tasks import send_notification_deliveries

    return _enqueue(send_notification_deliveries, ids)


def enqueue_webhook_deliveries(ids: Sequence[int]) -> int:
    from notifications.tasks import send_webhook_deliveries

    return _enqueue(send_webhook_deliveries, ids)


def _enqueue(task: Any, ids: Sequence[int]) -> int:
    sent = 0
    for chunk in _chunks(list(ids)):
        try:
            task.apply_async(args=[chunk], retry=False)
            sent += 1
        except Exception as exc:  # noqa: BLE001 - the rows stay due; the sweep enqueues them again
            log.warning("notifications.enqueue_failed", task=task.name, count=len(chunk), error=repr(exc))
    return sent


# --- notification deliveries --------------------------------------------------------------------
def _claim(model: type, ids: Sequence[int], now: datetime) -> uuid.UUID:
    token = uuid.uuid4()
    model.objects.due(now).filter(pk__in=list(ids)).update(claim_token=token, claimed_until=now + _lease())
    return token


def send_notification_deliveries(ids: Sequence[int], *, now: datetime | None = None) -> dict[str, int]:
    """Attempt the given deliveries that are due and unclaimed; returns counts by result.

    Deliveries of one channel share one backend instance (one SMTP session for a batch of emails).
    """
    now = now or timezone.now()
    token = _claim(NotificationDelivery, ids, now)
    rows = list(
        NotificationDelivery.objects.filter(claim_token=token, status=DeliveryStatus.QUEUED)
        .select_related("notification", "notification__recipient")
        .order_by("channel", "id")
    )
    counts: dict[str, int] = defaultdict(int)
    if not rows:
        return dict(counts)
    user_ids = {row.notification.recipient_id for row in rows}
    quiet = {s.user_id: s for s in NotificationSettings.objects.filter(user_id__in=user_ids)}
    renderer = Renderer()
    renderer.preload({row.notification.event_type for row in rows}, {row.channel for row in rows})
    by_channel: dict[str, list[NotificationDelivery]] = defaultdict(list)
    for row in rows:
        by_channel[row.channel].append(row)
    for channel, deliveries in by_channel.items():
        try:
            backend = get_backend(channel)
        except KeyError:
            for row in deliveries:
                _record(row, token, Outcome.skipped(f"The {channel} channel is not configured."), now=now)
                counts[Result.SKIPPED] += 1
            continue
        backend.open()
        try:
            for row in deliveries:
                result = _attempt(row, token, backend, renderer, quiet.get(row.notification.recipient_id))
                counts[result] += 1
        finally:
            backend.close()
    return dict(counts)


def _attempt(row: NotificationDelivery, token: uuid.UUID, backend: Any, renderer: Renderer, person: Any) -> str:
    notification = row.notification
    user = notification.recipient
    now = timezone.now()
    if not user.is_active:
        return _record(row, token, Outcome.skipped("The account is inactive."), now=now)
    urgent = notification.priority == Priority.URGENT or (notification.spec and notification.spec.mandatory)
    if row.channel in INTERRUPTING_CHANNELS and person is not None and not urgent:
        until = quiet_until(now, user.time_zone, person.quiet_hours_start, person.quiet_hours_end)
        if until is not None:
            # Not an attempt: the person asked for silence until then.
            NotificationDelivery.objects.filter(pk=row.pk, claim_token=token).update(
                next_attempt_at=until, claimed_until=None, claim_token=None
            )
            DELIVERIES.labels(channel=row.channel, status="postponed").inc()
            return "postponed"
    try:
        message = renderer.message(notification, row.channel, user)
        outcome = backend.send(message)
    except Exception as exc:
        log.exception("notifications.backend_error", delivery_id=row.pk, channel=row.channel)
        outcome = Outcome.retry(f"{type(exc).__name__}: {exc}")
    return _record(row, token, outcome, now=timezone.now())


def _record(row: NotificationDelivery, token: uuid.UUID, outcome: Outcome, *, now: datetime) -> str:
    """Store the outcome of one attempt (only if we still hold the claim) and log it."""
    attempt = row.attempts + 1
    updates: dict[str, Any] = {
        "claim_token": None,
        "claimed_until": None,
        "last_error": outcome.error[:MAX_ERROR_CHARS],
    }
    status = outcome.result
    if outcome.result == Result.SENT:
        updates.update(status=DeliveryStatus.SENT, sent_at=now, provider_message_id=outcome.provider_message_id[:255])
    elif outcome.result == Result.DELIVERED:
        updates.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    elif outcome.result == Result.SKIPPED:
        updates.update(status=DeliveryStatus.SKIPPED)
    elif outcome.result == Result.FAILED or attempt >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        updates.update(status=DeliveryStatus.FAILED, failed_at=now)
        status = Result.FAILED
    else:
        delay = backoff(
            attempt, base=settings.NOTIFICATIONS_RETRY_BASE_SECONDS, cap=settings.NOTIFICATIONS_RETRY_MAX_SECONDS
        )
        if outcome.retry_after:
            delay = max(delay, timedelta(seconds=outcome.retry_after))
        updates.update(next_attempt_at=now + delay)
    if outcome.result != Result.SKIPPED:
        updates["attempts"] = F("attempts") + 1
    with transaction.atomic():
        changed = NotificationDelivery.objects.filter(pk=row.pk, claim_token=token).update(**updates)
        if changed:
            _log_attempt(
                type=f"notification.{row.channel}",
                object_type="notification_delivery",
                object_id=row.pk,
                company_id=row.notification.company_id,
                actor_id=row.notification.recipient_id,
                data={
                    "notification_id": row.notification_id,
                    "event_type": row.notification.event_type,
                    "channel": row.channel,
                    "attempt": attempt if outcome.result != Result.SKIPPED else row.attempts,
                    "result": outcome.result,
                    "status": updates.get("status", DeliveryStatus.QUEUED),
                    "error": outcome.error[:500],
                    "provider_message_id": outcome.provider_message_id[:255],
                    "next_attempt_at": updates.get("next_attempt_at"),
                    "details": outcome.details[:10],
                },
            )
    if changed:
        DELIVERIES.labels(channel=row.channel, status=status).inc()
    return status


def _log_attempt(**fields: Any) -> None:
    try:
        get_event_store().append(kind="delivery", **fields)
    except Exception:
        log.warning("notifications.delivery_log_failed", exc_info=True, type=fields.get("type"))


# --- webhook deliveries ---------------------------------------------------------------------------
def send_webhook_deliveries(ids: Sequence[int], *, now: datetime | None = None) -> dict[str, int]:
    """Attempt the given webhook deliveries that are due and unclaimed; returns counts by result."""
    now = now or timezone.now()
    token = _claim(WebhookDelivery, ids, now)
    rows = list(
        WebhookDelivery.objects.filter(claim_token=token, status=WebhookDeliveryStatus.PENDING)
        .select_related("endpoint")
        .order_by("id")
    )
    channel = WebhookChannel()
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if not row.endpoint.is_active and not row.is_test:
            outcome = Outcome.failed("The endpoint is disabled.")
        else:
            try:
                outcome = channel.send_webhook(row)
            except Exception as exc:
                log.exception("notifications.webhook_error", delivery_id=row.pk)
                outcome = Outcome.retry(f"{type(exc).__name__}: {exc}")
        counts[_record_webhook(row, token, outcome, now=timezone.now())] += 1
    return dict(counts)


def _record_webhook(row: WebhookDelivery, token: uuid.UUID, outcome: Outcome, *, now: datetime) -> str:
    attempt = row.attempts + 1
    detail = outcome.details[0] if outcome.details else {}
    updates: dict[str, Any] = {
        "claim_token": None,
        "claimed_until": None,
        "attempts": F("attempts") + 1,
        "last_attempt_at": now,
        "last_error": outcome.error[:MAX_ERROR_CHARS],
        "response_status": detail.get("status"),
        "response_ms": detail.get("ms"),
        "response_body": (detail.get("body") or "")[:1000],
    }
    success = outcome.result == Result.SENT
    if success:
        status = WebhookDeliveryStatus.SUCCEEDED
        updates.update(status=status, delivered_at=now)
    elif outcome.result == Result.FAILED or attempt >= settings.NOTIFICATIONS_WEBHOOK_MAX_ATTEMPTS:
        status = WebhookDeliveryStatus.FAILED
        updates.update(status=status)
    else:
        status = "retry"
        updates.update(
            next_attempt_at=now
            + backoff(
                attempt,
                base=settings.NOTIFICATIONS_WEBHOOK_RETRY_BASE_SECONDS,
                cap=settings.NOTIFICATIONS_WEBHOOK_RETRY_MAX_SECONDS,
            )
        )
    with transaction.atomic():
        changed = WebhookDelivery.objects.filter(pk=row.pk, claim_token=token).update(**updates)
        if not changed:
            return status
        if not row.is_test:
            _update_endpoint_health(row.endpoint_id, success=success, error=outcome.error, now=now)
        _log_attempt(
            type="webhook.attempt",
            object_type="webhook_delivery",
            object_id=row.pk,
            company_id=row.endpoint.company_id,
            data={
                "endpoint_id": row.endpoint_id,
                "msg_id": row.msg_id,
                "event_type": row.event_type,
                "attempt": attempt,
                "result": outcome.result,
                "status": status,
                "response_status": detail.get("status"),
                "response_ms": detail.get("ms"),
                "error": outcome.error[:500],
                "next_attempt_at": updates.get("next_attempt_at"),
            },
        )
    DELIVERIES.labels(channel=Channel.WEBHOOK, status=status).inc()
    if detail.get("ms") is not None:
        WEBHOOK_LATENCY.labels(outcome="success" if success else "failure").observe(detail["ms"] / 1000)
    return status


def _update_endpoint_health(endpoint_id: int, *, success: bool, error: str, now: datetime) -> None:
    if success:
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(
            consecutive_failures=0, failing_since=None, last_success_at=now
        )
        return
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(
        consecutive_failures=F("consecutive_failures") + 1, last_failure_at=now, last_error=error[:500]
    )
    WebhookEndpoint.objects.filter(pk=endpoint_id, failing_since__isnull=True).update(failing_since=now)


# --- sweeps -----------------------------------------------------------------------------------------
def deliver_due(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> int:
    """Enqueue first attempts that are due: scheduled notifications, ones postponed by quiet hours,
    and fresh ones whose after-commit enqueue was lost. Returns how many were enqueued."""
    now = now or timezone.now()
    ids = list(
        NotificationDelivery.objects.due(now)
        .filter(attempts=0, created_at__lte=now - FRESH_GRACE)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    enqueue_notification_deliveries(ids)
    return len(ids)


def retry_due(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> dict[str, int]:
    """Enqueue retries whose time has come, and deliveries whose worker died (expired claims)."""
    now = now or timezone.now()
    retry_ids = list(
        NotificationDelivery.objects.due(now)
        .filter(Q(attempts__gt=0) | Q(claimed_until__isnull=False))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    webhook_ids = list(
        WebhookDelivery.objects.due(now)
        .filter(Q(attempts__gt=0) | Q(claimed_until__isnull=False) | Q(created_at__lte=now - FRESH_GRACE))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    enqueue_notification_deliveries(retry_ids)
    enqueue_webhook_deliveries(webhook_ids)
    return {"notifications": len(retry_ids), "webhooks": len(webhook_ids)}
