"""SMS: a channel over a small gateway interface, with an HTTP gateway and a console one.

``NOTIFICATIONS_SMS_BACKEND`` picks the gateway:

- ``notifications.channels.sms.ConsoleSmsGateway`` (development): logs the message.
- ``notifications.channels.sms.HttpSmsGateway``: POSTs JSON ``{"to", "from", "text", "reference"}``
  to ``NOTIFICATIONS_SMS_URL`` with ``NOTIFICATIONS_SMS_AUTH_HEADER`` (e.g. ``Bearer <token>``) or
  basic auth (``NOTIFICATIONS_SMS_USERNAME``/``_PASSWORD``), and reads the provider's message id
  from the answer's ``NOTIFICATIONS_SMS_ID_FIELD`` (default ``id``). 2xx is sent; 408, 425, 429
  and 5xx are retried; other 4xx (an invalid number) fail for good.
"""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from abc import ABC, abstractmethod

import structlog
from django.conf import settings
from django.utils.module_loading import import_string

from notifications import outbound
from notifications.channels.base import ChannelBackend, Message, Outcome
from notifications.choices import Channel

log = structlog.get_logger("cotai.notifications.sms")
MAX_SMS_CHARS = 480
RETRYABLE_STATUSES = {408, 425, 429}


class SmsGateway(ABC):
    """Sends one text to one number; returns an Outcome like a channel does."""

    @abstractmethod
    def send_sms(self, *, to: str, text: str, reference: str) -> Outcome:
        """Send ``text`` to ``to``; ``reference`` lets the provider report back about this message."""


class ConsoleSmsGateway(SmsGateway):
    """Development: the text goes to the log (and the console), nowhere else."""

    def send_sms(self, *, to: str, text: str, reference: str) -> Outcome:
        message_id = f"console-{uuid.uuid4().hex[:12]}"
        log.info("sms.console", to=to, text=text, reference=reference, message_id=message_id)
        return Outcome.sent(message_id)


class HttpSmsGateway(SmsGateway):
    def __init__(self) -> None:
        self.url = settings.NOTIFICATIONS_SMS_URL
        self.sender = settings.NOTIFICATIONS_SMS_FROM
        self.timeout = settings.NOTIFICATIONS_SMS_TIMEOUT
        self.id_field = settings.NOTIFICATIONS_SMS_ID_FIELD

    def _auth_headers(self) -> dict[str, str]:
        if settings.NOTIFICATIONS_SMS_AUTH_HEADER:
            return {"Authorization": settings.NOTIFICATIONS_SMS_AUTH_HEADER}
        if settings.NOTIFICATIONS_SMS_USERNAME:
            pair = f"{settings.NOTIFICATIONS_SMS_USERNAME}:{settings.NOTIFICATIONS_SMS_PASSWORD}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        return {}

    def send_sms(self, *, to: str, text: str, reference: str) -> Outcome:
        if not self.url:
            return Outcome.failed("NOTIFICATIONS_SMS_URL is not set.")
        body = json.dumps({"to": to, "from": self.sender, "text": text, "reference": reference}).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json", **self._auth_headers()}
        try:
            # The gateway is configured by the operator (it may live on the internal network).
            answer = outbound.post(self.url, body, headers, timeout=self.timeout, guarded=False)
        except outbound.OutboundError as exc:
            return Outcome.retry(f"SMS gateway unreachable: {exc}")
        detail = {"status": answer.status, "body": answer.text(300)}
        if answer.ok:
            message_id = ""
            with contextlib.suppress(ValueError, AttributeError):
                message_id = str(json.loads(answer.body or b"{}").get(self.id_field, ""))
            return Outcome.sent(message_id, details=[detail])
        error = f"SMS gateway answered {answer.status}: {answer.text(300)}"
        if answer.status in RETRYABLE_STATUSES or answer.status >= 500:
            return Outcome.retry(error, details=[detail])
        return Outcome.failed(error, details=[detail])


class SmsChannel(ChannelBackend):
    channel = Channel.SMS

    def __init__(self) -> None:
        self.gateway: SmsGateway = import_string(settings.NOTIFICATIONS_SMS_BACKEND)()

    def send(self, message: Message) -> Outcome:
        if not message.phone:
            return Outcome.skipped("No phone number in the profile.")
        text = " ".join(message.text.split())[:MAX_SMS_CHARS]
        return self.gateway.send_sms(to=message.phone, text=text, reference=f"notification-{message.notification_id}")
