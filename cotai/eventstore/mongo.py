"""The MongoDB backend (pymongo), also run against mongomock in tests.

Events live in one collection (``events`` of ``MONGODB_DATABASE``). Expiry is MongoDB's own: a TTL
index on ``expires_at`` with ``expireAfterSeconds=0`` removes each document once its own expiry
time has passed (the server sweeps about once a minute); documents without ``expires_at`` stay.

Only features mongomock also implements are used (no sessions, change streams or bulk_write), so
the contract tests exercise this very code without a server.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, MongoClient

from cotai.eventstore.base import Event, EventFilters, EventStore, IndexReport, tz_name

COLLECTION = "events"

# One compound index per query shape (equality fields first, then time, then _id for stable ties),
# and the TTL index. Names are explicit so that ensure_indexes can report what it found.
INDEXES: tuple[IndexModel, ...] = (
    IndexModel([("company_id", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)], name="company_time"),
    IndexModel(
        [("company_id", ASCENDING), ("type", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)],
        name="company_type_time",
    ),
    IndexModel(
        [("company_id", ASCENDING), ("kind", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)],
        name="company_kind_time",
    ),
    IndexModel([("actor_id", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)], name="actor_time"),
    IndexModel(
        [("object_type", ASCENDING), ("object_id", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)],
        name="object_time",
    ),
    IndexModel([("type", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)], name="type_time"),
    IndexModel([("kind", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)], name="kind_time"),
    IndexModel([("occurred_at", DESCENDING), ("_id", DESCENDING)], name="time"),
    IndexModel([("correlation_id", ASCENDING)], name="correlation"),
    IndexModel([("expires_at", ASCENDING)], name="ttl_expires_at", expireAfterSeconds=0),
)


def _match(filters: EventFilters) -> dict[str, Any]:
    match: dict[str, Any] = {}
    for name in ("company_id", "actor_id", "object_type", "object_id", "kind", "correlation_id"):
        value = getattr(filters, name)
        if value is not None:
            match[name] = value
    type_conditions: dict[str, Any] = {}
    if filters.type is not None:
        type_conditions["$eq"] = filters.type
    if filters.types is not None:
        type_conditions["$in"] = list(filters.types)
    if type_conditions:
        match["type"] = type_conditions
    time_conditions: dict[str, Any] = {}
    if filters.since is not None:
        time_conditions["$gte"] = filters.since
    if filters.until is not None:
        time_conditions["$lt"] = filters.until
    if time_conditions:
        match["occurred_at"] = time_conditions
    return match


def _utc(value: datetime | None) -> datetime | None:
    # pymongo and mongomock attach their own UTC tzinfo objects; return the same one as the db backend.
    return value.astimezone(UTC) if value is not None else None


def _event(document: dict[str, Any]) -> Event:
    return Event(
        id=str(document["_id"]),
        kind=document["kind"],
        type=document["type"],
        occurred_at=_utc(document["occurred_at"]),
        company_id=document.get("company_id"),
        actor_id=document.get("actor_id"),
        object_type=document.get("object_type"),
        object_id=document.get("object_id"),
        data=document.get("data") or {},
        ip=document.get("ip"),
        user_agent=document.get("user_agent"),
        correlation_id=document.get("correlation_id"),
        expires_at=_utc(document.get("expires_at")),
    )


def _describe(index: IndexModel) -> str:
    return ", ".join(
        f"{field} {'asc' if direction == ASCENDING else 'desc'}" for field, direction in index.document["key"].items()
    )


class MongoEventStore(EventStore):
    """Events in a MongoDB collection. Appends are not part of any relational transaction."""

    name = "mongo"
    transactional = False

    def __init__(self, client: Any, database: str, collection: str = COLLECTION):
        # The client must return timezone-aware datetimes (tz_aware=True), as every backend does.
        self.client = client
        self.collection = client[database][collection]

    @classmethod
    def connect(cls, url: str, database: str, *, timeout_ms: int) -> MongoEventStore:
        """A store on a real server. ``timeout_ms`` bounds server selection and connecting, so an
        unreachable server fails fast (the deep health check and request paths must not hang)."""
        client = MongoClient(
            url,
            tz_aware=True,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            socketTimeoutMS=max(timeout_ms * 5, 10_000),
            appname="cotai",
        )
        return cls(client, database)

    def _insert(self, records: list[dict[str, Any]]) -> list[str]:
        documents = [dict(record) for record in records]
        result = self.collection.insert_many(documents, ordered=True)
        return [str(inserted_id) for inserted_id in result.inserted_ids]

    def _query(self, filters: EventFilters, *, offset: int, limit: int) -> tuple[list[Event], int]:
        match = _match(filters)
        total = self.collection.count_documents(match)
        cursor = (
            self.collection.find(match)
            .sort([("occurred_at", DESCENDING), ("_id", DESCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return [_event(document) for document in cursor], total

    def _count_by_type(self, filters: EventFilters) -> dict[str, int]:
        pipeline = [{"$match": _match(filters)}, {"$group": {"_id": "$type", "n": {"$sum": 1}}}]
        return {row["_id"]: row["n"] for row in self.collection.aggregate(pipeline)}

    def _count_by_day(self, filters: EventFilters, tz: str | tzinfo) -> list[tuple[date, int]]:
        # $year/$month/$dayOfMonth with a timezone (rather than $dateToString) work on every server
        # version CotAi supports and in mongomock alike.
        zone = tz_name(tz)
        at = {"date": "$occurred_at", "timezone": zone}
        pipeline = [
            {"$match": _match(filters)},
            {
                "$group": {
                    "_id": {"y": {"$year": at}, "m": {"$month": at}, "d": {"$dayOfMonth": at}},
                    "n": {"$sum": 1},
                }
            },
        ]
        days = [
            (date(row["_id"]["y"], row["_id"]["m"], row["_id"]["d"]), row["n"])
            for row in self.collection.aggregate(pipeline)
        ]
        return sorted(days)

    def _expire(self, now: datetime) -> int:
        # The TTL index does this on the server; deleting here too makes expiry immediate when asked
        # for, and keeps the method meaningful where no TTL monitor runs (mongomock).
        return self.collection.delete_many({"expires_at": {"$lte": now}}).deleted_count

    def ping(self) -> None:
        self.client.admin.command("ping")

    def ensure_indexes(self) -> list[IndexReport]:
        existing = set(self.collection.index_information())
        self.collection.create_indexes(list(INDEXES))
        return [
            IndexReport(
                name=index.document["name"],
                keys=_describe(index),
                created=index.document["name"] not in existing,
                ttl_seconds=index.document.get("expireAfterSeconds"),
            )
            for index in INDEXES
        ]

    def close(self) -> None:
        self.client.close()
