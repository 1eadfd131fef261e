"""Every change in the notifications domain: reading marks, preferences, devices and webhooks.

Keyword-only functions; each checks who may do it, runs in a transaction, audits what matters
and raises ``cotai.exceptions`` errors. Notifications themselves are created by the fan-out
(:mod:`notifications.fanout`), driven by domain-event subscribers.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from companies import permissions
from cotai import audit, events
from cotai.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed
from notifications import catalog, netguard, signing
from notifications.choices import PERSONAL_CHANNELS, Channel, DigestFrequency, Platform, WebhookDeliveryStatus
from notifications.models import (
    DeviceToken,
    Notification,
    NotificationPreference,
    NotificationSettings,
    WebhookDelivery,
    WebhookEndpoint,
    new_message_id,
    token_fingerprint,
)

WEBHOOKS_MANAGE = "webhooks.manage"


def _person(actor: Any) -> Any:
    """Notifications, preferences and devices belong to people: API keys and anonymous are refused."""
    if actor is None or not getattr(actor, "is_authenticated", False) or getattr(actor, "pk", None) is None:
        raise PermissionDenied("Notifications belong to a person; sign in as that person.")
    return actor


# --- reading --------------------------------------------------------------------------------------------
def _own(actor: Any, notification_id: Any) -> Notification:
    user = _person(actor)
    try:
        return Notification.objects.for_user(user).visible().get(pk=int(notification_id))
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such notification.") from None


def notification_mark_read(*, actor: Any, notification_id: Any) -> Notification:
    """Mark one of the actor's notifications read (idempotent: the first read time is kept)."""
    notification = _own(actor, notification_id)
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    notification.refresh_from_db()
    return notification


def notification_mark_unread(*, actor: Any, notification_id: Any) -> Notification:
    notification = _own(actor, notification_id)
    Notification.objects.filter(pk=notification.pk).update(read_at=None)
    notification.refresh_from_db()
    return notification


def notification_archive(*, actor: Any, notification_id: Any) -> Notification:
    """Archive (and so mark read) one notification: it leaves the bell and the default list."""
    notification = _own(actor, notification_id)
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk, archived_at__isnull=True).update(archived_at=now)
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    notification.refresh_from_db()
    return notification


def notification_mark_all_read(*, actor: Any, event_type: str | None = None) -> int:
    """Mark every visible unread notification of the actor read; returns how many changed."""
    user = _person(actor)
    queryset = Notification.objects.for_user(user).visible()
    if event_type:
        queryset = queryset.filter(event_type=event_type)
    return queryset.mark_read()


# --- preferences ----------------------------------------------------------------------------------------
def preferences_update(*, actor: Any, choices: Mapping[tuple[str, str], bool]) -> int:
    """Set the actor's channel choices {(type, channel): on}; returns how many rows changed.

    Refuses (nothing stored) unknown types or channels, and switching off a mandatory (security)
    type in the app or by email.
    """
    user = _person(actor)
    errors: dict[str, list[str]] = {}
    for (event_type, channel), enabled in choices.items():
        spec = catalog.TYPES.get(event_type)
        key = f"{event_type}.{channel}"
        if spec is None or channel not in PERSONAL_CHANNELS:
            errors.setdefault(key, []).append("Unknown notification type or channel.")
        elif spec.mandatory and channel in (Channel.IN_APP, Channel.EMAIL) and not enabled:
            errors.setdefault(key, []).append(f"“{spec.label}” is a security notice and cannot be switched off.")
    if errors:
        raise ValidationFailed("Some choices cannot be saved.", errors=errors)
    changed = 0
    with transaction.atomic():
        existing = {
            (row.event_type, row.channel): row
            for row in NotificationPreference.objects.filter(user=user).select_for_update()
        }
        for (event_type, channel), enabled in choices.items():
            row = existing.get((event_type, channel))
            if row is None:
                NotificationPreference.objects.create(
                    user=user, event_type=event_type, channel=channel, enabled=enabled
                )
                changed += 1
            elif row.enabled != bool(enabled):
                NotificationPreference.objects.filter(pk=row.pk).update(enabled=enabled, updated_at=timezone.now())
                changed += 1
    return changed


def preference_matrix(user: Any) -> dict[str, dict[str, bool]]:
    """{type: {channel: on}} for every type, with the defaults filled in."""
    stored = {
        (event_type, channel): enabled
        for event_type, channel, enabled in NotificationPreference.objects.filter(user=user).values_list(
            "event_type", "channel", "enabled"
        )
    }
    matrix: dict[str, dict[str, bool]] = {}
    for name, spec in catalog.TYPES.items():
        row = {}
        for channel in PERSONAL_CHANNELS:
            if spec.mandatory and channel in (Channel.IN_APP, Channel.EMAIL):
                row[channel] = True
            else:
                row[channel] = stored.get((name, channel), channel in spec.default_channels)
        matrix[name] = row
    return matrix


