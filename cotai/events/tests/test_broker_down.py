"""The broker is down when a request commits: the request succeeds and nothing is lost."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from cotai import events
from cotai.celery import app as celery_app
from cotai.events import dispatch
from cotai.events.models import Delivery, DeliveryStatus, OutboxEvent
from cotai.events.tasks import relay_event
from cotai.events.tests import handlers

pytestmark = pytest.mark.django_db


def sweep_later(capture) -> dict[str, int]:
    """The beat sweep, run once the fast path's grace period is over."""
    with time_machine.travel(timezone.now() + dispatch.RELAY_GRACE + timedelta(seconds=1)), capture(execute=True):
        return dispatch.sweep()


def assert_delivered_once_to_everyone(event: OutboxEvent) -> None:
    assert [c.event_id for c in handlers.calls_of("on_tender_published")] == [str(event.pk)]
    assert [c.event_id for c in handlers.calls_of("on_everything")] == [str(event.pk)]
    assert Delivery.objects.filter(event=event).count() == 3  # the two above and the event store
    assert not Delivery.objects.filter(event=event).exclude(status=DeliveryStatus.DONE).exists()


def test_commit_succeeds_with_the_broker_down_and_the_sweep_delivers_once_it_is_back(
    eager, subscribe, django_capture_on_commit_callbacks, caplog
):
    subscribe(handlers.on_tender_published, "tender.published")
    subscribe(handlers.on_everything, "*")
    refused = OperationalError("Error 111 connecting to broker:6379. Connection refused.")

    with (
        mock.patch.object(celery_app.tasks[relay_event.name], "apply_async", side_effect=refused) as publish,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        event = events.emit_on_commit("tender.published", tender_id=8, company_id=2)
    assert publish.call_count == 1

    event.refresh_from_db()
    assert event.relayed_at is None
    assert event.relay_attempts == 1
    assert "Connection refused" in event.last_error
    assert handlers.calls == []
    assert any(
        record.levelname == "WARNING" and "domain_event.publish_failed" in record.getMessage()
        for record in caplog.records
    )

    # The broker is back (the patch is gone): the next sweep relays the event.
    assert sweep_later(django_capture_on_commit_callbacks) == {"relayed": 1, "resent": 0}
    assert sweep_later(django_capture_on_commit_callbacks) == {"relayed": 0, "resent": 0}
    event.refresh_from_db()
    assert event.relayed_at is not None
    assert event.relay_attempts == 2
    assert_delivered_once_to_everyone(event)


def test_publishing_to_a_closed_port_fails_fast_and_the_sweep_delivers_after_the_broker_returns(
    memory_broker, subscribe, django_capture_on_commit_callbacks
):
    subscribe(handlers.on_tender_published, "tender.published")
    subscribe(handlers.on_everything, "*")
    memory_broker("redis://127.0.0.1:1/0", {"socket_connect_timeout": 2, "socket_timeout": 5})

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event = events.emit_on_commit("tender.published", tender_id=8)
    elapsed = time.monotonic() - started

    assert elapsed < settings.CELERY_BROKER_CONNECTION_TIMEOUT + 3, f"the request waited {elapsed:.1f} s"
    event.refresh_from_db()
    assert event.relayed_at is None
    assert "127.0.0.1:1" in event.last_error
    assert handlers.calls == []

    memory_broker("memory://")
    celery_app.conf.task_always_eager = True
    assert sweep_later(django_capture_on_commit_callbacks) == {"relayed": 1, "resent": 0}
    assert_delivered_once_to_everyone(event)


def test_deliveries_the_relay_could_not_send_are_resent_by_the_sweep(
    eager, subscribe, django_capture_on_commit_callbacks
):
    subscribe(handlers.on_tender_published, "tender.published")
    subscribe(handlers.on_everything, "*")
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        event = events.emit_on_commit("tender.published", tender_id=8)

    # The relay runs, but the broker fails under it before any deliver task is sent.
    deliver = celery_app.tasks["cotai.events.tasks.deliver_event"]
    with (
        mock.patch.object(deliver, "apply_async", side_effect=OperationalError("broker went away")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert dispatch.relay(event.pk) == 3
    assert handlers.calls == []

    with (
        time_machine.travel(timezone.now() + dispatch.DELIVERY_GRACE + timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert dispatch.sweep() == {"relayed": 0, "resent": 3}
    assert_delivered_once_to_everyone(event)
