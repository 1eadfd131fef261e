"""Output of the audit trail API. Every field is always present (null when it has no value)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from rest_framework import serializers


class AuditActorSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The user id.")
    email = serializers.EmailField(allow_null=True, help_text="Null when the person is no longer on record.")
    full_name = serializers.CharField(allow_null=True, allow_blank=True)


class AuditDataSerializer(serializers.Serializer):
    """``before`` and ``after`` always; any other key the event recorded (a reason ...) alongside."""

    before = serializers.JSONField(allow_null=True, help_text="The changed fields before the change, or null.")
    after = serializers.JSONField(allow_null=True, help_text="The changed fields after the change, or null.")

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        return {**instance, "before": instance.get("before"), "after": instance.get("after")}


class AuditEventSerializer(serializers.Serializer):
    """One audit event. Reads an :class:`~cotai.eventstore.api.selectors.AuditEntry`."""

    id = serializers.CharField(source="event.id", help_text="The event's id in the event store (a string).")
    type = serializers.CharField(source="event.type", help_text="What happened, e.g. tender.published.")
    occurred_at = serializers.DateTimeField(
        source="event.occurred_at", default_timezone=UTC, help_text="Server time, ISO 8601 in UTC."
    )
    actor = AuditActorSerializer(source="actor_info", allow_null=True, help_text="Null for the system.")
    company_id = serializers.IntegerField(source="event.company_id", allow_null=True)
    object_type = serializers.CharField(
        source="event.object_type", allow_null=True, help_text="app_label.model, e.g. tenders.tender."
    )
    object_id = serializers.CharField(source="event.object_id", allow_null=True)
    data = AuditDataSerializer(source="event.data")
    ip = serializers.CharField(source="event.ip", allow_null=True, help_text="The client's IP address.")
    user_agent = serializers.CharField(source="event.user_agent", allow_null=True)
    correlation_id = serializers.CharField(
        source="event.correlation_id",
        allow_null=True,
        help_text="The correlation id of the work that made the change (a request's X-Request-ID).",
    )


class AuditEventPageSerializer(serializers.Serializer):
    """The shape of the project's DefaultPagination, built from one event store page."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AuditEventSerializer(many=True)
