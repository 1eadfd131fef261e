"""The back office shows the outbox read-only and can send failed deliveries again."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from cotai import events
from cotai.events import dispatch
from cotai.events.models import Delivery, DeliveryStatus
from cotai.events.tests import handlers

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = get_user_model().objects.create_superuser("operator@example.com", "a-long-password-1")
    client.force_login(user)
    return user


def failed_delivery(subscriber: str, capture) -> Delivery:
    with capture(execute=False), transaction.atomic():
        event = events.emit_on_commit("tender.published", tender_id=1)
    with mock.patch("cotai.events.dispatch.enqueue_deliveries"):
        dispatch.relay(event.pk)
    Delivery.objects.filter(event=event, subscriber=subscriber).update(
        status=DeliveryStatus.FAILED, attempts=9, last_error="RuntimeError: down"
    )
    return Delivery.objects.get(event=event, subscriber=subscriber)


def test_outbox_pages_are_read_only(client, operator, subscribe, django_capture_on_commit_callbacks):
    name = subscribe(handlers.on_tender_published, "tender.published")
    delivery = failed_delivery(name, django_capture_on_commit_callbacks)

    assert client.get(reverse("admin:events_outboxevent_changelist")).status_code == 200
    assert client.get(reverse("admin:events_delivery_changelist")).status_code == 200
    page = client.get(reverse("admin:events_outboxevent_change", args=[delivery.event_id]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.get(reverse("admin:events_outboxevent_add")).status_code == 403
    delivery_page = client.get(reverse("admin:events_delivery_change", args=[delivery.pk]))
    assert delivery_page.status_code == 200
    assert b'name="_save"' not in delivery_page.content
    assert b'name="_continue"' not in delivery_page.content


def test_staff_can_send_a_failed_delivery_again(client, operator, eager, subscribe, django_capture_on_commit_callbacks):
    name = subscribe(handlers.on_tender_published, "tender.published")
    delivery = failed_delivery(name, django_capture_on_commit_callbacks)

    response = client.post(
        reverse("admin:events_delivery_changelist"),
        {"action": "send_again", "_selected_action": [delivery.pk]},
    )

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DONE, 10)
    assert len(handlers.calls_of("on_tender_published")) == 1
