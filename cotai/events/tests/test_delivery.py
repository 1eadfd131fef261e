"""Relaying and delivering: every subscriber once, failures retried with backoff and recorded."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from cotai import events
from cotai.celery import app as celery_app
from cotai.events import dispatch
from cotai.events.metrics import DELIVERIES
from cotai.events.models import Delivery, DeliveryStatus, OutboxEvent
from cotai.events.subscribers import record_in_event_store
from cotai.events.tasks import (
    DELIVERY_MAX_RETRIES,
    deliver_event,
    relay_event,
    relay_pending_events,
)
from cotai.events.tests import handlers

pytestmark = pytest.mark.django_db
STORE = f"{record_in_event_store.__module__}.{record_in_event_store.__qualname__}"


def emit_committed(capture, name="tender.published", **payload) -> OutboxEvent:
    with capture(execute=True), transaction.atomic():
        return events.emit_on_commit(name, **payload)


def test_committed_event_reaches_each_subscriber_exactly_once_even_when_relayed_and_delivered_twice(
    eager, subscribe, django_capture_on_commit_callbacks
):
    tender_sub = subscribe(handlers.on_tender_published, "tender.published")
    all_sub = subscribe(handlers.on_everything, "*")
    event = emit_committed(django_capture_on_commit_callbacks, tender_id=1, company_id=4)

    # The sweep finds the event too, and the broker hands out both deliver tasks a second time.
    with django_capture_on_commit_callbacks(execute=True):
        assert relay_event.apply(args=[str(event.pk)]).get() is None
        with time_machine.travel(timezone.now() + timedelta(minutes=10)):
            relay_pending_events.apply().get()
        assert deliver_event.apply(args=[str(event.pk), tender_sub]).get() == dispatch.Outcome.DUPLICATE
        assert deliver_event.apply(args=[str(event.pk), all_sub]).get() == dispatch.Outcome.DUPLICATE

    assert [c.event_id for c in handlers.calls_of("on_tender_published")] == [str(event.pk)]
    assert [c.event_id for c in handlers.calls_of("on_everything")] == [str(event.pk)]
    event.refresh_from_db()
    assert event.relayed_at is not None
    assert event.relay_attempts == 1
    deliveries = {d.subscriber: d for d in Delivery.objects.filter(event=event)}
    assert set(deliveries) == {tender_sub, all_sub, STORE}
    assert all(d.status == DeliveryStatus.DONE and d.attempts == 1 for d in deliveries.values())


def test_subscriber_receives_only_the_events_it_names(eager, subscribe, django_capture_on_commit_callbacks):
    subscribe(handlers.on_tender_published, "tender.published")
    subscribe(handlers.on_everything, "*")
    emit_committed(django_capture_on_commit_callbacks, name="quote.submitted", quote_id=1)
    emit_committed(django_capture_on_commit_callbacks, name="tender.published", tender_id=1)

    assert [c.event_name for c in handlers.calls_of("on_tender_published")] == ["tender.published"]
    assert [c.event_name for c in handlers.calls_of("on_everything")] == ["quote.submitted", "tender.published"]


def test_second_relay_of_the_same_event_sends_no_deliveries(subscribe, django_capture_on_commit_callbacks):
    subscribe(handlers.on_tender_published, "tender.published")
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        event = events.emit_on_commit("tender.published", tender_id=1)

    with (
        mock.patch.object(celery_app.tasks[deliver_event.name], "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert dispatch.relay(event.pk) == 2
        assert dispatch.relay(event.pk) is None
    assert sorted(call.kwargs["args"][1] for call in send.call_args_list) == sorted(
        [STORE, "cotai.events.tests.handlers.on_tender_published"]
    )
    assert Delivery.objects.filter(event=event).count() == 2


@pytest.fixture
def predictable_backoff(monkeypatch):
    """Full jitter draws the longest wait, and every retry's countdown is recorded."""
    monkeypatch.setattr("celery.utils.time.random.randrange", lambda upper: upper - 1)
    task = celery_app.tasks[deliver_event.name]
    countdowns: list[int] = []
    original = task.retry

    def spy(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return original(*args, **kwargs)

    monkeypatch.setattr(task, "retry", spy)
    return countdowns


def test_failing_subscriber_is_retried_with_exponential_backoff_and_others_are_not_affected(
    eager_with_retries, subscribe, predictable_backoff, django_capture_on_commit_callbacks
):
    handlers.flaky_failures_left = 0
    flaky = subscribe(handlers.flaky, "tender.published")
    subscribe(handlers.on_tender_published, "tender.published")
    handlers.flaky_failures_left = 3
    retrying = DELIVERIES.labels(subscriber=flaky, outcome="retrying")
    retrying_before = retrying._value.get()

    event = emit_committed(django_capture_on_commit_callbacks, tender_id=1)

    assert predictable_backoff == [5, 10, 20], "5 s doubling per retry"
    assert retrying._value.get() == retrying_before + 3
    assert len(handlers.calls_of("flaky")) == 1
    assert len(handlers.calls_of("on_tender_published")) == 1
    delivery = Delivery.objects.get(event=event, subscriber=flaky)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.DONE, 4, "")
    # The failed attempts' writes were rolled back with them; only the successful one's remains.
    assert OutboxEvent.objects.filter(name="test.flaky_side_effect").count() == 1
    assert Delivery.objects.filter(event=event).exclude(status=DeliveryStatus.DONE).count() == 0


