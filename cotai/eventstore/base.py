"""The event store's one interface, its value types and the rules every backend shares.

An event is appended once and never changed. Every backend stores the same fields, returns the same
:class:`Event` values and answers the same queries; only where the rows live differs (the relational
database, or MongoDB). The shared rules live here so that the backends cannot drift apart:

- ``occurred_at`` is server time, timezone-aware UTC, truncated to milliseconds (MongoDB keeps no
  more, so the relational backend keeps no more either and both return identical values);
- ``data`` is stored as JSON: Decimals, dates, times and UUIDs become strings (DjangoJSONEncoder);
- ``expires_at`` comes from the TTL of the event's kind (``API_USAGE_TTL_DAYS`` for API usage,
  ``EVENT_STORE_TTL_DAYS`` otherwise); a TTL of 0 days or less means the event never expires;
- ``correlation_id`` defaults to the one of the work in progress (:mod:`cotai.context`).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from cotai.context import get_correlation_id


class EventKind(models.TextChoices):
    """What an event is for; decides its TTL. A closed list, so that TTLs and filters stay meaningful."""

    AUDIT = "audit", "Audit"
    DOMAIN = "domain", "Domain event"
    DELIVERY = "delivery", "Delivery log"
    API_USAGE = "api_usage", "API usage"
    ANALYTICS = "analytics", "Analytics"


# Field sizes, shared by the relational model and the validation below.
TYPE_MAX_LENGTH = 100
OBJECT_TYPE_MAX_LENGTH = 100
OBJECT_ID_MAX_LENGTH = 64
IP_MAX_LENGTH = 45
USER_AGENT_MAX_LENGTH = 512
CORRELATION_ID_MAX_LENGTH = 128
KIND_MAX_LENGTH = 32

MAX_PAGE_SIZE = 500
_TYPE_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]+$")


@dataclass(frozen=True, slots=True)
class Event:
    """One stored event, as every backend returns it. ``id`` is a string for every backend."""

    id: str
    kind: str
    type: str
    occurred_at: datetime
    company_id: int | None
    actor_id: int | None
    object_type: str | None
    object_id: str | None
    data: dict[str, Any]
    ip: str | None
    user_agent: str | None
    correlation_id: str | None
    expires_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of a query: ``items`` newest first, and the ``total`` number of matching events."""

    items: list[Event]
    page: int
    page_size: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True, slots=True)
