"""Pruning the outbox: only events relayed before the retention period, with their deliveries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from cotai.events.dispatch import prune
from cotai.events.models import Delivery, DeliveryStatus, OutboxEvent
from cotai.events.tasks import prune_outbox

pytestmark = pytest.mark.django_db


def make_event(*, relayed_days_ago: float | None, deliveries: tuple[str, ...] = ("done",)) -> OutboxEvent:
    now = timezone.now()
    event = OutboxEvent.objects.create(
        name="tender.published",
        payload={"tender_id": 1},
        relayed_at=None if relayed_days_ago is None else now - timedelta(days=relayed_days_ago),
    )
    for index, status in enumerate(deliveries if relayed_days_ago is not None else ()):
        Delivery.objects.create(event=event, subscriber=f"app.subscribers.s{index}", status=status, next_attempt_at=now)
    return event


@override_settings(EVENTS_OUTBOX_RETENTION_DAYS=7)
def test_prune_removes_only_old_relayed_events_with_their_deliveries():
    old_done = make_event(relayed_days_ago=8, deliveries=("done", "done"))
    old_with_failure = make_event(relayed_days_ago=30, deliveries=("done", DeliveryStatus.FAILED))
    old_still_delivering = make_event(relayed_days_ago=8, deliveries=("done", DeliveryStatus.PENDING))
    recent = make_event(relayed_days_ago=6)
    never_relayed = make_event(relayed_days_ago=None)
    OutboxEvent.objects.filter(pk=never_relayed.pk).update(created_at=timezone.now() - timedelta(days=60))

    assert prune_outbox.apply().get() == 2

    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {
        old_still_delivering.pk,
        recent.pk,
        never_relayed.pk,
    }
    assert not Delivery.objects.filter(event_id__in=[old_done.pk, old_with_failure.pk]).exists()
    assert Delivery.objects.filter(event=old_still_delivering).count() == 2
    assert prune_outbox.apply().get() == 0, "running it again changes nothing"


def test_prune_works_through_more_events_than_one_batch():
    for _ in range(5):
        make_event(relayed_days_ago=10)
    assert prune(retention_days=7, batch_size=2) == 5
    assert not OutboxEvent.objects.exists()
    assert not Delivery.objects.exists()
