"""The model-free core of domain events: the event value, subscribers and their registry.

Subscribers: who reacts to which domain event, registered by a stable name.

A subscriber is a module-level function ``handler(event: DomainEvent) -> None`` decorated with
``@events.subscriber("tender.published", ...)`` (or ``"*"`` for every event) in an app's
``subscribers.py``; the events app imports every installed app's ``subscribers.py`` when Django
starts, so web processes, workers and beat all know the same subscribers. The registered name is
``module.qualname``: it is stored in the outbox's delivery rows and travels in task arguments,
so renaming or moving a subscriber is a change of identity (deliveries pending under the old
name are recorded as failed, not lost silently).

This module imports no models, so ``cotai.events`` can be imported while apps are loading.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ALL_EVENTS = "*"
# "tender.published", "quote.submitted", "deadline.approaching": lower-case dotted words.
EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


def validate_event_name(name: str) -> str:
    if not isinstance(name, str) or not EVENT_NAME.match(name):
        raise ValueError(f"Invalid domain event name {name!r}: use lower-case dotted words like 'tender.published'.")
    return name


@dataclass(frozen=True)
class DomainEvent:
    """What a subscriber receives: one committed fact, read back from the outbox.

    ``payload`` holds ids and small facts only, already JSON-shaped (decimals, times and UUIDs
    are strings). A subscriber loads whatever else it needs, under its own rules.
    """

    id: uuid.UUID
    name: str
    payload: Mapping[str, Any]
    company_id: int | None
    actor_id: int | None
    correlation_id: str
    occurred_at: datetime

    @property
    def object_type(self) -> str:
        """The kind of object the event is about: the first word of its name ("tender")."""
        return self.name.partition(".")[0]

    @property
    def object_id(self) -> str | None:
        """The id of that object, read from the payload key ``<object_type>_id`` when present."""
        value = self.payload.get(f"{self.object_type}_id")
        return None if value is None else str(value)


Handler = Callable[[DomainEvent], None]


@dataclass(frozen=True)
class Subscriber:
    name: str
    handler: Handler
    events: frozenset[str]

    def matches(self, event_name: str) -> bool:
        return ALL_EVENTS in self.events or event_name in self.events


def subscriber_name(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


class SubscriberRegistry:
    """The subscribers known to this process, by name. Registering the same name again replaces it
    (a module imported twice must not deliver twice)."""

    def __init__(self) -> None:
        self._subscribers: dict[str, Subscriber] = {}
        self._lock = threading.Lock()

    def register(self, handler: Handler, events: tuple[str, ...] | list[str]) -> Subscriber:
        if not events:
            raise ValueError("A subscriber must name at least one event, or '*' for all of them.")
        for name in events:
            if name != ALL_EVENTS:
                validate_event_name(name)
        name = subscriber_name(handler)
        if "<locals>" in name or "<lambda>" in name:
            # A nested function or lambda has no name another process can resolve.
            raise ValueError(f"Subscriber {name} must be a module-level function.")
        entry = Subscriber(name=name, handler=handler, events=frozenset(events))
        with self._lock:
            self._subscribers[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        with self._lock:
            self._subscribers.pop(name, None)

    def get(self, name: str) -> Subscriber | None:
        return self._subscribers.get(name)

    def matching(self, event_name: str) -> list[Subscriber]:
        """Subscribers of ``event_name``, in a stable (name) order."""
        return sorted(
            (entry for entry in list(self._subscribers.values()) if entry.matches(event_name)),
            key=lambda entry: entry.name,
        )

    def all(self) -> list[Subscriber]:
        return sorted(self._subscribers.values(), key=lambda entry: entry.name)


registry = SubscriberRegistry()


def subscriber(*events: str) -> Callable[[Handler], Handler]:
    """Register the decorated function for the named events (``"*"``: every event).

    The function runs in a Celery worker, at most once successfully per event, inside a
    transaction that also records the delivery; if it raises, it is retried with backoff.
    Effects outside the database (e-mail, HTTP) may repeat after a crash and should be keyed
    by ``event.id``.
    """

    def decorator(handler: Handler) -> Handler:
        registry.register(handler, events)
        return handler

    return decorator
