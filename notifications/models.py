"""Notifications, their deliveries per channel, templates, preferences, devices, digests and webhooks.

The QuerySet classes are the repositories: every filter with a rule (what a person sees, which
deliveries are due) is a method there, so pages, the API and tasks share it.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from notifications import catalog, templating
from notifications.choices import (
    Channel,
    DeliveryStatus,
    DigestFrequency,
    Platform,
    Priority,
    WebhookDeliveryStatus,
)


# --- notifications ------------------------------------------------------------------------------
class NotificationRepository(models.QuerySet["Notification"]):
    """Repository of notifications. A person only ever reads ``for_user(...)``."""

    def for_user(self, user: Any) -> NotificationRepository:
        return self.filter(recipient_id=getattr(user, "pk", None))

    def visible(self, now: datetime | None = None) -> NotificationRepository:
        """Notifications already due: a scheduled one stays out of sight until its time."""
        now = now or timezone.now()
        return self.filter(Q(scheduled_for__isnull=True) | Q(scheduled_for__lte=now))

    def unread(self) -> NotificationRepository:
        return self.filter(read_at__isnull=True, archived_at__isnull=True)

    def active(self) -> NotificationRepository:
        return self.filter(archived_at__isnull=True)

    def archived(self) -> NotificationRepository:
        return self.filter(archived_at__isnull=False)

    def mark_read(self, now: datetime | None = None) -> int:
        """Mark every unread row of this queryset read; returns how many changed (idempotent)."""
        return self.filter(read_at__isnull=True).update(read_at=now or timezone.now())


class Notification(models.Model):
    """One thing one person is told. Written once by the fan-out; only read/archived change later.

    ``context`` holds the whitelisted template variables of its type (see ``catalog``), so that
    every channel renders the same facts, in the recipient's language and time zone, when it sends.
    Invariant: at most one notification per (domain event, type, recipient).
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    company = models.ForeignKey("companies.Company", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    event_type = models.CharField(max_length=60, db_index=True)
    event_id = models.UUIDField(null=True, blank=True, help_text="The domain event that caused it.")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    context = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True, help_text="Not delivered before this time.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = NotificationRepository.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "event_type", "recipient"],
                condition=Q(event_id__isnull=False),
                name="notifications_one_per_event_type_recipient",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_created_idx"),
            models.Index(fields=["recipient", "read_at", "archived_at"], name="notif_recipient_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.recipient_id}: {self.title[:40]}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def spec(self) -> catalog.NotificationType | None:
        return catalog.TYPES.get(self.event_type)


# --- templates ----------------------------------------------------------------------------------
class NotificationTemplateRepository(models.QuerySet["NotificationTemplate"]):
    def for_type(self, event_type: str) -> NotificationTemplateRepository:
        return self.filter(event_type=event_type, is_active=True)


class NotificationTemplate(models.Model):
    """The text of one notification type on one channel in one language (staff edit it).

    Invariant: ``subject`` and ``body`` use only the variables the type provides, in the safe
    placeholder syntax of :mod:`notifications.templating`; anything else is refused on save.
    The subject is the title in the app and on push, and is unused by SMS.
    """

    event_type = models.CharField(max_length=60)
    channel = models.CharField(max_length=10, choices=[(c.value, c.label) for c in Channel if c != Channel.WEBHOOK])
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    is_active = models.BooleanField(default=True, help_text="Inactive templates fall back to the built-in text.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = NotificationTemplateRepository.as_manager()

    class Meta:
        ordering = ["event_type", "channel", "language"]
        constraints = [
            models.UniqueConstraint(fields=["event_type", "channel", "language"], name="notifications_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event_type} · {self.channel} · {self.language}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Templates are code staff can change: nothing invalid is stored, whoever saves it.
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        spec = catalog.TYPES.get(self.event_type)
        if spec is None:
            raise ValidationError({"event_type": f"Unknown notification type {self.event_type!r}."})
        errors: dict[str, str] = {}
        for field in ("subject", "body"):
            try:
                templating.validate(getattr(self, field), spec.all_variables, field=field)
            except templating.TemplateSyntaxError as exc:
                errors[field] = str(exc)
        if errors:
            raise ValidationError(errors)


# --- preferences ----------------------------------------------------------------------------------
class NotificationPreferenceRepository(models.QuerySet["NotificationPreference"]):
    def for_users(self, user_ids: Any, event_type: str) -> NotificationPreferenceRepository:
        return self.filter(user_id__in=user_ids, event_type=event_type)


class NotificationPreference(models.Model):
    """A person's choice for one notification type on one channel; without a row, the type's default.

    Invariant: a mandatory (security) type cannot be switched off in the app or by email.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event_type = models.CharField(max_length=60)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NotificationPreferenceRepository.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "event_type", "channel"], name="notifications_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event_type}/{self.channel}: {'on' if self.enabled else 'off'}"


class NotificationSettings(models.Model):
    """A person's delivery rhythm: digest frequency and quiet hours (in ``user.time_zone``).

    Without a row: immediate emails and no quiet hours. Quiet hours may wrap midnight (22:00-07:00).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    digest_frequency = models.CharField(
        max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.IMMEDIATE
    )
    digest_hour = models.PositiveSmallIntegerField(
        default=8, validators=[MaxValueValidator(23)], help_text="Local hour at which digests are sent."
    )
    digest_weekday = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(6)], help_text="Weekly digests: 0 = Monday ... 6 = Sunday."
    )
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.digest_frequency}"


# --- deliveries -----------------------------------------------------------------------------------
class NotificationDeliveryRepository(models.QuerySet["NotificationDelivery"]):
    def due(self, now: datetime | None = None) -> NotificationDeliveryRepository:
        """Queued, not waiting for a digest, due, and not held by a live worker claim."""
        now = now or timezone.now()
        return self.filter(
            status=DeliveryStatus.QUEUED,
            digest_pending=False,
            next_attempt_at__lte=now,
        ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))

    def pending_digest(self) -> NotificationDeliveryRepository:
        return self.filter(status=DeliveryStatus.QUEUED, digest_pending=True, digest__isnull=True)


class NotificationDelivery(models.Model):
    """One notification on one channel: queued -> sent/delivered | failed | skipped.

    Invariants: one row per (notification, channel); a row is sent only by the worker holding its
    claim (``claim_token`` with ``claimed_until`` in the future), so two workers never send it
    together, and a claim left by a dead worker expires and is taken over by the retry sweep.
    """

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    digest_pending = models.BooleanField(default=False, help_text="Waits for the person's email digest.")
    digest = models.ForeignKey(
        "NotificationDigest", on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NotificationDeliveryRepository.as_manager()

    class Meta:
        verbose_name_plural = "notification deliveries"
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="notifications_delivery_unique")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id}/{self.channel}: {self.status}"


