"""Retries: transient failures back off with jitter up to a limit; every attempt is logged."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from notifications import delivery
from notifications.channels.base import ChannelBackend, Outcome
from notifications.choices import Channel, DeliveryStatus
from notifications.schedule import backoff
from notifications.tests.factories import NotificationDeliveryFactory

CALLS: list[int] = []


class FlakySms(ChannelBackend):
    """An SMS channel whose gateway is always down."""

    channel = Channel.SMS

    def send(self, message):
        CALLS.append(message.notification_id)
        return Outcome.retry("gateway timeout")


class BrokenSms(ChannelBackend):
    channel = Channel.SMS

    def send(self, message):
        raise RuntimeError("bug in the backend")


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()


def test_backoff_grows_exponentially_within_jitter_bounds_and_is_capped():
    rng = random.Random(7)
    for attempt, ceiling in [(1, 30), (2, 60), (3, 120), (4, 240), (10, 3600)]:
        for _ in range(50):
            delay = backoff(attempt, base=30, cap=3600, rng=rng).total_seconds()
            assert ceiling / 2 <= delay <= ceiling
    assert len({backoff(3, base=30, cap=3600, rng=rng) for _ in range(20)}) > 1  # jitter spreads retries


@pytest.mark.django_db
def test_a_failing_delivery_is_retried_until_the_limit_then_failed_with_its_error(settings, delivery_log):
    settings.NOTIFICATION_CHANNELS = {**settings.NOTIFICATION_CHANNELS, "sms": f"{__name__}.FlakySms"}
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 4
    row = NotificationDeliveryFactory(channel=Channel.SMS, notification__recipient__phone="+5511999990000")
    now = timezone.now()
    for attempt in range(1, 5):
        with time_machine.travel(now, tick=False):
            assert delivery.send_notification_deliveries([row.pk]) == {"retry" if attempt < 4 else "failed": 1}
        row.refresh_from_db()
        assert row.attempts == attempt
        if attempt < 4:
            assert row.status == DeliveryStatus.QUEUED
            wait = row.next_attempt_at - now
            assert timedelta(seconds=15 * 2 ** (attempt - 1)) <= wait <= timedelta(seconds=30 * 2 ** (attempt - 1))
            now = row.next_attempt_at
    assert row.status == DeliveryStatus.FAILED
    assert row.failed_at
    assert row.last_error == "gateway timeout"
    assert len(CALLS) == 4
    logged = delivery_log(type="notification.sms")
    assert [e.data["attempt"] for e in logged] == [1, 2, 3, 4]
    assert [e.data["status"] for e in logged] == ["queued", "queued", "queued", "failed"]


@pytest.mark.django_db
def test_a_backend_that_crashes_counts_as_a_failed_attempt(settings):
    settings.NOTIFICATION_CHANNELS = {**settings.NOTIFICATION_CHANNELS, "sms": f"{__name__}.BrokenSms"}
    row = NotificationDeliveryFactory(channel=Channel.SMS, notification__recipient__phone="+5511999990000")
    assert delivery.send_notification_deliveries([row.pk]) == {"retry": 1}
    row.refresh_from_db()
    assert "bug in the backend" in row.last_error
    assert row.attempts == 1


@pytest.mark.django_db
def test_a_delivery_claimed_by_a_dead_worker_is_taken_over_after_its_lease(settings):
    settings.NOTIFICATION_CHANNELS = {**settings.NOTIFICATION_CHANNELS, "sms": f"{__name__}.FlakySms"}
    row = NotificationDeliveryFactory(channel=Channel.SMS, notification__recipient__phone="+5511999990000")
    token = delivery._claim(type(row), [row.pk], timezone.now())  # a worker claims it, then dies
    assert token
    assert delivery.send_notification_deliveries([row.pk]) == {}  # another worker leaves it alone
    assert delivery.retry_due()["notifications"] == 0
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_CLAIM_SECONDS + 1)):
        assert delivery.retry_due()["notifications"] == 1
        assert delivery.send_notification_deliveries([row.pk]) == {"retry": 1}


@pytest.mark.django_db
def test_sms_without_a_phone_number_is_skipped():
    row = NotificationDeliveryFactory(channel=Channel.SMS, notification__recipient__phone="")
    assert delivery.send_notification_deliveries([row.pk]) == {"skipped": 1}
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SKIPPED
    assert row.attempts == 0
