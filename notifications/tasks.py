"""Celery tasks of notifications: thin and idempotent (claims and unique rows make repeats harmless)."""

from __future__ import annotations

from celery import shared_task
from notifications import delivery, digests, services


@shared_task(name="notifications.tasks.send_notification_deliveries", acks_late=True)
def send_notification_deliveries(ids: list[int]) -> dict[str, int]:
    """Attempt a chunk of notification deliveries (those not due or claimed elsewhere are skipped)."""
    return delivery.send_notification_deliveries(ids)


@shared_task(name="notifications.tasks.send_webhook_deliveries", acks_late=True)
def send_webhook_deliveries(ids: list[int]) -> dict[str, int]:
    return delivery.send_webhook_deliveries(ids)


@shared_task(name="notifications.tasks.deliver_due_notifications")
def deliver_due_notifications() -> int:
    """Beat, every minute: scheduled notifications whose time came, and ones quiet hours postponed."""
    return delivery.deliver_due()


@shared_task(name="notifications.tasks.retry_deliveries")
def retry_deliveries() -> dict[str, int]:
    """Beat, every minute: retries whose backoff is over, and deliveries a dead worker left claimed."""
    return delivery.retry_due()


@shared_task(name="notifications.tasks.send_digests")
def send_digests() -> dict[str, int]:
    """Beat, hourly: digests of people whose local time has reached their digest hour."""
    return digests.send_due_digests()


@shared_task(name="notifications.tasks.disable_failing_webhooks")
def disable_failing_webhooks() -> list[int]:
    """Beat, hourly: disable endpoints failing for NOTIFICATIONS_WEBHOOK_DISABLE_AFTER_DAYS and tell their admins."""
    return services.disable_failing_endpoints()
