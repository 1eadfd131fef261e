"""SMS through the HTTP gateway (JSON POST with auth) and the console gateway."""

from __future__ import annotations

import json

import pytest

from notifications import delivery
from notifications.choices import Channel, DeliveryStatus
from notifications.tests.factories import NotificationDeliveryFactory


@pytest.fixture
def gateway(settings, http_server):
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.HttpSmsGateway"
    settings.NOTIFICATIONS_SMS_URL = http_server.url + "/sms"
    settings.NOTIFICATIONS_SMS_AUTH_HEADER = "Bearer sms-secret"
    settings.NOTIFICATIONS_SMS_FROM = "CotAi"
    return http_server


def _sms(**fields):
    return NotificationDeliveryFactory(
        channel=Channel.SMS,
        notification__recipient__phone="+5511999990000",
        notification__event_type="tender.invited",
        notification__context={"tender": {"number": "T-9", "buyer": "ACME"}},
        **fields,
    )


@pytest.mark.django_db
def test_the_http_gateway_receives_json_with_auth_and_its_message_id_is_kept(gateway):
    gateway.responses = [(202, {"Content-Type": "application/json"}, b'{"id": "sms-123", "status": "queued"}')]
    row = _sms()
    assert delivery.send_notification_deliveries([row.pk]) == {"sent": 1}
    [received] = gateway.requests
    assert received.path == "/sms"
    assert received.headers["authorization"] == "Bearer sms-secret"
    body = json.loads(received.body)
    assert body["to"] == "+5511999990000"
    assert body["from"] == "CotAi"
    assert body["text"].startswith("ACME invited you to tender T-9")
    assert body["reference"] == f"notification-{row.notification_id}"
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    assert row.provider_message_id == "sms-123"


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "result"), [(400, "failed"), (429, "retry"), (502, "retry")])
def test_gateway_errors_are_sorted_into_permanent_and_transient(gateway, status, result):
    gateway.responses = [(status, {}, b'{"error": "invalid number"}')]
    row = _sms()
    assert delivery.send_notification_deliveries([row.pk]) == {result: 1}


@pytest.mark.django_db
def test_the_console_gateway_sends_nothing_anywhere():
    row = _sms()
    assert delivery.send_notification_deliveries([row.pk]) == {"sent": 1}
    row.refresh_from_db()
    assert row.provider_message_id.startswith("console-")
