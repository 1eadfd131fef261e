"""Fan-out: from "this happened" to one notification per person and one delivery per channel.

``notify(event_id=..., audiences=[...])`` resolves every audience to people with one query each,
reads their preferences, settings and devices with one query each, renders the in-app texts, and
writes all notifications, all deliveries and the webhook deliveries of the companies concerned in
a few statements — the cost does not grow with the number of recipients in queries, only in rows.
After commit, the deliveries due now are handed to workers in chunks.

Rules applied per person and channel:

- a channel is used when it is configured (``NOTIFICATION_CHANNELS``), the person left it on
  (or never changed the type's default) and it can reach them (a phone number for SMS, an active
  device for push). Mandatory (security) types always go in-app and by email;
- ``scheduled_for``: nothing is delivered before it, not even the bell;
- quiet hours postpone email, SMS and push of non-urgent notifications to their end;
- people with a daily or weekly digest get non-urgent emails in their digest instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.query import ModelIterable
from django.utils import timezone

from notifications import bulk, catalog, templating
from notifications.channels import enabled_channels
from notifications.choices import (
    INTERRUPTING_CHANNELS,
    PERSONAL_CHANNELS,
    Channel,
    DeliveryStatus,
    DigestFrequency,
    Priority,
    WebhookDeliveryStatus,
)
from notifications.models import (
    DeviceToken,
    Notification,
    NotificationDelivery,
    NotificationPreference,
    NotificationSettings,
    WebhookDelivery,
    WebhookEndpoint,
    new_message_id,
)
from notifications.rendering import SITE_NAME, Renderer, absolute_url, encode_context, plain_context
from notifications.schedule import quiet_until

log = structlog.get_logger("cotai.notifications")

# Roles that hear about a company's side of a tender.
BUYER_ROLES = ("owner", "admin", "buyer")
SUPPLIER_ROLES = ("owner", "admin", "supplier_rep")
ADMIN_ROLES = ("owner", "admin")
IN_CHUNK = 10000


@dataclass
class Audience:
    """Who receives one notification type, and what it says.

    Either ``companies`` (ids, or a queryset of companies used as a subquery) whose active members
    with one of ``roles`` receive it, or ``user_ids`` (people, with ``company_id`` as their company).
    ``context``: the type's variables (whitelisted facts; see ``catalog``); ``company_context``:
    extra variables per company id, merged into ``context``. ``webhook``: also send it to the
    audience companies' webhook endpoints subscribed to the type.
    """

    type: str
    context: Mapping[str, Any]
    link: str = ""
    companies: Any = None
    roles: Sequence[str] = ()
    user_ids: Sequence[int] = ()
    company_id: int | None = None
    company_context: Callable[[int], Mapping[str, Any]] | None = None
    object_type: str = ""
    object_id: str = ""
    priority: str | None = None
    scheduled_for: datetime | None = None
    webhook: bool = True


@dataclass
class Recipient:
    user_id: int
    company_id: int | None
    company_name: str
    email: str
    full_name: str
    language: str
    time_zone: str
    phone: str


@dataclass
class FanoutResult:
    notifications: int = 0
    deliveries: dict[str, int] = field(default_factory=dict)
    webhooks: int = 0
    batch_id: uuid.UUID | None = None


_USER_FIELDS = ("email", "full_name", "language", "time_zone", "phone")


def _recipients(audience: Audience) -> list[Recipient]:
    """The people of one audience, in one query."""
    from companies.models import Membership

    out: list[Recipient] = []
    if audience.companies is not None:
        condition = {"company_id__in": _company_ids(audience.companies)}
        rows = (
            Membership.objects.filter(is_active=True, user__is_active=True, role__in=list(audience.roles), **condition)
            .order_by("company_id", "user_id")
            .values_list(
                "user_id",
                "company_id",
                "company__trade_name",
                "company__legal_name",
                *(f"user__{name}" for name in _USER_FIELDS),
            )
        )
        for user_id, company_id, trade, legal, email, full_name, language, tz, phone in rows:
            out.append(Recipient(user_id, company_id, trade or legal, email, full_name, language, tz, phone))
    if audience.user_ids:
        company_name = ""
        if audience.company_id:
            from companies.models import Company

            company = Company.objects.filter(pk=audience.company_id).only("trade_name", "legal_name").first()
            company_name = company.display_name if company else ""
        rows = (
            get_user_model()
            .objects.filter(pk__in=list(audience.user_ids), is_active=True)
            .values_list("pk", *_USER_FIELDS)
        )
        for user_id, email, full_name, language, tz, phone in rows:
            out.append(Recipient(user_id, audience.company_id, company_name, email, full_name, language, tz, phone))
    return out


def _chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class _Preferences:
    """Preferences, settings and devices of every recipient, read with one query each."""

    def __init__(self, user_ids: list[int], types: set[str], channels: tuple[str, ...]) -> None:
        self.choices: dict[tuple[int, str, str], bool] = {}
        self.settings: dict[int, NotificationSettings] = {}
        self.devices: set[int] = set()
        for chunk in _chunks(user_ids):
            for user_id, event_type, channel, enabled in NotificationPreference.objects.filter(
                user_id__in=chunk, event_type__in=types
            ).values_list("user_id", "event_type", "channel", "enabled"):
                self.choices[(user_id, event_type, channel)] = enabled
            for row in NotificationSettings.objects.filter(user_id__in=chunk):
                self.settings[row.user_id] = row
            if Channel.PUSH in channels:
                self.devices.update(
                    DeviceToken.objects.active()
                    .filter(user_id__in=chunk)
                    .order_by()
                    .values_list("user_id", flat=True)
                    .distinct()
                )

    def channels_for(
        self, recipient: Recipient, spec: catalog.NotificationType, configured: tuple[str, ...]
    ) -> list[str]:
        chosen = []
        for channel in PERSONAL_CHANNELS:
            if channel not in configured:
                continue
            if spec.mandatory and channel in (Channel.IN_APP, Channel.EMAIL):
                enabled = True
            else:
                enabled = self.choices.get((recipient.user_id, spec.name, channel), channel in spec.default_channels)
            if not enabled:
                continue
            if channel == Channel.SMS and not recipient.phone:
                continue
            if channel == Channel.PUSH and recipient.user_id not in self.devices:
                continue
            if channel == Channel.EMAIL and not recipient.email:
                continue
            chosen.append(channel)
        return chosen


def notify(
    *,
    audiences: Sequence[Audience],
    event_id: uuid.UUID | str | None = None,
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> FanoutResult:
    """Create the notifications, deliveries and webhook deliveries of ``audiences``; enqueue after commit.

    ``event_id``: the domain event (at most one notification per event, type and person — a
    person in two audiences of the same type gets one). Runs in one transaction; the enqueueing
    happens after it commits, and anything it misses is picked up by the periodic sweeps.
    """
    now = now or timezone.now()
    occurred_at = occurred_at or now
    batch_id = uuid.UUID(str(event_id)) if event_id else uuid.uuid4()
    configured = enabled_channels()
    result = FanoutResult(batch_id=batch_id)

    resolved: list[tuple[Audience, Recipient]] = []
    seen: set[tuple[str, int]] = set()
    for audience in audiences:
        catalog.get(audience.type)  # an unknown type is a programming error: fail loudly
        for recipient in _recipients(audience):
            key = (audience.type, recipient.user_id)
            if key in seen:
                continue
            seen.add(key)
            resolved.append((audience, recipient))

    with transaction.atomic():
        notifications = _create_notifications(resolved, batch_id, occurred_at, now, configured, result)
        result.webhooks = _create_webhook_deliveries(audiences, batch_id, occurred_at, now)
        transaction.on_commit(partial(enqueue_due_batch, batch_id))
    result.notifications = notifications
    log.info(
        "notifications.fanout",
        batch_id=str(batch_id),
        types=sorted({a.type for a in audiences}),
        notifications=result.notifications,
        deliveries=result.deliveries,
        webhooks=result.webhooks,
    )
    return result


def _create_notifications(
    resolved: list[tuple[Audience, Recipient]],
    batch_id: uuid.UUID,
    occurred_at: datetime,
    now: datetime,
    configured: tuple[str, ...],
    result: FanoutResult,
) -> int:
    if not resolved:
        return 0
    user_ids = sorted({recipient.user_id for _, recipient in resolved})
    types = {audience.type for audience, _ in resolved}
    prefs = _Preferences(user_ids, types, configured)
    renderer = Renderer()
    renderer.preload(types, [Channel.IN_APP])

    rows: list[dict[str, Any]] = []
    plans: dict[tuple[str, int], tuple[list[str], Recipient, Audience, str]] = {}
    # Contexts are the same for every member of one company: merged, flattened and encoded once.
    per_company: dict[tuple[int, int | None], tuple[dict[str, Any], dict[str, Any]]] = {}
    common = {"site.name": SITE_NAME, "site.url": settings.SITE_URL, "event.occurred_at": occurred_at}
    for audience, recipient in resolved:
        spec = catalog.get(audience.type)
        priority = audience.priority or spec.priority
        key = (id(audience), recipient.company_id)
        if key not in per_company:
            context: Mapping[str, Any] = audience.context
            if audience.company_context is not None and recipient.company_id is not None:
                context = _merge(context, audience.company_context(recipient.company_id))
            context = _merge(context, {"company": {"name": recipient.company_name}})
            values = {**templating.flatten(context), **common, "link": absolute_url(audience.link)}
            per_company[key] = (encode_context(context), values)
        stored, values = per_company[key]
        person = _PersonView(recipient)
        title, body = renderer.render_texts(
            audience.type,
            Channel.IN_APP,
            language=recipient.language,
            time_zone=recipient.time_zone,
            values={**values, "recipient.name": person.get_short_name(), "recipient.email": recipient.email},
        )
        rows.append(
            {
                "recipient_id": recipient.user_id,
                "company_id": recipient.company_id,
                "event_type": audience.type,
                "event_id": batch_id,
                "title": title[:300],
                "body": body,
                "link": audience.link,
                "object_type": audience.object_type,
                "object_id": str(audience.object_id or ""),
                "priority": priority,
                "context": stored,
                "read_at": None,
                "archived_at": None,
                "scheduled_for": audience.scheduled_for,
                "created_at": now,
            }
        )
        plans[(audience.type, recipient.user_id)] = (
            prefs.channels_for(recipient, spec, configured),
            recipient,
            audience,
            priority,
        )
    bulk.insert(Notification, rows)
    ids = Notification.objects.filter(event_id=batch_id).values_list("id", "event_type", "recipient_id")

    deliveries: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for notification_id, event_type, user_id in ids:
        plan = plans.get((event_type, user_id))
        if plan is None:  # a row of an earlier run with the same event id (not ours to plan)
            continue
        channels, recipient, audience, priority = plan
        spec = catalog.get(event_type)
        settings_row = prefs.settings.get(user_id)
        start = audience.scheduled_for if audience.scheduled_for and audience.scheduled_for > now else now
        for channel in channels:
            delivery = {
                "notification_id": notification_id,
                "channel": channel,
                "status": DeliveryStatus.QUEUED,
                "next_attempt_at": start,
                "digest_pending": False,
                "delivered_at": None,
                "created_at": now,
                "updated_at": now,
            }
            urgent = priority == Priority.URGENT or spec.mandatory
            if channel == Channel.IN_APP and start <= now:
                # The row is the message: it is in the bell from now on.
                delivery.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None)
            elif channel in INTERRUPTING_CHANNELS and settings_row is not None and not urgent:
                if channel == Channel.EMAIL and settings_row.digest_frequency != DigestFrequency.IMMEDIATE:
                    delivery.update(digest_pending=True, next_attempt_at=None)
                else:
                    until = quiet_until(
                        start, recipient.time_zone, settings_row.quiet_hours_start, settings_row.quiet_hours_end
                    )
                    if until is not None:
                        delivery["next_attempt_at"] = until
            deliveries.append(delivery)
            counts[channel] = counts.get(channel, 0) + 1
    bulk.insert(NotificationDelivery, deliveries)
    result.deliveries = counts
    return len(rows)


class _PersonView:
    """What templates may know of a recipient, without loading the user row."""

    def __init__(self, recipient: Recipient) -> None:
        self.email = recipient.email
        self._name = recipient.full_name

    def get_short_name(self) -> str:
        return (self._name.split(" ")[0] if self._name else "") or self.email


def _company_ids(companies: Any) -> Any:
    """A subquery (or list) of company ids from a Company queryset, a one-column values queryset of
    company ids, or an iterable of ids."""
    if isinstance(companies, QuerySet):
        return companies.values("pk") if companies._iterable_class is ModelIterable else companies
    return list(companies)


def _audience_company_ids(audience: Audience) -> Any:
    if audience.companies is not None:
        return _company_ids(audience.companies)
    return [audience.company_id] if audience.company_id else []


def webhook_payload(
    *, msg_id: str, event_type: str, occurred_at: datetime, company_id: int, data: Mapping[str, Any]
) -> dict:
    """The JSON body of a webhook (a stable, documented schema: see the README)."""
    return {
        "id": msg_id,
        "type": event_type,
        "timestamp": occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "company_id": company_id,
        "data": plain_context(data),
    }


def _create_webhook_deliveries(
    audiences: Sequence[Audience], batch_id: uuid.UUID, occurred_at: datetime, now: datetime
) -> int:
    rows: list[dict[str, Any]] = []
    for audience in audiences:
        if not audience.webhook or audience.type not in catalog.WEBHOOK_TYPES:
            continue
        company_ids = _audience_company_ids(audience)
        if isinstance(company_ids, list) and not company_ids:
            continue
        endpoints = WebhookEndpoint.objects.filter(company_id__in=company_ids, is_active=True)
        for endpoint in endpoints:
            if audience.type not in (endpoint.event_types or []):
                continue
            data = dict(audience.context)
            if audience.company_context is not None:
                data = _merge(data, audience.company_context(endpoint.company_id))
            data["link"] = audience.link
            msg_id = new_message_id()
            rows.append(
                {
                    "endpoint_id": endpoint.pk,
                    "event_type": audience.type,
                    "event_id": batch_id,
                    "msg_id": msg_id,
                    "payload": webhook_payload(
                        msg_id=msg_id,
                        event_type=audience.type,
                        occurred_at=occurred_at,
                        company_id=endpoint.company_id,
                        data=encode_context(data),
                    ),
                    "status": WebhookDeliveryStatus.PENDING,
                    "next_attempt_at": now,
                    "redelivery_of_id": None,
                    "created_at": now,
                }
            )
    bulk.insert(WebhookDelivery, rows)
    return len(rows)


def enqueue_due_batch(batch_id: uuid.UUID) -> None:
    """After commit: hand the batch's deliveries that are due now to workers (never raises)."""
    from notifications import delivery

    now = timezone.now()
    try:
        notification_ids = list(
            NotificationDelivery.objects.due(now)
            .filter(notification__event_id=batch_id)
            .exclude(channel=Channel.IN_APP)
            .values_list("id", flat=True)
        )
        webhook_ids = list(WebhookDelivery.objects.due(now).filter(event_id=batch_id).values_list("id", flat=True))
    except Exception:
        log.warning("notifications.enqueue_failed", batch_id=str(batch_id), exc_info=True)
        return
    delivery.enqueue_notification_deliveries(notification_ids)
    delivery.enqueue_webhook_deliveries(webhook_ids)
