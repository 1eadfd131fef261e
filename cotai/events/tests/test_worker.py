"""End to end through a real Celery worker: the in-memory broker always, the real Redis broker in CI."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cotai import events
from cotai.context import reset_correlation_id, set_correlation_id
from cotai.events.models import Delivery, DeliveryStatus, OutboxEvent
from cotai.events.tasks import relay_pending_events
from cotai.events.tests import handlers
from cotai.events.tests.conftest import running_worker, wait_until
from cotai.testing import need_service, using_redis

# The Redis database these tests use as broker, apart from the cache.
REDIS_TEST_DB = 13
REDIS_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


def redis_test_broker() -> str:
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{REDIS_TEST_DB}", "", ""))


@pytest.fixture
def redis_broker(memory_broker):
    """``redis_broker(url)`` switches to a Redis broker whose keys no other test run shares.

    The key prefix keeps parallel runs (pytest-xdist, two checkouts) from consuming each other's
    tasks; the keys are deleted afterwards.
    """
    need_service("Redis", using_redis(), "set REDIS_URL=redis://...")
    prefix = f"cotai-test-{uuid.uuid4().hex[:12]}:"

    def use(url: str) -> None:
        memory_broker(url, {**REDIS_OPTIONS, "global_keyprefix": prefix})

    yield use
    client = redis.Redis.from_url(redis_test_broker(), socket_connect_timeout=2, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def all_delivered(event: OutboxEvent, count: int) -> bool:
    return Delivery.objects.filter(event=event, status=DeliveryStatus.DONE).count() == count


def emit_and_commit(**payload) -> OutboxEvent:
    token = set_correlation_id("req-worker-1")
    try:
        with transaction.atomic():
            return events.emit_on_commit("tender.published", **payload)
    finally:
        reset_correlation_id(token)


def assert_each_subscriber_ran_once_under_the_request_id(event: OutboxEvent) -> None:
    for name in ("on_tender_published", "on_everything"):
        calls = handlers.calls_of(name)
        assert [(c.event_id, c.correlation_id) for c in calls] == [(str(event.pk), "req-worker-1")]
    assert all_delivered(event, 3)
    event.refresh_from_db()
    assert event.relayed_at is not None


def run_until_delivered(event: OutboxEvent) -> None:
    wait_until(
        lambda: len(handlers.calls_of("on_tender_published")) == 1 and len(handlers.calls_of("on_everything")) == 1,
        timeout=30,
        what="both subscribers to run in the worker",
    )
    wait_until(lambda: all_delivered(event, 3), timeout=30, what="every delivery to be marked done")


@pytest.mark.django_db(transaction=True)
def test_committed_event_is_relayed_and_delivered_by_a_worker(subscribe):
    subscribe(handlers.on_tender_published, "tender.published")
    subscribe(handlers.on_everything, "*")
    with running_worker():
        event = emit_and_commit(tender_id=3, company_id=1)
        run_until_delivered(event)
    assert_each_subscriber_ran_once_under_the_request_id(event)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_the_real_redis_broker_a_committed_event_reaches_every_subscriber_through_a_worker(
    redis_broker, subscribe
):
    subscribe(handlers.on_tender_published, "tender.published")
    subscribe(handlers.on_everything, "*")
    redis_broker(redis_test_broker())
    with running_worker():
        event = emit_and_commit(tender_id=3, company_id=1)
        run_until_delivered(event)
    assert_each_subscriber_ran_once_under_the_request_id(event)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_at_commit_the_sweep_delivers_through_a_worker_once_redis_is_back(redis_broker, subscribe):
    subscribe(handlers.on_tender_published, "tender.published")
    subscribe(handlers.on_everything, "*")

    redis_broker(CLOSED_PORT_BROKER)
    event = emit_and_commit(tender_id=4, company_id=1)
    event.refresh_from_db()
    assert event.relayed_at is None
    assert "127.0.0.1:1" in event.last_error

    redis_broker(redis_test_broker())
    # Older than the sweep's grace period, as it would be by the next beat tick.
    OutboxEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    with running_worker():
        relay_pending_events.apply_async()
        run_until_delivered(event)
    assert_each_subscriber_ran_once_under_the_request_id(event)
