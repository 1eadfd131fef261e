"""Module-level subscribers and a task for the dispatcher tests (registered by fixtures only)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from celery import shared_task

from cotai import events
from cotai.context import get_correlation_id


@dataclass(frozen=True)
class Call:
    subscriber: str
    event_name: str
    event_id: str
    correlation_id: str | None


_lock = threading.Lock()
calls: list[Call] = []
# How many more times ``flaky`` raises before it succeeds.
flaky_failures_left = 0
task_correlation_ids: list[str | None] = []


def reset() -> None:
    global flaky_failures_left
    with _lock:
        calls.clear()
        task_correlation_ids.clear()
        flaky_failures_left = 0


def _record(subscriber: str, event: events.DomainEvent) -> None:
    with _lock:
        calls.append(Call(subscriber, event.name, str(event.id), get_correlation_id()))


def calls_of(subscriber: str) -> list[Call]:
    with _lock:
        return [call for call in calls if call.subscriber == subscriber]


def on_tender_published(event: events.DomainEvent) -> None:
    _record("on_tender_published", event)


def on_everything(event: events.DomainEvent) -> None:
    _record("on_everything", event)


def flaky(event: events.DomainEvent) -> None:
    """Writes a follow-up event, then fails while ``flaky_failures_left`` is positive."""
    global flaky_failures_left
    events.emit_on_commit("test.flaky_side_effect", source_event=str(event.id))
    with _lock:
        failing = flaky_failures_left > 0
        if failing:
            flaky_failures_left -= 1
    if failing:
        raise RuntimeError("the downstream service is unavailable")
    _record("flaky", event)


def always_fails(event: events.DomainEvent) -> None:
    raise RuntimeError("this subscriber is broken")


@shared_task(name="cotai.events.tests.handlers.record_correlation_id")
def record_correlation_id() -> None:
    with _lock:
        task_correlation_ids.append(get_correlation_id())