def settings_for(user: Any) -> NotificationSettings:
    """The person's settings row, or an unsaved one with the defaults."""
    return NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)


def settings_update(
    *,
    actor: Any,
    digest_frequency: str | None = None,
    digest_hour: int | None = None,
    digest_weekday: int | None = None,
    quiet_hours_start: time | str | None = "",
    quiet_hours_end: time | str | None = "",
) -> NotificationSettings:
    """Change the digest rhythm and quiet hours (times are local to ``user.time_zone``).

    Arguments left out keep their value (``""`` for the quiet hours means "unchanged", None clears).
    Quiet hours need both ends, or neither.
    """
    user = _person(actor)
    errors: dict[str, list[str]] = {}
    if digest_frequency is not None and digest_frequency not in DigestFrequency.values:
        errors["digest_frequency"] = [f"Choose one of {', '.join(DigestFrequency.values)}."]
    if digest_hour is not None and not (0 <= int(digest_hour) <= 23):
        errors["digest_hour"] = ["An hour from 0 to 23."]
    if digest_weekday is not None and not (0 <= int(digest_weekday) <= 6):
        errors["digest_weekday"] = ["A weekday from 0 (Monday) to 6 (Sunday)."]
    with transaction.atomic():
        row, _ = NotificationSettings.objects.select_for_update().get_or_create(user=user)
        start = row.quiet_hours_start if quiet_hours_start == "" else quiet_hours_start
        end = row.quiet_hours_end if quiet_hours_end == "" else quiet_hours_end
        if (start is None) != (end is None):
            errors["quiet_hours"] = ["Give both the start and the end of the quiet hours, or neither."]
        elif start is not None and start == end:
            errors["quiet_hours"] = ["The quiet hours must start and end at different times."]
        if errors:
            raise ValidationFailed("The settings are not valid.", errors=errors)
        if digest_frequency is not None:
            row.digest_frequency = digest_frequency
        if digest_hour is not None:
            row.digest_hour = int(digest_hour)
        if digest_weekday is not None:
            row.digest_weekday = int(digest_weekday)
        row.quiet_hours_start, row.quiet_hours_end = start, end
        row.save()
    return row


# --- devices -------------------------------------------------------------------------------------------------
def _b64url(value: Any) -> bytes:
    text = str(value or "")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _clean_web_subscription(subscription: Any) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if not isinstance(subscription, Mapping):
        raise ValidationFailed("Send the browser's PushSubscription as JSON.", errors={"subscription": ["Required."]})
    endpoint = str(subscription.get("endpoint") or "")
    keys = subscription.get("keys") or {}
    try:
        netguard.check_url(endpoint, require_https=not netguard.allow_private())
    except netguard.UnsafeUrl as exc:
        errors["subscription.endpoint"] = [str(exc)]
    try:
        if len(_b64url(keys.get("p256dh"))) != 65 or len(_b64url(keys.get("auth"))) < 16:
            raise ValueError
    except (ValueError, binascii.Error, TypeError):
        errors["subscription.keys"] = ["The subscription keys p256dh and auth are missing or malformed."]
    if errors:
        raise ValidationFailed("The push subscription is not valid.", errors=errors)
    return {"endpoint": endpoint, "keys": {"p256dh": str(keys["p256dh"]), "auth": str(keys["auth"])}}


def device_register(
    *, actor: Any, platform: str, token: str = "", subscription: Any = None, name: str = ""
) -> DeviceToken:
    """Register (or refresh) a device of the actor: a Web Push subscription or an FCM token.

    The same subscription registered again updates ``last_seen_at`` (and un-revokes it: the browser
    just handed it to us again). A token moves to the person who registers it last (one device,
    one person signed in).
    """
    user = _person(actor)
    if platform not in Platform.values:
        raise ValidationFailed("Unknown platform.", errors={"platform": [f"One of {', '.join(Platform.values)}."]})
    if platform == Platform.WEB:
        subscription = _clean_web_subscription(subscription)
        token = subscription["endpoint"]
    else:
        token = (token or "").strip()
        subscription = {}
        if not token or len(token) > 4096:
            raise ValidationFailed("The device token is missing.", errors={"token": ["Required."]})
    now = timezone.now()
    with transaction.atomic():
        device = DeviceToken.objects.select_for_update().filter(token_hash=token_fingerprint(platform, token)).first()
        if device is None:
            device = DeviceToken(user=user, platform=platform, token=token)
        device.user = user
        device.subscription = subscription
        device.name = (name or device.name or "")[:120]
        device.last_seen_at = now
        device.revoked_at = None
        device.revoke_reason = ""
        device.save()
    return device


