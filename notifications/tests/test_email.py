"""Email through Django's SMTP backend to a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from companies.tests.factories import CompanyFactory, member
from notifications import delivery
from notifications.choices import Channel, DeliveryStatus
from notifications.fanout import SUPPLIER_ROLES, Audience, notify
from notifications.models import NotificationDelivery


class Mailbox:
    """An SMTP handler: keeps accepted messages; refuses some recipients for good or for now."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy@"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield mailbox
    finally:
        controller.stop()


def _publish_to(*people_emails: str):
    company = CompanyFactory()
    people = [member(company, "supplier_rep", email=address, full_name="Ana Souza").user for address in people_emails]
    notify(
        audiences=[
            Audience(
                type="tender.published",
                context={"tender": {"id": 7, "number": "ACME-2026-0007", "title": "Rebar & <cement>", "buyer": "ACME"}},
                link="/tenders/7/",
                companies=[company.pk],
                roles=SUPPLIER_ROLES,
            )
        ]
    )
    return people


def _send_emails() -> dict[str, int]:
    ids = list(NotificationDelivery.objects.filter(channel=Channel.EMAIL).values_list("id", flat=True))
    return delivery.send_notification_deliveries(ids)


@pytest.mark.django_db
def test_the_email_arrives_with_text_and_html_parts(smtp_server, delivery_log):
    _publish_to("ana@supplier.example")

    assert _send_emails() == {"sent": 1}

    [message] = smtp_server.messages
    assert message["To"] == "ana@supplier.example"
    assert message["Subject"] == "New tender ACME-2026-0007: Rebar & <cement>"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Hello Ana," in text
    assert "http://" in text
    assert "/tenders/7/" in text
    assert "Rebar &amp; &lt;cement&gt;" in html
    assert "<cement>" not in html
    row = NotificationDelivery.objects.get(channel=Channel.EMAIL)
    assert row.status == DeliveryStatus.SENT
    assert row.attempts == 1
    assert row.provider_message_id == message["Message-ID"]
    [logged] = delivery_log(type="notification.email")
    assert logged.data["result"] == "sent"
    assert logged.data["attempt"] == 1


@pytest.mark.django_db
def test_a_refused_address_fails_at_once_and_is_not_retried(smtp_server):
    _publish_to("nobody@supplier.example")
    assert _send_emails() == {"failed": 1}
    row = NotificationDelivery.objects.get(channel=Channel.EMAIL)
    assert row.status == DeliveryStatus.FAILED
    assert row.attempts == 1
    assert "550" in row.last_error
    assert delivery.retry_due() == {"notifications": 0, "webhooks": 0}


@pytest.mark.django_db
def test_a_temporary_refusal_is_retried_later(smtp_server):
    _publish_to("busy@supplier.example", "ana@supplier.example")
    assert _send_emails() == {"retry": 1, "sent": 1}
    busy = NotificationDelivery.objects.get(channel=Channel.EMAIL, notification__recipient__email__startswith="busy")
    assert busy.status == DeliveryStatus.QUEUED
    assert busy.attempts == 1
    assert "451" in busy.last_error
    assert busy.next_attempt_at > busy.updated_at
    assert len(smtp_server.messages) == 1  # the session went on for the next recipient
