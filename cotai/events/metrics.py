"""Prometheus counters of the event dispatcher (declared through ``cotai.metrics``)."""

from __future__ import annotations

from cotai import metrics

EVENTS_EMITTED = metrics.counter(
    "cotai_domain_events_emitted_total",
    "Domain events committed to the outbox, by event name.",
    ["event"],
)
RELAY_PUBLISH_FAILURES = metrics.counter(
    "cotai_domain_event_relay_publish_failures_total",
    "Relays that could not be handed to the broker after commit (left to the outbox sweep).",
    ["event"],
)
DELIVERIES = metrics.counter(
    "cotai_domain_event_deliveries_total",
    "Subscriber deliveries by subscriber and outcome (delivered, retrying, failed, duplicate, unknown).",
    ["subscriber", "outcome"],
)