class EventFilters:
    """The filters every query shape accepts; ``None`` means "no condition".

    ``since`` is inclusive and ``until`` exclusive, so consecutive windows never count an event twice.
    ``type`` and ``types`` both apply when both are given; an empty ``types`` matches nothing.
    """

    company_id: int | None = None
    actor_id: int | None = None
    object_type: str | None = None
    object_id: str | None = None
    type: str | None = None
    types: tuple[str, ...] | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    correlation_id: str | None = None

    def __post_init__(self) -> None:
        if self.types is not None:
            object.__setattr__(self, "types", tuple(self.types))
        if self.object_id is not None:
            object.__setattr__(self, "object_id", str(self.object_id))
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and timezone.is_naive(value):
                raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What ``ensure_indexes`` found or did for one index."""

    name: str
    keys: str
    created: bool
    ttl_seconds: int | None = None


def ttl_days_for(kind: str) -> int:
    if kind == EventKind.API_USAGE:
        return settings.API_USAGE_TTL_DAYS
    return settings.EVENT_STORE_TTL_DAYS


def _to_millisecond_utc(value: datetime) -> datetime:
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _optional_str(name: str, value: object, max_length: int, *, truncate: bool = False) -> str | None:
    if value is None or value == "":
        return None
    text = str(value)
    if len(text) > max_length:
        if not truncate:
            raise ValueError(f"{name} is longer than {max_length} characters")
        text = text[:max_length]
    return text


def _optional_int(name: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer or None, not {type(value).__name__}")
    return value


def prepare_event(
    *,
    kind: str,
    type: str,
    company_id: int | None = None,
    actor_id: int | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    data: Mapping[str, Any] | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    correlation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> dict[str, Any]:
    """Validate and complete one event's fields; the dict every backend stores (without the id).

    Raises ValueError for input that is a programming error (unknown kind, malformed type, naive
    time, invalid IP, data that is not a JSON object). Over-long user agents and correlation ids
    are cut, because they come from clients.

    ``occurred_at`` is for recorders that buffer (API usage) and pass the time they observed; every
    other caller leaves it out and gets the server's current time.
    """
    if kind not in EventKind.values:
        raise ValueError(f"unknown event kind {kind!r}; one of {', '.join(EventKind.values)}")
    if not isinstance(type, str) or not type or len(type) > TYPE_MAX_LENGTH or not _TYPE_PATTERN.match(type):
        raise ValueError(f"event type must be 1-{TYPE_MAX_LENGTH} characters of [A-Za-z0-9_.:-], not {type!r}")
    if occurred_at is None:
        occurred_at = timezone.now()
    elif timezone.is_naive(occurred_at):
        raise ValueError("occurred_at must be timezone-aware")
    occurred_at = _to_millisecond_utc(occurred_at)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ValueError("data must be a mapping (a JSON object)")
    # A JSON round trip: both backends then store and return exactly the same values.
    try:
        data = json.loads(json.dumps(dict(data), cls=DjangoJSONEncoder))
    except TypeError as exc:
        raise ValueError(f"data is not JSON-serializable: {exc}") from exc
    # ip_address raises ValueError for anything that is not an address.
    ip = None if ip in ("", None) else str(ipaddress.ip_address(str(ip)))
    ttl_days = ttl_days_for(kind)
    return {
        "kind": str(kind),
        "type": type,
        "occurred_at": occurred_at,
        "company_id": _optional_int("company_id", company_id),
        "actor_id": _optional_int("actor_id", actor_id),
        "object_type": _optional_str("object_type", object_type, OBJECT_TYPE_MAX_LENGTH),
        "object_id": _optional_str("object_id", object_id, OBJECT_ID_MAX_LENGTH),
        "data": data,
        "ip": ip,
        "user_agent": _optional_str("user_agent", user_agent, USER_AGENT_MAX_LENGTH, truncate=True),
        "correlation_id": _optional_str(
            "correlation_id", correlation_id or get_correlation_id(), CORRELATION_ID_MAX_LENGTH, truncate=True
        ),
        "expires_at": occurred_at + timedelta(days=ttl_days) if ttl_days > 0 else None,
    }


def as_tzinfo(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def tz_name(tz: str | tzinfo) -> str:
    """The IANA name of a time zone (MongoDB's date operators take names, not objects)."""
    if isinstance(tz, str):
        return tz
    if tz is UTC:
        return "UTC"
    key = getattr(tz, "key", None) or getattr(tz, "zone", None)
    if not key:
        raise ValueError(f"time zone {tz!r} has no IANA name")
    return key


class EventStore(ABC):
    """Append events and query them. Append-only: there is no update or delete besides expiry.

    Subclasses implement the underscored methods; the public ones validate, count and paginate
    the same way for every backend.
    """

    #: "db" or "mongo" (also for the mongomock client).
    name: ClassVar[str]
    #: True when an append joins the caller's database transaction (a rollback removes it too).
    transactional: ClassVar[bool]

    def append(self, **fields: Any) -> str:
        """Store one event (see :func:`prepare_event` for the fields) and return its id."""
        return self.append_many([fields])[0]

    def append_many(self, events: Iterable[Mapping[str, Any]]) -> list[str]:
        """Store several events in one round trip; all are validated before any is written."""
        from cotai.eventstore.metrics import count_appended

        records = [prepare_event(**event) for event in events]
        if not records:
            return []
        ids = self._insert(records)
        count_appended(record["kind"] for record in records)
        return ids

    def query(
        self,
        *,
        company_id: int | None = None,
        actor_id: int | None = None,
        object_type: str | None = None,
        object_id: str | int | None = None,
        type: str | None = None,
        types: Iterable[str] | None = None,
        kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        correlation_id: str | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> EventPage:
        """One page of matching events, newest first (ties in reverse order of appending)."""
        if page < 1:
            raise ValueError("page starts at 1")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        filters = EventFilters(
            company_id=company_id,
            actor_id=actor_id,
            object_type=object_type,
            object_id=object_id,
            type=type,
            types=tuple(types) if types is not None else None,
            kind=kind,
            since=since,
            until=until,
            correlation_id=correlation_id,
        )
        items, total = self._query(filters, offset=(page - 1) * page_size, limit=page_size)
        return EventPage(items=items, page=page, page_size=page_size, total=total)

    def count_by_type(self, **filters: Any) -> dict[str, int]:
        """How many events of each type match the filters (the keyword arguments of :meth:`query`)."""
        return self._count_by_type(EventFilters(**filters))

    def count_by_day(self, *, tz: str | tzinfo = "UTC", **filters: Any) -> list[tuple[date, int]]:
        """Matching events per calendar day in ``tz`` (UTC by default), oldest day first; empty days left out."""
        return self._count_by_day(EventFilters(**filters), tz)

    def expire(self, now: datetime | None = None) -> int:
        """Delete the events whose ``expires_at`` is at or before ``now``; returns how many went. Idempotent."""
        now = timezone.now() if now is None else now
        if timezone.is_naive(now):
            raise ValueError("now must be timezone-aware")
        return self._expire(now)

    @abstractmethod
    def ping(self) -> None:
        """Raise when the store cannot be reached (the deep health check calls this)."""

    @abstractmethod
    def ensure_indexes(self) -> list[IndexReport]:
        """Create the indexes every query shape needs, and the TTL index; idempotent."""

    def close(self) -> None:  # noqa: B027 - only the backends holding a client have something to close
        """Release connections held by the store (tests and process shutdown)."""

    @abstractmethod
    def _insert(self, records: list[dict[str, Any]]) -> list[str]: ...

    @abstractmethod
    def _query(self, filters: EventFilters, *, offset: int, limit: int) -> tuple[list[Event], int]: ...

    @abstractmethod
    def _count_by_type(self, filters: EventFilters) -> dict[str, int]: ...

    @abstractmethod
    def _count_by_day(self, filters: EventFilters, tz: str | tzinfo) -> list[tuple[date, int]]: ...

    @abstractmethod
    def _expire(self, now: datetime) -> int: ...
