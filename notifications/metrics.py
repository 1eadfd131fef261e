"""Prometheus metrics of notifications, exported at /metrics with the rest of CotAi."""

from __future__ import annotations

import threading

from prometheus_client import REGISTRY, Histogram

from cotai import metrics

NOTIFICATIONS_CREATED = metrics.counter(
    "cotai_notifications_created_total", "Notifications created, by notification type.", ["type"]
)
DELIVERIES = metrics.counter(
    "cotai_notification_deliveries_total",
    "Delivery attempts of notifications and webhooks, by channel and resulting status "
    "(sent, delivered, retry, failed, skipped, postponed).",
    ["channel", "status"],
)
DIGESTS_SENT = metrics.counter(
    "cotai_notification_digests_sent_total", "Digest emails sent, by frequency.", ["frequency"]
)

_lock = threading.Lock()


def _histogram(name: str, documentation: str, labelnames: tuple[str, ...], buckets: tuple[float, ...]) -> Histogram:
    """A histogram registered once per process (a module imported twice gets the first one back)."""
    with _lock:
        existing = getattr(REGISTRY, "_names_to_collectors", {}).get(name)
        if isinstance(existing, Histogram):
            return existing
        return Histogram(name, documentation, labelnames, buckets=buckets)


WEBHOOK_LATENCY = _histogram(
    "cotai_webhook_delivery_seconds",
    "Time from request to answer of webhook attempts, by outcome (success, failure).",
    ("outcome",),
    (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