# --- devices ----------------------------------------------------------------------------------------
class DeviceTokenRepository(models.QuerySet["DeviceToken"]):
    def active(self) -> DeviceTokenRepository:
        return self.filter(revoked_at__isnull=True)

    def for_user(self, user: Any) -> DeviceTokenRepository:
        return self.filter(user_id=getattr(user, "pk", None))


def token_fingerprint(platform: str, token: str) -> str:
    return hashlib.sha256(f"{platform}:{token}".encode()).hexdigest()


class DeviceToken(models.Model):
    """Where push notifications reach a person: a browser's Web Push subscription or an FCM token.

    ``token`` is the FCM registration token, or the push service endpoint URL of a Web Push
    subscription (whose keys are in ``subscription``). Revoked tokens are kept (why, and when) but
    never used again; the push service telling us a subscription is gone (404/410) revokes it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_tokens")
    platform = models.CharField(max_length=10, choices=Platform.choices)
    token = models.TextField()
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    subscription = models.JSONField(default=dict, blank=True)
    name = models.CharField(max_length=120, blank=True, help_text="The browser or device, as shown to its owner.")
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=200, blank=True)

    objects = DeviceTokenRepository.as_manager()

    class Meta:
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="notif_device_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.platform} {self.token[:30]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.token_hash = token_fingerprint(self.platform, self.token)
        super().save(*args, **kwargs)


# --- digests ------------------------------------------------------------------------------------------
class NotificationDigestRepository(models.QuerySet["NotificationDigest"]):
    def unsent(self) -> NotificationDigestRepository:
        return self.filter(sent_at__isnull=True)


class NotificationDigest(models.Model):
    """One digest email of one person for one period ("daily:2026-05-03", "weekly:2026-W18").

    Invariant: unique (user, period). The row is claimed (inserted, with the notifications it
    covers) before the email is sent, so a second run finds it and sends nothing; a run that died
    before ``sent_at`` was set leaves the row unsent and the next run sends it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_digests")
    period = models.CharField(max_length=32)
    frequency = models.CharField(max_length=10, choices=DigestFrequency.choices)
    notifications = models.ManyToManyField(Notification, related_name="digests", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(blank=True)

    objects = NotificationDigestRepository.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "period"], name="notifications_digest_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period}"