def device_revoke(*, actor: Any, device_id: Any) -> DeviceToken:
    user = _person(actor)
    try:
        device = DeviceToken.objects.for_user(user).get(pk=int(device_id))
    except (DeviceToken.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such device.") from None
    DeviceToken.objects.filter(pk=device.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason="Removed by its owner."
    )
    device.refresh_from_db()
    return device


# --- webhooks ----------------------------------------------------------------------------------------------
def _require_manage(actor: Any, company: Any) -> None:
    permissions.require(actor, WEBHOOKS_MANAGE, company)


def _clean_endpoint_fields(url: str | None, event_types: Iterable[str] | None) -> tuple[str | None, list[str] | None]:
    errors: dict[str, list[str]] = {}
    if url is not None:
        url = url.strip()
        if len(url) > 500:
            errors["url"] = ["At most 500 characters."]
        else:
            try:
                netguard.check_url(url)
            except netguard.UnsafeUrl as exc:
                errors["url"] = [str(exc)]
    types: list[str] | None = None
    if event_types is not None:
        types = sorted(set(event_types))
        unknown = [name for name in types if name not in catalog.WEBHOOK_TYPES]
        if unknown:
            errors["event_types"] = [f"Unknown event types: {', '.join(unknown)}."]
        elif not types:
            errors["event_types"] = ["Choose at least one event type."]
    if errors:
        raise ValidationFailed("The endpoint is not valid.", errors=errors)
    return url, types


def _endpoint_state(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "event_types": endpoint.event_types,
        "is_active": endpoint.is_active,
        "description": endpoint.description,
    }


def webhook_endpoint_create(
    *, actor: Any, company: Any, url: str, event_types: Iterable[str], description: str = "", request: Any = None
) -> WebhookEndpoint:
    """Register an endpoint (company admins or an API key with webhooks:manage); the URL must pass
    the address guard. A new ``whsec_`` secret is generated and shown to the caller."""
    _require_manage(actor, company)
    url, types = _clean_endpoint_fields(url, event_types)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            company=company,
            url=url,
            event_types=types,
            description=(description or "")[:200],
            secret=signing.generate_secret(),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            action="webhook.endpoint_created",
            actor=actor,
            company=company,
            obj=endpoint,
            after=_endpoint_state(endpoint),
            request=request,
        )
    return endpoint


def webhook_endpoint_update(
    *,
    actor: Any,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
    request: Any = None,
) -> WebhookEndpoint:
    """Change an endpoint. Turning it back on clears its failure record."""
    _require_manage(actor, endpoint.company)
    url, types = _clean_endpoint_fields(url, event_types)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = _endpoint_state(locked)
        if url is not None:
            locked.url = url
        if types is not None:
            locked.event_types = types
        if description is not None:
            locked.description = description[:200]
        if is_active is not None and is_active != locked.is_active:
            locked.is_active = is_active
            if is_active:
                locked.consecutive_failures = 0
                locked.failing_since = None
                locked.disabled_at = None
                locked.disabled_reason = ""
            else:
                locked.disabled_at = timezone.now()
                locked.disabled_reason = "Disabled by an administrator."
        locked.save()
        audit.record(
            action="webhook.endpoint_updated",
            actor=actor,
            company=locked.company_id,
            obj=locked,
            before=before,
            after=_endpoint_state(locked),
            request=request,
        )
    return locked


def webhook_endpoint_rotate_secret(*, actor: Any, endpoint: WebhookEndpoint, request: Any = None) -> WebhookEndpoint:
    """A new secret; the old one keeps signing (alongside) for ``NOTIFICATIONS_WEBHOOK_ROTATION_HOURS``."""
    _require_manage(actor, endpoint.company)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = timezone.now() + timedelta(
            hours=settings.NOTIFICATIONS_WEBHOOK_ROTATION_HOURS
        )
        locked.secret = signing.generate_secret()
        locked.save(update_fields=["previous_secret", "previous_secret_expires_at", "secret", "updated_at"])
        audit.record(
            action="webhook.secret_rotated", actor=actor, company=locked.company_id, obj=locked, request=request
        )
    return locked


