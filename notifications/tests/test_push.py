"""Web Push to a local push service that decrypts the payload (RFC 8291, aes128gcm); FCM HTTP v1
against a local token endpoint and a local FCM endpoint."""

from __future__ import annotations

import base64
import json
import os
from urllib.parse import parse_qs

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from py_vapid import Vapid02

from companies.tests.factories import CompanyFactory, member
from notifications import delivery, services
from notifications.choices import Channel, DeliveryStatus, Platform
from notifications.fanout import SUPPLIER_ROLES, Audience, notify
from notifications.models import DeviceToken, NotificationDelivery

VAPID_PRIVATE = "W6SZkWBhlNApugJB7a7ifzGDI6_CsLKYp_IZ_Oa1JPg"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Browser:
    """The keys a browser generates for a push subscription (the test holds the private half)."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.keys = {"p256dh": b64url(public), "auth": b64url(self.auth)}

    def decrypt(self, body: bytes) -> dict:
        return json.loads(
            http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        )


@pytest.fixture
def push_settings(settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True
    settings.NOTIFICATIONS_VAPID_PRIVATE_KEY = VAPID_PRIVATE
    settings.NOTIFICATIONS_VAPID_SUBJECT = "mailto:ops@cotai.example"


def _notify_person(person) -> None:
    company = person.memberships.get().company
    notify(
        audiences=[
            Audience(
                type="tender.published",
                link="/tenders/3/",
                companies=[company.pk],
                roles=SUPPLIER_ROLES,
                context={"tender": {"id": 3, "number": "ACME-2026-0003", "title": "Sand", "buyer": "ACME"}},
            )
        ]
    )


def _send_push() -> dict[str, int]:
    return delivery.send_notification_deliveries(
        list(NotificationDelivery.objects.filter(channel=Channel.PUSH).values_list("id", flat=True))
    )


@pytest.mark.django_db
def test_web_push_reaches_the_push_service_encrypted_for_the_subscription(push_settings, http_server):
    browser = Browser()
    decrypted: list[dict] = []

    def push_service(received):
        decrypted.append(browser.decrypt(received.body))
        return 201, {"Location": f"{http_server.url}/messages/42"}, b""

    http_server.handler = push_service
    person = member(CompanyFactory(), "supplier_rep").user
    services.device_register(
        actor=person,
        platform=Platform.WEB,
        subscription={"endpoint": http_server.url + "/push/abc", "keys": browser.keys},
    )

    _notify_person(person)
    assert _send_push() == {"sent": 1}

    [received] = http_server.requests
    assert received.path == "/push/abc"
    assert received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["ttl"] == "86400"
    assert received.headers["authorization"].startswith("vapid t=")
    assert Vapid02.verify(received.headers["authorization"])
    claims = jwt.decode(
        received.headers["authorization"].split("t=")[1].split(",")[0], options={"verify_signature": False}
    )
    assert claims["aud"] == http_server.url
    assert claims["sub"] == "mailto:ops@cotai.example"
    assert decrypted == [
        {
            "title": "New tender ACME-2026-0003: Sand",
            "body": decrypted[0]["body"],
            "url": "http://127.0.0.1:8000/tenders/3/",
            "type": "tender.published",
            "notification_id": NotificationDelivery.objects.get(channel=Channel.PUSH).notification_id,
        }
    ]
    assert decrypted[0]["body"].startswith("New tender ACME-2026-0003 from ACME")  # the short push text
    row = NotificationDelivery.objects.get(channel=Channel.PUSH)
    assert row.status == DeliveryStatus.SENT
    assert row.provider_message_id.endswith("/messages/42")


@pytest.mark.django_db
def test_a_gone_subscription_is_revoked_and_not_retried(push_settings, http_server):
    http_server.responses = [(410, {}, b"push subscription has unsubscribed or expired")]
    person = member(CompanyFactory(), "supplier_rep").user
    device = services.device_register(
        actor=person,
        platform=Platform.WEB,
        subscription={"endpoint": http_server.url + "/push/gone", "keys": Browser().keys},
    )
    _notify_person(person)

    assert _send_push() == {"failed": 1}

    device.refresh_from_db()
    assert device.revoked_at is not None
    assert "410" in device.revoke_reason
    row = NotificationDelivery.objects.get(channel=Channel.PUSH)
    assert row.status == DeliveryStatus.FAILED
    assert row.attempts == 1
    assert "410" in row.last_error
    assert delivery.retry_due()["notifications"] == 0
    # The next notification does not even plan a push for this person.
    _notify_person(person)
    assert NotificationDelivery.objects.filter(channel=Channel.PUSH).count() == 1


@pytest.mark.django_db
def test_a_push_service_error_is_retried(push_settings, http_server):
    http_server.responses = [(503, {}, b"overloaded")]
    person = member(CompanyFactory(), "supplier_rep").user
    device = services.device_register(
        actor=person,
        platform=Platform.WEB,
        subscription={"endpoint": http_server.url + "/push/x", "keys": Browser().keys},
    )
    _notify_person(person)
    assert _send_push() == {"retry": 1}
    device.refresh_from_db()
    assert device.revoked_at is None


@pytest.mark.django_db
def test_a_subscription_to_a_private_address_is_refused_when_not_allowed(settings):
    from cotai.exceptions import ValidationFailed

    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False
    person = member(CompanyFactory(), "supplier_rep").user
    with pytest.raises(ValidationFailed) as error:
        services.device_register(
            actor=person,
            platform=Platform.WEB,
            subscription={"endpoint": "http://169.254.169.254/push", "keys": Browser().keys},
        )
    assert "subscription.endpoint" in error.value.errors


@pytest.mark.django_db
def test_fcm_http_v1_sends_with_a_service_account_token_and_revokes_unregistered_tokens(settings, http_server):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.NOTIFICATIONS_FCM_CREDENTIALS = json.dumps(
        {
            "type": "service_account",
            "project_id": "cotai-test",
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": "push@cotai-test.iam.gserviceaccount.com",
            "token_uri": http_server.url + "/token",
        }
    )
    settings.NOTIFICATIONS_FCM_ENDPOINT = http_server.url

    def google(received):
        if received.path == "/token":
            assertion = parse_qs(received.body.decode())["assertion"][0]
            claims = jwt.decode(assertion, key.public_key(), algorithms=["RS256"], audience=http_server.url + "/token")
            assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
            return 200, {"Content-Type": "application/json"}, b'{"access_token": "ya29.test", "expires_in": 3600}'
        assert received.headers["authorization"] == "Bearer ya29.test"
        message = json.loads(received.body)["message"]
        if message["token"] == "gone-token":
            return 404, {}, b'{"error": {"status": "NOT_FOUND", "details": [{"errorCode": "UNREGISTERED"}]}}'
        return 200, {}, b'{"name": "projects/cotai-test/messages/0:1"}'

    http_server.handler = google
    person = member(CompanyFactory(), "supplier_rep").user
    services.device_register(actor=person, platform=Platform.ANDROID, token="good-token")
    gone = services.device_register(actor=person, platform=Platform.IOS, token="gone-token")
    _notify_person(person)

    assert _send_push() == {"sent": 1}
    paths = [r.path for r in http_server.requests]
    assert paths.count("/v1/projects/cotai-test/messages:send") == 2
    row = NotificationDelivery.objects.get(channel=Channel.PUSH)
    assert row.provider_message_id == "projects/cotai-test/messages/0:1"
    gone.refresh_from_db()
    assert gone.revoked_at is not None
    assert DeviceToken.objects.active().filter(user=person).count() == 1
