"""Enumerations of the notifications domain."""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    """Where a notification can go. Each value is a key of ``settings.NOTIFICATION_CHANNELS``."""

    IN_APP = "in_app", "In the app"
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    PUSH = "push", "Push"
    WEBHOOK = "webhook", "Webhook"


# Channels a person chooses per event type (webhooks are chosen per company endpoint instead).
PERSONAL_CHANNELS = (Channel.IN_APP, Channel.EMAIL, Channel.SMS, Channel.PUSH)
PERSONAL_CHANNEL_CHOICES = [(channel.value, channel.label) for channel in PERSONAL_CHANNELS]
# Channels that interrupt a person; quiet hours postpone them, the bell is never postponed.
INTERRUPTING_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.PUSH)


class Priority(models.TextChoices):
    """``urgent`` ignores quiet hours and digests (security notices, imminent deadlines)."""

    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class DeliveryStatus(models.TextChoices):
    """queued -> sent (handed to the provider) -> delivered (confirmed) | failed | skipped."""

    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


FINAL_DELIVERY_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)


class DigestFrequency(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately, one email per notification"
    DAILY = "daily", "Once a day"
    WEEKLY = "weekly", "Once a week"


class Platform(models.TextChoices):
    WEB = "web", "Web browser (Web Push)"
    ANDROID = "android", "Android (Firebase)"
    IOS = "ios", "iOS (Firebase)"


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
