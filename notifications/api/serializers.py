"""Serializers of the notifications API: explicit fields, times in ISO 8601, no optional keys."""

from __future__ import annotations

from rest_framework import serializers

from notifications import catalog
from notifications.choices import PERSONAL_CHANNEL_CHOICES, DigestFrequency, Platform
from notifications.models import DeviceToken, Notification, WebhookDelivery, WebhookEndpoint


class NotificationSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="event_type")
    is_read = serializers.BooleanField()
    company = serializers.IntegerField(source="company_id", allow_null=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "type",
            "title",
            "body",
            "link",
            "object_type",
            "object_id",
            "priority",
            "company",
            "is_read",
            "read_at",
            "archived_at",
            "scheduled_for",
            "created_at",
        ]
        read_only_fields = fields


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications changed.")


class ChoiceSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=catalog.TYPE_CHOICES)
    channel = serializers.ChoiceField(choices=PERSONAL_CHANNEL_CHOICES)
    enabled = serializers.BooleanField()


class SettingsSerializer(serializers.Serializer):
    digest_frequency = serializers.ChoiceField(choices=DigestFrequency.choices)
    digest_hour = serializers.IntegerField(min_value=0, max_value=23)
    digest_weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday")
    quiet_hours_start = serializers.TimeField(allow_null=True, help_text="Local time (the person's time zone).")
    quiet_hours_end = serializers.TimeField(allow_null=True)
    time_zone = serializers.CharField(read_only=True, help_text="The person's time zone (profile).")


class TypePreferenceSerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    mandatory = serializers.BooleanField(help_text="Security notices: in-app and email cannot be switched off.")
    channels = serializers.DictField(child=serializers.BooleanField())


class PreferencesSerializer(serializers.Serializer):
    types = TypePreferenceSerializer(many=True)
    settings = SettingsSerializer()


class SettingsUpdateSerializer(serializers.Serializer):
    """Only the fields sent change; ``null`` quiet hours switch them off."""

    digest_frequency = serializers.ChoiceField(choices=DigestFrequency.choices, required=False)
    digest_hour = serializers.IntegerField(min_value=0, max_value=23, required=False)
    digest_weekday = serializers.IntegerField(min_value=0, max_value=6, required=False)
    quiet_hours_start = serializers.TimeField(allow_null=True, required=False)
    quiet_hours_end = serializers.TimeField(allow_null=True, required=False)


class PreferencesUpdateSerializer(serializers.Serializer):
    choices = ChoiceSerializer(many=True, required=False)
    settings = SettingsUpdateSerializer(required=False)


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeviceToken
        fields = ["id", "platform", "name", "created_at", "last_seen_at", "revoked_at", "revoke_reason"]
        read_only_fields = fields


class DeviceCreateSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices)
    token = serializers.CharField(required=False, allow_blank=True, help_text="FCM registration token (android, ios).")
    subscription = serializers.JSONField(
        required=False, help_text="Web: the browser's PushSubscription JSON {endpoint, keys: {p256dh, auth}}."
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)


class WebhookEndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "consecutive_failures",
            "failing_since",
            "last_success_at",
            "last_failure_at",
            "last_error",
            "disabled_at",
            "disabled_reason",
            "created_at",
        ]
        read_only_fields = fields


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    """Returned on creation and rotation: the secrets to verify signatures with."""

    secret = serializers.CharField()
    previous_secret = serializers.CharField()
    previous_secret_expires_at = serializers.DateTimeField(allow_null=True)

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret", "previous_secret", "previous_secret_expires_at"]
        read_only_fields = fields


class WebhookEndpointWriteSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=catalog.WEBHOOK_TYPE_CHOICES), min_length=1
    )
    is_active = serializers.BooleanField(required=False)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    endpoint = serializers.IntegerField(source="endpoint_id")
    redelivery_of = serializers.IntegerField(source="redelivery_of_id", allow_null=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_type",
            "msg_id",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "response_status",
            "response_ms",
            "response_body",
            "last_error",
            "is_test",
            "redelivery_of",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields
