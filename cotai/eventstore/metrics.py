"""Prometheus counters of the event store, exported by django-prometheus at /metrics."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import Counter

EVENTS_APPENDED = Counter(
    "cotai_eventstore_events_appended_total",
    "Events written to the event store, by kind.",
    ["kind"],
)
APPEND_FAILURES = Counter(
    "cotai_eventstore_append_failures_total",
    "Events that could not be written after their transaction committed (logged in full instead), by kind.",
    ["kind"],
)
API_USAGE_DROPPED = Counter(
    "cotai_api_usage_dropped_total",
    "API usage entries dropped because the in-memory buffer was full (the event store was down or slow).",
)


def count_appended(kinds: Iterable[str]) -> None:
    for kind, number in Tally(kinds).items():
        EVENTS_APPENDED.labels(kind=kind).inc(number)
