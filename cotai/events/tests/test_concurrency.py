"""Real concurrency on PostgreSQL: two relays, or two copies of a delivery, racing on the same rows."""

from __future__ import annotations

import threading
from unittest import mock

import pytest
from django.db import connection, transaction

from cotai import events
from cotai.events import dispatch
from cotai.events.models import Delivery, DeliveryStatus
from cotai.events.tests import handlers
from cotai.testing import need_service, using_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(target, *args, threads: int = 4) -> list:
    """Run ``target(*args)`` in several threads released at the same moment; their results."""
    barrier = threading.Barrier(threads)
    results: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            result = target(*args)
            with lock:
                results.append(result)
        except Exception as exc:  # noqa: BLE001 - handed to the test thread, which fails with it
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert not any(worker.is_alive() for worker in workers), "a racing thread did not finish within 30 s"
    if errors:
        raise errors[0]
    return results


def test_racing_relays_fan_an_event_out_once(subscribe):
    need_service("PostgreSQL", using_postgres(), "set DATABASE_URL=postgres://...")
    subscribe(handlers.on_tender_published, "tender.published")
    with mock.patch("cotai.events.outbox.publish_relay"), transaction.atomic():
        event = events.emit_on_commit("tender.published", tender_id=1)

    with mock.patch("cotai.events.dispatch.enqueue_deliveries") as send:
        results = race(dispatch.relay, event.pk)

    assert sorted(results, key=lambda r: r is None) == [2, None, None, None]
    assert send.call_count == 1
    assert Delivery.objects.filter(event=event).count() == 2


def test_racing_copies_of_a_delivery_run_the_subscriber_once(subscribe):
    need_service("PostgreSQL", using_postgres(), "set DATABASE_URL=postgres://...")
    name = subscribe(handlers.on_tender_published, "tender.published")
    with mock.patch("cotai.events.outbox.publish_relay"), transaction.atomic():
        event = events.emit_on_commit("tender.published", tender_id=1)
    with mock.patch("cotai.events.dispatch.enqueue_deliveries"):
        dispatch.relay(event.pk)

    results = race(lambda: dispatch.deliver(event.pk, name, final=False, retry_in=dispatch.DELIVERY_GRACE))

    assert sorted(results) == sorted([dispatch.Outcome.DELIVERED] + [dispatch.Outcome.DUPLICATE] * 3)
    assert len(handlers.calls_of("on_tender_published")) == 1
    delivery = Delivery.objects.get(event=event, subscriber=name)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DONE, 1)