def test_subscriber_that_always_fails_is_recorded_as_failed_after_the_last_retry(
    eager_with_retries, subscribe, predictable_backoff, django_capture_on_commit_callbacks
):
    broken = subscribe(handlers.always_fails, "tender.published")
    subscribe(handlers.on_tender_published, "tender.published")

    event = emit_committed(django_capture_on_commit_callbacks, tender_id=1)

    delivery = Delivery.objects.get(event=event, subscriber=broken)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == DELIVERY_MAX_RETRIES + 1
    assert "this subscriber is broken" in delivery.last_error
    assert predictable_backoff == [5, 10, 20, 40, 80, 160, 320, 600, 600], "capped at 10 minutes"
    assert len(handlers.calls_of("on_tender_published")) == 1
    # A failed delivery is final: the sweep does not run it again, a second task skips it.
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert dispatch.sweep() == {"relayed": 0, "resent": 0}
    assert deliver_event.apply(args=[str(event.pk), broken]).get() == dispatch.Outcome.DUPLICATE


def test_sweep_resends_a_delivery_whose_task_was_lost(eager, subscribe, django_capture_on_commit_callbacks):
    subscribe(handlers.on_tender_published, "tender.published")
    # The worker relays the event, then dies before its deliver tasks reach the broker.
    with mock.patch("cotai.events.dispatch.enqueue_deliveries"):
        event = emit_committed(django_capture_on_commit_callbacks, tender_id=1)
    assert Delivery.objects.filter(event=event, status=DeliveryStatus.PENDING).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch.sweep() == {"relayed": 0, "resent": 0}, "too early: the task may still be queued"
    assert handlers.calls_of("on_tender_published") == []

    with (
        time_machine.travel(timezone.now() + dispatch.DELIVERY_GRACE + timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert dispatch.sweep() == {"relayed": 0, "resent": 2}
        assert dispatch.sweep() == {"relayed": 0, "resent": 0}
    assert len(handlers.calls_of("on_tender_published")) == 1
    assert not Delivery.objects.filter(event=event).exclude(status=DeliveryStatus.DONE).exists()


def test_sweep_waits_before_resending_a_delivery_again(subscribe, django_capture_on_commit_callbacks):
    """A long queue must not fill up with copies: one re-send per REDRIVE_INTERVAL at most."""
    subscribe(handlers.on_tender_published, "tender.published")
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        event = events.emit_on_commit("tender.published", tender_id=1)
    with mock.patch("cotai.events.dispatch.enqueue_deliveries", return_value=1) as send:
        with django_capture_on_commit_callbacks(execute=True):
            dispatch.relay(event.pk)
        assert send.call_count == 1, "the relay sends both deliveries in one call"
        send.reset_mock()
        start = timezone.now() + dispatch.DELIVERY_GRACE + timedelta(seconds=1)
        with time_machine.travel(start):
            dispatch.sweep()
        assert send.call_count == 2, "both deliveries re-sent once"
        with time_machine.travel(start + dispatch.REDRIVE_INTERVAL):
            dispatch.sweep()
        assert send.call_count == 2, "not again while the re-sent task may still be queued"
        with time_machine.travel(start + dispatch.REDRIVE_INTERVAL + dispatch.DELIVERY_GRACE + timedelta(seconds=1)):
            dispatch.sweep()
        assert send.call_count == 4


def test_delivery_to_a_subscriber_no_longer_registered_is_recorded_as_failed(
    subscribe, django_capture_on_commit_callbacks
):
    name = subscribe(handlers.on_tender_published, "tender.published")
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        event = events.emit_on_commit("tender.published", tender_id=1)
    with mock.patch("cotai.events.dispatch.enqueue_deliveries"):
        dispatch.relay(event.pk)
    events.registry.unregister(name)

    assert deliver_event.apply(args=[str(event.pk), name]).get() == dispatch.Outcome.UNKNOWN
    delivery = Delivery.objects.get(event=event, subscriber=name)
    assert delivery.status == DeliveryStatus.FAILED
    assert "No subscriber named" in delivery.last_error


def test_sweep_leaves_fresh_events_to_the_after_commit_relay(subscribe, django_capture_on_commit_callbacks):
    subscribe(handlers.on_tender_published, "tender.published")
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        event = events.emit_on_commit("tender.published", tender_id=1)
    assert dispatch.sweep() == {"relayed": 0, "resent": 0}
    event.refresh_from_db()
    assert event.relayed_at is None


def test_sweep_relays_in_batches_oldest_first(eager, subscribe, django_capture_on_commit_callbacks):
    subscribe(handlers.on_everything, "*")
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        emitted = [events.emit_on_commit("quote.submitted", quote_id=i) for i in range(7)]
    with time_machine.travel(timezone.now() + timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        assert dispatch.sweep(batch_size=3) == {"relayed": 7, "resent": 0}
    assert [c.event_id for c in handlers.calls_of("on_everything")] == [str(e.pk) for e in emitted]
    assert not OutboxEvent.objects.pending().exists()