def webhook_endpoint_delete(*, actor: Any, endpoint: WebhookEndpoint, request: Any = None) -> None:
    _require_manage(actor, endpoint.company)
    with transaction.atomic():
        audit.record(
            action="webhook.endpoint_deleted",
            actor=actor,
            company=endpoint.company_id,
            obj=endpoint,
            before=_endpoint_state(endpoint),
            request=request,
        )
        endpoint.delete()


def _enqueue_after_commit(delivery_id: int) -> None:
    from notifications.delivery import enqueue_webhook_deliveries

    transaction.on_commit(partial(enqueue_webhook_deliveries, [delivery_id]))


def webhook_send_test(*, actor: Any, endpoint: WebhookEndpoint, request: Any = None) -> WebhookDelivery:
    """Queue a ``webhook.test`` message to the endpoint (even a disabled one, to check a fix)."""
    from notifications.fanout import webhook_payload

    _require_manage(actor, endpoint.company)
    now = timezone.now()
    msg_id = new_message_id()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_type=catalog.WEBHOOK_TEST_TYPE,
            msg_id=msg_id,
            payload=webhook_payload(
                msg_id=msg_id,
                event_type=catalog.WEBHOOK_TEST_TYPE,
                occurred_at=now,
                company_id=endpoint.company_id,
                data={
                    "message": "A test event from CotAi: your endpoint is reachable and verifies signatures.",
                    "endpoint_id": endpoint.pk,
                },
            ),
            is_test=True,
            next_attempt_at=now,
        )
        _enqueue_after_commit(delivery.pk)
    return delivery


def webhook_redeliver(*, actor: Any, delivery: WebhookDelivery, request: Any = None) -> WebhookDelivery:
    """Send a past message again: a new delivery with the same payload and the same ``webhook-id``."""
    endpoint = delivery.endpoint
    _require_manage(actor, endpoint.company)
    if delivery.status == WebhookDeliveryStatus.PENDING:
        raise InvalidState("This delivery is still being attempted.")
    with transaction.atomic():
        copy = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_type=delivery.event_type,
            event_id=delivery.event_id,
            msg_id=delivery.msg_id,
            payload=delivery.payload,
            is_test=delivery.is_test,
            redelivery_of=delivery,
            next_attempt_at=timezone.now(),
        )
        audit.record(
            action="webhook.redelivered",
            actor=actor,
            company=endpoint.company_id,
            obj=copy,
            data={"original_id": delivery.pk, "msg_id": delivery.msg_id},
            request=request,
        )
        _enqueue_after_commit(copy.pk)
    return copy


def disable_failing_endpoints(*, now: datetime | None = None) -> list[int]:
    """Disable active endpoints that have failed without a success for
    ``NOTIFICATIONS_WEBHOOK_DISABLE_AFTER_DAYS`` days; emits webhook.endpoint_disabled for each,
    which tells the company's owners and admins. Idempotent (a disabled endpoint is left alone)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.NOTIFICATIONS_WEBHOOK_DISABLE_AFTER_DAYS)
    disabled: list[int] = []
    for endpoint in WebhookEndpoint.objects.filter(is_active=True, failing_since__lte=cutoff):
        with transaction.atomic():
            reason = (
                f"Disabled after failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC "
                f"({endpoint.consecutive_failures} failed attempts in a row)."
            )
            changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
                is_active=False, disabled_at=now, disabled_reason=reason
            )
            if not changed:
                continue
            audit.record(
                action="webhook.endpoint_disabled", company=endpoint.company_id, obj=endpoint, data={"reason": reason}
            )
            events.emit_on_commit(
                "webhook.endpoint_disabled",
                company_id=endpoint.company_id,
                endpoint_id=endpoint.pk,
                url=endpoint.url,
                failing_since=endpoint.failing_since,
                failures=endpoint.consecutive_failures,
                last_error=endpoint.last_error,
            )
        disabled.append(endpoint.pk)
    return disabled


def ensure_default_templates() -> int:
    """Write the built-in English texts of every type and channel that has no row yet (staff edit
    them afterwards). Returns how many rows were created; run after migrations."""
    from notifications.models import NotificationTemplate

    existing = set(NotificationTemplate.objects.filter(language="en").values_list("event_type", "channel"))
    rows = []
    for name, spec in catalog.TYPES.items():
        for channel in PERSONAL_CHANNELS:
            if (name, channel) in existing:
                continue
            subject, body = spec.default_text(channel)
            rows.append(
                NotificationTemplate(event_type=name, channel=channel, language="en", subject=subject, body=body)
            )
    try:
        NotificationTemplate.objects.bulk_create(rows, ignore_conflicts=True)
    except IntegrityError:  # pragma: no cover - a concurrent migrate wrote them first
        return 0
    return len(rows)
