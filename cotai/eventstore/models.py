"""The relational event store's table (the embedded default, and the fallback without MongoDB)."""

from __future__ import annotations

from datetime import datetime

from django.db import models

from cotai.eventstore.base import (
    CORRELATION_ID_MAX_LENGTH,
    IP_MAX_LENGTH,
    KIND_MAX_LENGTH,
    OBJECT_ID_MAX_LENGTH,
    OBJECT_TYPE_MAX_LENGTH,
    TYPE_MAX_LENGTH,
    USER_AGENT_MAX_LENGTH,
    EventKind,
)


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete a stored event other than by expiry."""


class StoredEventQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes; :meth:`purge_expired` is the only way rows leave."""

    def update(self, **kwargs):
        raise AppendOnlyError("Stored events are append-only.")

    def delete(self):
        raise AppendOnlyError("Stored events are append-only; they leave only through expiry.")

    def purge_expired(self, *, now: datetime, batch_size: int = 5000) -> int:
        """Delete rows whose ``expires_at`` is at or before ``now``, in batches so no transaction runs long."""
        deleted = 0
        expired = self.filter(expires_at__lte=now).order_by()
        while True:
            ids = list(expired.values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            count, _ = models.QuerySet.delete(self.model._base_manager.filter(pk__in=ids))
            deleted += count


class StoredEvent(models.Model):
    """One event of the audit trail, a delivery log, API usage or analytics.

    Invariants: rows are only inserted (``save`` of an existing row, ``delete`` and queryset
    ``update``/``delete`` raise AppendOnlyError) and leave only through ``purge_expired`` once past
    ``expires_at``. ``company_id`` and ``actor_id`` are plain numbers, not foreign keys: the trail
    must outlive the rows it speaks about and must not slow down or block deletes elsewhere.
    """

    kind = models.CharField(max_length=KIND_MAX_LENGTH, choices=EventKind.choices)
    type = models.CharField(max_length=TYPE_MAX_LENGTH)
    occurred_at = models.DateTimeField()
    company_id = models.BigIntegerField(null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=OBJECT_TYPE_MAX_LENGTH, null=True, blank=True)
    object_id = models.CharField(max_length=OBJECT_ID_MAX_LENGTH, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.CharField("IP address", max_length=IP_MAX_LENGTH, null=True, blank=True)
    user_agent = models.CharField(max_length=USER_AGENT_MAX_LENGTH, null=True, blank=True)
    correlation_id = models.CharField(max_length=CORRELATION_ID_MAX_LENGTH, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = StoredEventQuerySet.as_manager()

    class Meta:
        db_table = "eventstore_event"
        verbose_name = "event"
        verbose_name_plural = "events"
        # One index per query shape of the event store (the same shapes as the MongoDB indexes).
        indexes = [
            models.Index(fields=["company_id", "-occurred_at", "-id"], name="evt_company_time"),
            models.Index(fields=["company_id", "type", "-occurred_at"], name="evt_company_type_time"),
            models.Index(fields=["company_id", "kind", "-occurred_at"], name="evt_company_kind_time"),
            models.Index(fields=["actor_id", "-occurred_at"], name="evt_actor_time"),
            models.Index(fields=["object_type", "object_id", "-occurred_at"], name="evt_object_time"),
            models.Index(fields=["type", "-occurred_at"], name="evt_type_time"),
            models.Index(fields=["kind", "-occurred_at"], name="evt_kind_time"),
            models.Index(fields=["-occurred_at", "-id"], name="evt_time"),
            models.Index(fields=["correlation_id"], name="evt_correlation"),
            models.Index(fields=["expires_at"], name="evt_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.type} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Stored events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Stored events are append-only; they leave only through expiry.")
