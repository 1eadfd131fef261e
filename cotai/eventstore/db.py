"""The relational backend: events in the ``eventstore_event`` table of the default database.

Appends use the caller's connection, so an event appended inside ``transaction.atomic()`` is
committed or rolled back together with the caller's changes (``transactional = True``).
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from django.db import connections
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from cotai.eventstore.base import Event, EventFilters, EventStore, IndexReport, as_tzinfo
from cotai.eventstore.models import StoredEvent

_FIELDS = (
    "id",
    "kind",
    "type",
    "occurred_at",
    "company_id",
    "actor_id",
    "object_type",
    "object_id",
    "data",
    "ip",
    "user_agent",
    "correlation_id",
    "expires_at",
)


def _where(filters: EventFilters) -> Q:
    q = Q()
    for name in ("company_id", "actor_id", "object_type", "object_id", "type", "kind", "correlation_id"):
        value = getattr(filters, name)
        if value is not None:
            q &= Q(**{name: value})
    if filters.types is not None:
        q &= Q(type__in=filters.types)
    if filters.since is not None:
        q &= Q(occurred_at__gte=filters.since)
    if filters.until is not None:
        q &= Q(occurred_at__lt=filters.until)
    return q


def _event(row: dict[str, Any]) -> Event:
    return Event(**{**row, "id": str(row["id"])})


class DbEventStore(EventStore):
    """Events in the relational database; indexes come from the model's migration."""

    name = "db"
    transactional = True

    def _insert(self, records: list[dict[str, Any]]) -> list[str]:
        created = StoredEvent.objects.bulk_create([StoredEvent(**record) for record in records])
        if any(event.pk is None for event in created):
            # PostgreSQL and SQLite >= 3.35 return the new ids from one INSERT; other databases are unsupported.
            raise RuntimeError("the database did not return the ids of the inserted events")
        return [str(event.pk) for event in created]

    def _query(self, filters: EventFilters, *, offset: int, limit: int) -> tuple[list[Event], int]:
        matching = StoredEvent.objects.filter(_where(filters))
        total = matching.count()
        rows = matching.order_by("-occurred_at", "-id").values(*_FIELDS)[offset : offset + limit]
        return [_event(row) for row in rows], total

    def _count_by_type(self, filters: EventFilters) -> dict[str, int]:
        rows = StoredEvent.objects.filter(_where(filters)).order_by().values("type").annotate(n=Count("id"))
        return {row["type"]: row["n"] for row in rows}

    def _count_by_day(self, filters: EventFilters, tz: str | tzinfo) -> list[tuple[date, int]]:
        rows = (
            StoredEvent.objects.filter(_where(filters))
            .annotate(day=TruncDate("occurred_at", tzinfo=as_tzinfo(tz)))
            .order_by()
            .values("day")
            .annotate(n=Count("id"))
            .order_by("day")
        )
        return [(row["day"], row["n"]) for row in rows]

    def _expire(self, now: datetime) -> int:
        return StoredEvent.objects.purge_expired(now=now)

    def ping(self) -> None:
        connection = connections[StoredEvent.objects.db]
        opened_here = connection.connection is None
        try:
            list(StoredEvent.objects.order_by().values_list("pk", flat=True)[:1])
        finally:
            # The health check probes from a short-lived thread: do not leave its connection behind.
            if opened_here and not connection.in_atomic_block:
                connection.close()

    def ensure_indexes(self) -> list[IndexReport]:
        """Nothing to do: the model's Meta.indexes are created by ``manage.py migrate``."""
        return []
