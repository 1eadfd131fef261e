"""Push: Web Push (RFC 8030/8291/8292, VAPID) for browsers and FCM HTTP v1 for Android and iOS.

One delivery reaches every active device of the person. Web Push payloads are encrypted with
``aes128gcm`` for the subscription's keys (pywebpush/http_ece) and sent with a VAPID
``Authorization`` header signed by ``NOTIFICATIONS_VAPID_PRIVATE_KEY``. A push service answering
404 or 410 (the subscription is gone), or FCM answering UNREGISTERED / an invalid token, revokes
that device for good; 429 and 5xx are retried; other 4xx fail without retry.

Subscription endpoints come from browsers, so they are called through the address guard (a
subscription pointing at 127.0.0.1 or 169.254.169.254 is refused, as for webhooks).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import structlog
from django.conf import settings
from django.utils import timezone
from py_vapid import Vapid
from pywebpush import WebPusher, WebPushException

from notifications import netguard, outbound
from notifications.channels.base import ChannelBackend, Message, Outcome, Result
from notifications.choices import Channel, Platform, Priority

log = structlog.get_logger("cotai.notifications.push")
GONE_STATUSES = {404, 410}
RETRYABLE_STATUSES = {408, 425, 429}
VAPID_CLAIM_SECONDS = 12 * 3600


def vapid_public_key() -> str:
    """The application server key browsers subscribe with (base64url, derived from the private key)."""
    private = settings.NOTIFICATIONS_VAPID_PRIVATE_KEY
    if not private:
        return ""
    from cryptography.hazmat.primitives import serialization
    from py_vapid.utils import b64urlencode

    key = Vapid.from_string(private).public_key
    return b64urlencode(key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


def push_payload(message: Message) -> dict[str, Any]:
    """What the service worker receives (documented in the README): small and without secrets."""
    return {
        "title": message.subject[:120],
        "body": message.text[:400],
        "url": message.url,
        "type": message.event_type,
        "notification_id": message.notification_id,
    }


def _classify(status: int, body: str, *, target: str) -> tuple[str, str]:
    """(result, error) for a push service answer."""
    if 200 <= status < 300:
        return Result.SENT, ""
    error = f"{target} answered {status}: {body[:200]}"
    if status in GONE_STATUSES:
        return Result.FAILED, error
    if status in RETRYABLE_STATUSES or status >= 500:
        return Result.RETRY, error
    return Result.FAILED, error


class WebPushSender:
    def __init__(self) -> None:
        self.private_key = settings.NOTIFICATIONS_VAPID_PRIVATE_KEY
        self.subject = settings.NOTIFICATIONS_VAPID_SUBJECT
        self.ttl = settings.NOTIFICATIONS_PUSH_TTL
        self.timeout = settings.NOTIFICATIONS_PUSH_TIMEOUT

    def send(self, subscription: dict[str, Any], payload: bytes, priority: str) -> tuple[str, str, dict]:
        """(result, error, detail) of one Web Push request."""
        if not self.private_key:
            return Result.SKIPPED, "Web Push is not configured (NOTIFICATIONS_VAPID_PRIVATE_KEY).", {}
        endpoint = subscription.get("endpoint", "")
        try:
            encoded = WebPusher(subscription).encode(payload, "aes128gcm")
        except (WebPushException, ValueError, TypeError) as exc:
            return Result.FAILED, f"Invalid subscription: {exc}", {}
        parts = urlsplit(endpoint)
        claims = {
            "sub": self.subject,
            "aud": f"{parts.scheme}://{parts.netloc}",
            "exp": int(time.time()) + VAPID_CLAIM_SECONDS,
        }
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Encoding": "aes128gcm",
            "TTL": str(self.ttl),
            "Urgency": "high" if priority in (Priority.HIGH, Priority.URGENT) else "normal",
            **Vapid.from_string(self.private_key).sign(claims),
        }
        try:
            answer = outbound.post(endpoint, encoded["body"], headers, timeout=self.timeout, guarded=True)
        except netguard.UnsafeUrl as exc:
            return Result.FAILED, f"Refused push endpoint: {exc}", {}
        except outbound.OutboundError as exc:
            return Result.RETRY, f"Push service unreachable: {exc}", {}
        result, error = _classify(answer.status, answer.text(200), target="The push service")
        return (
            result,
            error,
            {"status": answer.status, "ms": answer.elapsed_ms, "id": answer.headers.get("location", "")},
        )


class FcmSender:
    """Firebase Cloud Messaging, HTTP v1 API, authenticated with a service account (OAuth 2 JWT grant)."""

    SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
    _token_lock = threading.Lock()
    _token_cache: dict[str, tuple[str, float]] = {}

    def __init__(self) -> None:
        self.credentials = self._load_credentials()
        self.endpoint = settings.NOTIFICATIONS_FCM_ENDPOINT.rstrip("/")
        self.timeout = settings.NOTIFICATIONS_PUSH_TIMEOUT

    @staticmethod
    def _load_credentials() -> dict[str, Any] | None:
        raw = settings.NOTIFICATIONS_FCM_CREDENTIALS
        if not raw:
            return None
        return json.loads(raw)

    @property
    def configured(self) -> bool:
        return self.credentials is not None

    @property
    def project_id(self) -> str:
        return settings.NOTIFICATIONS_FCM_PROJECT_ID or (self.credentials or {}).get("project_id", "")

    def _access_token(self, *, refresh: bool = False) -> str:
        creds = self.credentials or {}
        key = creds.get("client_email", "")
        with self._token_lock:
            cached = self._token_cache.get(key)
            if cached and not refresh and cached[1] > time.time() + 60:
                return cached[0]
            now = int(time.time())
            assertion = jwt.encode(
                {"iss": key, "scope": self.SCOPE, "aud": creds["token_uri"], "iat": now, "exp": now + 3600},
                creds["private_key"],
                algorithm="RS256",
                headers={"kid": creds.get("private_key_id", "")},
            )
            body = urlencode(
                {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
            ).encode()
            answer = outbound.post(
                creds["token_uri"],
                body,
                {"Content-Type": "application/x-www-form-urlencoded"},
                timeout=self.timeout,
                guarded=False,
            )
            if not answer.ok:
                raise outbound.OutboundError(f"token endpoint answered {answer.status}: {answer.text(200)}")
            data = json.loads(answer.body)
            token = data["access_token"]
            self._token_cache[key] = (token, time.time() + int(data.get("expires_in", 3600)))
            return token

    def send(self, token: str, message: Message) -> tuple[str, str, dict]:
        if not self.configured:
            return Result.SKIPPED, "FCM is not configured (NOTIFICATIONS_FCM_CREDENTIALS).", {}
        payload = push_payload(message)
        body = json.dumps(
            {
                "message": {
                    "token": token,
                    "notification": {"title": payload["title"], "body": payload["body"]},
                    # FCM data values must be strings.
                    "data": {key: str(value) for key, value in payload.items()},
                    "android": {
                        "priority": "high" if message.priority in (Priority.HIGH, Priority.URGENT) else "normal"
                    },
                }
            }
        ).encode()
        url = f"{self.endpoint}/v1/projects/{self.project_id}/messages:send"
        try:
            for attempt in (1, 2):
                headers = {
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {self._access_token(refresh=attempt == 2)}",
                }
                answer = outbound.post(url, body, headers, timeout=self.timeout, guarded=False)
                if answer.status != 401:
                    break
        except outbound.OutboundError as exc:
            return Result.RETRY, f"FCM unreachable: {exc}", {}
        text = answer.text(500)
        detail = {"status": answer.status, "ms": answer.elapsed_ms}
        if answer.ok:
            with contextlib.suppress(ValueError):
                detail["id"] = json.loads(answer.body).get("name", "")
            return Result.SENT, "", detail
        result, error = _classify(answer.status, text, target="FCM")
        if "UNREGISTERED" in text or ("INVALID_ARGUMENT" in text and "token" in text.lower()):
            result = Result.FAILED
            detail["gone"] = True
        return result, error, detail


class PushChannel(ChannelBackend):
    """Every active device of the person; sent if any device took it, retried if none did but
    one may later, failed when every device refused for good, skipped when there is no device."""

    channel = Channel.PUSH

    def __init__(self) -> None:
        self.webpush = WebPushSender()
        self.fcm = FcmSender()

    def send(self, message: Message) -> Outcome:
        from notifications.models import DeviceToken

        devices = list(DeviceToken.objects.active().filter(user_id=message.user_id))
        if not devices:
            return Outcome.skipped("No active device.")
        payload = json.dumps(push_payload(message)).encode()
        results: list[str] = []
        details: list[dict[str, Any]] = []
        errors: list[str] = []
        provider_ids: list[str] = []
        for device in devices:
            if device.platform == Platform.WEB:
                result, error, detail = self.webpush.send(device.subscription, payload, message.priority)
            else:
                result, error, detail = self.fcm.send(device.token, message)
            gone = result == Result.FAILED and (detail.get("status") in GONE_STATUSES or detail.get("gone"))
            if gone or (
                result == Result.FAILED and error.startswith(("Invalid subscription", "Refused push endpoint"))
            ):
                # The service says this subscription no longer exists: never use it again.
                DeviceToken.objects.filter(pk=device.pk, revoked_at__isnull=True).update(
                    revoked_at=timezone.now(), revoke_reason=error[:200]
                )
            results.append(result)
            details.append({"device_id": device.pk, "platform": device.platform, "result": result, **detail})
            if error:
                errors.append(f"device {device.pk}: {error}")
            if detail.get("id"):
                provider_ids.append(str(detail["id"]))
        error_text = "; ".join(errors)
        if Result.SENT in results:
            return Outcome.sent(",".join(provider_ids)[:255], details=details, error=error_text)
        if Result.RETRY in results:
            return Outcome.retry(error_text, details=details)
        if Result.FAILED in results:
            return Outcome.failed(error_text, details=details)
        return Outcome.skipped(error_text or "No device could receive push notifications.", details=details)
