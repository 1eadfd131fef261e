"""Webhooks: one signed JSON POST per attempt, through the address guard, without redirects.

2xx is success. 408, 425, 429 and 5xx answers, timeouts and refused connections are retried with
backoff; any other answer (including a 3xx redirect, which is never followed) counts as a failed
attempt and is retried as well, since receivers are often fixed by their owners in the meantime —
until the attempts run out. A URL that now resolves to a refused address fails for good.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings

from notifications import netguard, outbound, signing
from notifications.channels.base import Outcome
from notifications.choices import Channel

USER_AGENT = "CotAi-Webhooks/1.0"


def encode_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent (compact JSON, UTF-8)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=False).encode()


class WebhookChannel:
    """Sends company webhook deliveries. Not a ChannelBackend: a webhook goes to an endpoint of a
    company, not to a person, so it takes a WebhookDelivery rather than a personal Message. Listing
    it in NOTIFICATION_CHANNELS is what switches webhooks on."""

    channel = Channel.WEBHOOK

    def send_webhook(self, delivery: Any) -> Outcome:
        """One attempt of ``delivery`` (a WebhookDelivery with its endpoint loaded)."""
        endpoint = delivery.endpoint
        body = encode_body(delivery.payload)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **signing.headers(endpoint.signing_secrets(), delivery.msg_id, timestamp, body),
        }
        try:
            answer = outbound.post(
                endpoint.url, body, headers, timeout=settings.NOTIFICATIONS_WEBHOOK_TIMEOUT, guarded=True, max_body=1000
            )
        except netguard.UnsafeUrl as exc:
            return Outcome.failed(f"Refused: {exc}")
        except outbound.OutboundError as exc:
            return Outcome.retry(f"No answer: {exc}")
        detail = {"status": answer.status, "ms": answer.elapsed_ms, "body": answer.text(1000)}
        if answer.ok:
            return Outcome.sent(delivery.msg_id, details=[detail])
        return Outcome.retry(f"The endpoint answered {answer.status}.", details=[detail])
