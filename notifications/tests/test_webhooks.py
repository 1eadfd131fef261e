"""Webhooks to a real HTTP server on 127.0.0.1, verified with the standardwebhooks package."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from companies.tests.factories import CompanyFactory, member
from cotai.events.models import OutboxEvent
from notifications import delivery, services
from notifications.choices import WebhookDeliveryStatus
from notifications.fanout import SUPPLIER_ROLES, Audience, notify
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint


@pytest.fixture
def local_ok(settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def company(db):
    company = CompanyFactory(kind="both")
    member(company, "owner")
    return company


@pytest.fixture
def admin(company):
    return member(company, "admin").user


def _endpoint(admin, company, url, types=("tender.published",)) -> WebhookEndpoint:
    return services.webhook_endpoint_create(actor=admin, company=company, url=url, event_types=list(types))


def _publish(company) -> None:
    notify(
        audiences=[
            Audience(
                type="tender.published",
                context={"tender": {"id": 9, "number": "ACME-2026-0009", "title": "Cement", "buyer": "ACME"}},
                link="/tenders/9/",
                companies=[company.pk],
                roles=SUPPLIER_ROLES,
            )
        ]
    )


def _send_all() -> dict[str, int]:
    return delivery.send_webhook_deliveries(list(WebhookDelivery.objects.values_list("id", flat=True)))


@pytest.mark.django_db
def test_a_webhook_arrives_signed_per_standard_webhooks_with_the_documented_payload(
    local_ok, http_server, company, admin, delivery_log
):
    endpoint = _endpoint(admin, company, http_server.url + "/hooks/cotai")
    _publish(company)

    assert _send_all() == {"succeeded": 1}

    [received] = http_server.requests
    assert received.method == "POST"
    assert received.path == "/hooks/cotai"
    assert received.headers["content-type"] == "application/json"
    payload = Webhook(endpoint.secret).verify(received.body, received.headers)
    assert payload["id"] == received.headers["webhook-id"]
    assert payload["type"] == "tender.published"
    assert payload["company_id"] == company.pk
    assert payload["timestamp"].endswith("Z")
    assert payload["data"]["tender"] == {"id": 9, "number": "ACME-2026-0009", "title": "Cement", "buyer": "ACME"}
    assert payload["data"]["link"] == "/tenders/9/"
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=").verify(received.body, received.headers)
    row = WebhookDelivery.objects.get()
    assert row.status == WebhookDeliveryStatus.SUCCEEDED
    assert row.attempts == 1
    assert row.response_status == 200
    assert row.response_body == "ok"
    assert row.response_ms is not None
    [logged] = delivery_log(type="webhook.attempt")
    assert logged.data["status"] == "succeeded"
    assert logged.data["msg_id"] == row.msg_id


@pytest.mark.django_db
def test_during_a_rotation_both_secrets_sign_every_message(local_ok, http_server, company, admin):
    endpoint = _endpoint(admin, company, http_server.url)
    old_secret = endpoint.secret
    endpoint = services.webhook_endpoint_rotate_secret(actor=admin, endpoint=endpoint)
    assert endpoint.secret != old_secret
    assert endpoint.previous_secret == old_secret
    _publish(company)
    _send_all()

    [received] = http_server.requests
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    Webhook(old_secret).verify(received.body, received.headers)
    Webhook(endpoint.secret).verify(received.body, received.headers)

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        services.webhook_send_test(actor=admin, endpoint=endpoint)
        _send_all()
    latest = http_server.requests[-1]
    assert len(latest.headers["webhook-signature"].split(" ")) == 1  # the old secret expired


@pytest.mark.django_db
def test_failures_are_retried_with_growing_backoff_then_given_up_with_the_error_kept(
    local_ok, settings, http_server, company, admin, delivery_log
):
    settings.NOTIFICATIONS_WEBHOOK_MAX_ATTEMPTS = 3
    http_server.responses = [(503, {}, b"down for maintenance")]
    _endpoint(admin, company, http_server.url)
    _publish(company)
    row = WebhookDelivery.objects.get()

    started = timezone.now()
    assert _send_all() == {"retry": 1}
    row.refresh_from_db()
    first_wait = row.next_attempt_at - row.last_attempt_at
    assert timedelta(seconds=15) <= first_wait <= timedelta(seconds=30)
    assert delivery.send_webhook_deliveries([row.pk]) == {}  # not due yet: nothing is sent

    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        assert delivery.retry_due()["webhooks"] == 1
        assert _send_all() == {"retry": 1}
    row.refresh_from_db()
    second_wait = row.next_attempt_at - row.last_attempt_at
    assert timedelta(seconds=30) <= second_wait <= timedelta(seconds=60)

    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        assert _send_all() == {"failed": 1}
    row.refresh_from_db()
    assert row.status == WebhookDeliveryStatus.FAILED
    assert row.attempts == 3
    assert row.response_status == 503
    assert row.response_body == "down for maintenance"
    assert "503" in row.last_error
    assert {r.headers["webhook-id"] for r in http_server.requests} == {row.msg_id}
    assert len(http_server.requests) == 3
    assert [e.data["status"] for e in delivery_log(type="webhook.attempt")] == ["retry", "retry", "failed"]
    endpoint = row.endpoint
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 3
    assert started - timedelta(seconds=1) <= endpoint.failing_since


@pytest.mark.django_db
def test_redirects_are_not_followed(local_ok, http_server, company, admin):
    http_server.responses = [(302, {"Location": http_server.url + "/elsewhere"}, b"")]
    _endpoint(admin, company, http_server.url + "/start")
    _publish(company)
    assert _send_all() == {"retry": 1}
    assert [r.path for r in http_server.requests] == ["/start"]
    assert WebhookDelivery.objects.get().response_status == 302


@pytest.mark.django_db
def test_an_endpoint_failing_for_days_is_disabled_and_its_admins_told(
    local_ok, http_server, company, admin, run_events
):
    endpoint = _endpoint(admin, company, http_server.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(days=6),
        consecutive_failures=40,
        last_error="The endpoint answered 500.",
    )
    healthy = _endpoint(admin, company, http_server.url + "/healthy")

    assert services.disable_failing_endpoints() == [endpoint.pk]
    assert services.disable_failing_endpoints() == []  # idempotent
    endpoint.refresh_from_db()
    healthy.refresh_from_db()
    assert not endpoint.is_active
    assert "40 failed attempts" in endpoint.disabled_reason
    assert healthy.is_active
    assert OutboxEvent.objects.filter(name="webhook.endpoint_disabled").count() == 1

    run_events()
    told = Notification.objects.get(recipient=admin, event_type="webhook.endpoint_disabled")
    assert endpoint.url in told.title
    # No more messages go to a disabled endpoint.
    _publish(company)
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 0


@pytest.mark.django_db
def test_a_success_clears_the_failure_record(local_ok, http_server, company, admin):
    endpoint = _endpoint(admin, company, http_server.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now(), consecutive_failures=3)
    _publish(company)
    _send_all()
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    assert endpoint.failing_since is None
    assert endpoint.last_success_at


@pytest.mark.django_db
def test_a_test_event_and_a_redelivery_reach_the_endpoint(local_ok, http_server, company, admin):
    endpoint = _endpoint(admin, company, http_server.url)
    test = services.webhook_send_test(actor=admin, endpoint=endpoint)
    _send_all()
    test.refresh_from_db()
    assert test.status == WebhookDeliveryStatus.SUCCEEDED
    first = json.loads(http_server.requests[0].body)
    assert first["type"] == "webhook.test"

    again = services.webhook_redeliver(actor=admin, delivery=test)
    assert again.msg_id == test.msg_id
    assert again.redelivery_of == test
    delivery.send_webhook_deliveries([again.pk])
    assert [r.headers["webhook-id"] for r in http_server.requests] == [test.msg_id, test.msg_id]
    assert http_server.requests[1].body == http_server.requests[0].body


@pytest.mark.django_db
def test_only_company_admins_manage_webhooks(company, admin):
    from cotai.exceptions import PermissionDenied

    buyer = member(company, "buyer").user
    with pytest.raises(PermissionDenied):
        services.webhook_endpoint_create(
            actor=buyer, company=company, url="https://93.184.215.14/hook", event_types=["tender.published"]
        )
    endpoint = services.webhook_endpoint_create(
        actor=admin, company=company, url="https://93.184.215.14/hook", event_types=["tender.published"]
    )
    assert endpoint.secret.startswith("whsec_")
