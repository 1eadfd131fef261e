"""The transactional outbox: domain events written in the transaction of the change they describe.

An ``OutboxEvent`` row commits or rolls back together with the business change, so an event is
relayed if and only if its change happened. Relaying fans the event out into one ``Delivery``
per subscriber; the unique (event, subscriber) row is what makes delivery idempotent.
"""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from cotai.events.core import DomainEvent


class OutboxEventQuerySet(models.QuerySet["OutboxEvent"]):
    def pending(self) -> OutboxEventQuerySet:
        """Events not yet fanned out to their subscribers."""
        return self.filter(relayed_at__isnull=True)


class OutboxEvent(models.Model):
    """One domain event.

    Invariants: written only by ``events.emit_on_commit`` inside the business transaction;
    ``payload`` is small, JSON-serializable data (ids and facts, no model instances);
    ``relayed_at`` goes from NULL to a time exactly once (conditional UPDATE), which is when its
    ``Delivery`` rows were created. Rows are pruned ``EVENTS_OUTBOX_RETENTION_DAYS`` after relay.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    # Plain ids, not foreign keys: the outbox must never block deleting a company or a user.
    company_id = models.BigIntegerField(null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    correlation_id = models.CharField(max_length=128, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    relayed_at = models.DateTimeField(null=True, blank=True)
    relay_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    objects = OutboxEventQuerySet.as_manager()

    class Meta:
        ordering = ("created_at",)
        indexes = [
            # The sweep: "pending, oldest first" stays an index range scan however large the table.
            models.Index(fields=["created_at"], condition=Q(relayed_at__isnull=True), name="events_outbox_pending_idx"),
            # The prune: relayed rows older than the retention period.
            models.Index(fields=["relayed_at"], name="events_outbox_relayed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id}"

    def to_domain_event(self) -> DomainEvent:
        return DomainEvent(
            id=self.id,
            name=self.name,
            payload=dict(self.payload or {}),
            company_id=self.company_id,
            actor_id=self.actor_id,
            correlation_id=self.correlation_id,
            occurred_at=self.created_at,
        )


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One event handed to one subscriber.

    Invariants: unique per (event, subscriber); becomes ``done`` in the same transaction as the
    subscriber's own writes, so a subscriber succeeds at most once per event however many times
    the task is delivered; ``failed`` after the last retry (staff can send it again from the
    admin). ``next_attempt_at`` tells the sweep when a pending delivery looks lost rather than
    queued or waiting for its retry.
    """

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="events_delivery_once_per_subscriber"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="events_delivery_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} <- {self.event_id} ({self.status})"
