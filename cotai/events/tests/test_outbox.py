"""Emitting: the outbox row lives and dies with the business transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import transaction

from cotai import events
from cotai.context import reset_correlation_id, set_correlation_id
from cotai.events.metrics import EVENTS_EMITTED
from cotai.events.models import Delivery, OutboxEvent
from cotai.events.tests import handlers

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def emit_then_roll_back(name: str, **payload) -> None:
    with transaction.atomic():
        events.emit_on_commit(name, **payload)
        raise Rollback


def test_event_in_rolled_back_transaction_reaches_no_subscriber_and_leaves_no_row(
    eager, subscribe, django_capture_on_commit_callbacks
):
    subscribe(handlers.on_everything, "*")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Rollback):
        emit_then_roll_back("tender.published", tender_id=1, company_id=7)

    assert callbacks == []
    assert OutboxEvent.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert handlers.calls == []


def test_emit_stores_payload_as_json_with_company_actor_and_correlation_id(django_capture_on_commit_callbacks):
    object_id = uuid.uuid4()
    token = set_correlation_id("req-42")
    try:
        with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
            event = events.emit_on_commit(
                "quote.submitted",
                quote_id=5,
                total=Decimal("1200.50"),
                submitted_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
                receipt=object_id,
                company_id=3,
                actor_id=9,
            )
    finally:
        reset_correlation_id(token)

    stored = OutboxEvent.objects.get(pk=event.pk)
    assert stored.payload == {
        "quote_id": 5,
        "total": "1200.50",
        "submitted_at": "2026-03-01T12:00:00Z",
        "receipt": str(object_id),
    }
    assert (stored.company_id, stored.actor_id, stored.correlation_id) == (3, 9, "req-42")
    assert stored.relayed_at is None
    assert len(callbacks) == 1, "exactly one relay is scheduled for after the commit"


def test_payload_key_may_be_called_name(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(), transaction.atomic():
        event = events.emit_on_commit("member.invited", name="Ana", member_id=2)
    assert OutboxEvent.objects.get(pk=event.pk).payload == {"name": "Ana", "member_id": 2}


@pytest.mark.parametrize("name", ["Tender.Published", "tender", "tender published", "", "tender..published"])
def test_malformed_event_name_is_refused(name):
    with pytest.raises(ValueError, match="Invalid domain event name"):
        events.emit_on_commit(name, tender_id=1)
    assert OutboxEvent.objects.count() == 0


def test_payload_that_is_not_json_is_refused_with_a_hint():
    with pytest.raises(TypeError, match="pass ids, not objects"):
        events.emit_on_commit("tender.published", tender=object())
    assert OutboxEvent.objects.count() == 0


def test_oversized_payload_is_refused():
    with pytest.raises(ValueError, match="send ids, not documents"):
        events.emit_on_commit("tender.published", description="x" * 20_000)
    assert OutboxEvent.objects.count() == 0


def test_emitted_counter_counts_committed_events_only(eager, django_capture_on_commit_callbacks):
    counter = EVENTS_EMITTED.labels(event="tender.amended")
    before = counter._value.get()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Rollback):
        emit_then_roll_back("tender.amended", tender_id=1)
    assert counter._value.get() == before

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.emit_on_commit("tender.amended", tender_id=1)
    assert counter._value.get() == before + 1