# --- webhooks ------------------------------------------------------------------------------------------
class WebhookEndpointRepository(models.QuerySet["WebhookEndpoint"]):
    def for_company(self, company: Any) -> WebhookEndpointRepository:
        return self.filter(company_id=getattr(company, "pk", company))

    def active(self) -> WebhookEndpointRepository:
        return self.filter(is_active=True)

    def subscribed_to(self, event_type: str) -> list[WebhookEndpoint]:
        """Active endpoints listening to ``event_type`` (filtered in Python: JSON lists differ per database)."""
        return [endpoint for endpoint in self.active() if event_type in (endpoint.event_types or [])]


class WebhookEndpoint(models.Model):
    """A company's receiver of webhooks: a URL, the event types it wants and its signing secret(s).

    During a secret rotation ``previous_secret`` stays valid until ``previous_secret_expires_at``
    and every message is signed with both. An endpoint failing without a success for
    ``NOTIFICATIONS_WEBHOOK_DISABLE_AFTER_DAYS`` is disabled and the company's admins are told.
    """

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list)
    secret = models.CharField(max_length=120)
    previous_secret = models.CharField(max_length=120, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WebhookEndpointRepository.as_manager()

    class Meta:
        ordering = ["company_id", "-created_at"]

    def __str__(self) -> str:
        return self.url

    def signing_secrets(self, now: datetime | None = None) -> list[str]:
        """The secrets to sign with now: the current one, and the previous one while it is valid."""
        now = now or timezone.now()
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets


class WebhookDeliveryRepository(models.QuerySet["WebhookDelivery"]):
    def for_company(self, company: Any) -> WebhookDeliveryRepository:
        return self.filter(endpoint__company_id=getattr(company, "pk", company))

    def due(self, now: datetime | None = None) -> WebhookDeliveryRepository:
        now = now or timezone.now()
        return self.filter(status=WebhookDeliveryStatus.PENDING, next_attempt_at__lte=now).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        )


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class WebhookDelivery(models.Model):
    """One message to one endpoint: pending -> succeeded | failed, with every attempt counted.

    ``msg_id`` is the ``webhook-id`` header: the same on every retry (and on a manual redelivery,
    which is a new row pointing at the original), so receivers can drop duplicates.
    """

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=60)
    event_id = models.UUIDField(null=True, blank=True)
    msg_id = models.CharField(max_length=64, default=new_message_id, db_index=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=1000, blank=True, help_text="The start of the receiver's answer.")
    last_error = models.TextField(blank=True)
    is_test = models.BooleanField(default=False)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="redeliveries"
    )
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookDeliveryRepository.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_webhook_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="notif_webhook_endpoint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.msg_id} → {self.endpoint_id}: {self.status}"
