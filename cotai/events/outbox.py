"""Writing domain events: the outbox row in the business transaction, the relay after commit."""

from __future__ import annotations

import json
import uuid
from functools import partial
from typing import Any

import structlog
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F

from cotai.context import get_correlation_id
from cotai.events.core import validate_event_name
from cotai.events.metrics import EVENTS_EMITTED, RELAY_PUBLISH_FAILURES
from cotai.events.models import OutboxEvent

log = structlog.get_logger("cotai.events")

# Events carry ids and small facts; anything bigger belongs in the database, read by the subscriber.
MAX_PAYLOAD_BYTES = 16 * 1024
MAX_ERROR_CHARS = 4000


def emit_on_commit(
    name: str,
    /,
    *,
    company_id: int | None = None,
    actor_id: int | None = None,
    **payload: Any,
) -> OutboxEvent:
    """Record the domain event ``name`` in the current transaction and relay it once that commits.

    Side effects: inserts one ``OutboxEvent`` (so a rollback removes it and no subscriber ever
    hears of it) and registers a ``transaction.on_commit`` callback that hands the event to the
    broker. If the broker refuses or is down, the callback logs a warning, records the error on
    the row and returns: the committed request never fails because of it, and the outbox sweep
    relays the event later. Outside ``transaction.atomic()`` the row is committed at once and the
    relay follows immediately.

    Raises ``ValueError`` for a malformed name or an oversized payload and ``TypeError`` for a
    payload that is not JSON-serializable (decimals, dates, times and UUIDs are encoded as strings).
    """
    validate_event_name(name)
    event = OutboxEvent.objects.create(
        name=name,
        payload=_json_payload(name, payload),
        company_id=None if company_id is None else int(company_id),
        actor_id=None if actor_id is None else int(actor_id),
        correlation_id=get_correlation_id() or "",
    )
    transaction.on_commit(partial(_after_commit, event.pk, name), robust=True)
    return event


def _json_payload(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as subscribers will read it back (round-tripped through JSON now, not later)."""
    try:
        encoded = json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True)
    except TypeError as exc:
        raise TypeError(f"The payload of {name} must be JSON-serializable (pass ids, not objects): {exc}") from exc
    if len(encoded.encode()) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"The payload of {name} exceeds {MAX_PAYLOAD_BYTES} bytes: send ids, not documents.")
    return json.loads(encoded)


def _after_commit(event_id: uuid.UUID, name: str) -> None:
    EVENTS_EMITTED.labels(event=name).inc()
    publish_relay(event_id, name=name)


def publish_relay(event_id: uuid.UUID, *, name: str) -> bool:
    """Enqueue the relay of a committed event; False (and the error recorded) if the broker failed.

    Never raises: it runs after the commit of a request that has already succeeded.
    """
    from cotai.events.tasks import relay_event

    try:
        # retry=False: with the broker down, fail within the connection timeout instead of
        # retrying while the user waits; the sweep owns the retries.
        relay_event.apply_async(args=[str(event_id)], retry=False)
    except Exception as exc:  # noqa: BLE001 - whatever the broker raised, the sweep relays the event later
        RELAY_PUBLISH_FAILURES.labels(event=name).inc()
        log.warning("domain_event.publish_failed", event_id=str(event_id), event_name=name, error=repr(exc))
        _record_publish_error(event_id, exc)
        return False
    return True


def _record_publish_error(event_id: uuid.UUID, exc: BaseException) -> None:
    try:
        OutboxEvent.objects.filter(pk=event_id, relayed_at__isnull=True).update(
            relay_attempts=F("relay_attempts") + 1,
            last_error=f"publish failed: {exc!r}"[:MAX_ERROR_CHARS],
        )
    except Exception:
        log.warning("domain_event.publish_error_not_recorded", event_id=str(event_id), exc_info=True)
