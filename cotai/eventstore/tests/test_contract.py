"""The event store contract: every backend appends, filters, orders, pages, counts and expires alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from cotai.context import reset_correlation_id, set_correlation_id

pytestmark = pytest.mark.django_db

# Six events over three UTC days, at 00:30 and 01:30, so that a UTC-3 zone puts each on the day before.
DAY = (timezone.now() - timedelta(days=5)).astimezone(UTC).replace(hour=0, minute=30, second=0, microsecond=0)
SEED = [
    # label, kind, type, company, actor, object_type, object_id, occurred_at, correlation_id
    ("A", "audit", "tender.published", 1, 10, "tenders.tender", "100", DAY, None),
    ("B", "audit", "tender.amended", 1, 11, "tenders.tender", "100", DAY + timedelta(hours=1), None),
    ("C", "audit", "quote.submitted", 2, 20, "quotes.quote", "200", DAY + timedelta(days=1), "corr-c"),
    ("D", "domain", "tender.published", 1, None, "tenders.tender", "101", DAY + timedelta(days=1, hours=1), None),
    ("E", "analytics", "report.exported", 2, 20, None, None, DAY + timedelta(days=2), None),
    ("F", "audit", "auth.login_failed", None, None, None, None, DAY + timedelta(days=2, hours=1), None),
]


@pytest.fixture
def seeded(event_store):
    event_store.append_many(
        {
            "kind": kind,
            "type": type_,
            "company_id": company,
            "actor_id": actor,
            "object_type": object_type,
            "object_id": object_id,
            "occurred_at": at,
            "correlation_id": correlation_id,
            "data": {"label": label},
        }
        for label, kind, type_, company, actor, object_type, object_id, at, correlation_id in SEED
    )
    return event_store


def labels(page) -> list[str]:
    return [event.data["label"] for event in page.items]


def test_appended_event_comes_back_with_every_field(event_store, settings):
    settings.EVENT_STORE_TTL_DAYS = 30
    at = timezone.now().replace(microsecond=345678) - timedelta(hours=2)
    event_id = event_store.append(
        kind="audit",
        type="quote.awarded",
        company_id=7,
        actor_id=42,
        object_type="quotes.quote",
        object_id=99,
        data={"total": Decimal("12.50"), "when": at, "lines": [1, 2]},
        ip="2001:0db8:0000:0000:0000:0000:0000:0001",
        user_agent="CotAi-Test/1.0",
        correlation_id="corr-1",
        occurred_at=at,
    )

    [event] = event_store.query(company_id=7).items
    assert isinstance(event_id, str)
    assert event.id == event_id
    assert event.kind == "audit"
    assert event.type == "quote.awarded"
    # Millisecond precision, UTC, timezone-aware, on every backend.
    assert event.occurred_at == at.replace(microsecond=345000)
    assert event.occurred_at.tzinfo is UTC
    assert (event.company_id, event.actor_id) == (7, 42)
    assert (event.object_type, event.object_id) == ("quotes.quote", "99")
    assert event.data == {"total": "12.50", "when": at.astimezone(UTC).isoformat()[:23] + "Z", "lines": [1, 2]}
    assert event.ip == "2001:db8::1"
    assert event.user_agent == "CotAi-Test/1.0"
    assert event.correlation_id == "corr-1"
    assert event.expires_at == event.occurred_at + timedelta(days=30)


def test_occurred_at_is_the_server_time_when_not_given(event_store):
    before = timezone.now() - timedelta(milliseconds=1)
    event_store.append(kind="domain", type="tender.closed")
    after = timezone.now()
    [event] = event_store.query().items
    assert before <= event.occurred_at <= after


def test_correlation_id_defaults_to_the_current_context(event_store):
    token = set_correlation_id("req-123")
    try:
        event_store.append(kind="domain", type="tender.closed")
    finally:
        reset_correlation_id(token)
    event_store.append(kind="domain", type="tender.opened")

    by_type = {event.type: event.correlation_id for event in event_store.query().items}
    assert by_type == {"tender.closed": "req-123", "tender.opened": None}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["F", "E", "D", "C", "B", "A"]),
        ({"company_id": 1}, ["D", "B", "A"]),
        ({"company_id": 2}, ["E", "C"]),
        ({"actor_id": 20}, ["E", "C"]),
        ({"object_type": "tenders.tender", "object_id": "100"}, ["B", "A"]),
        ({"object_type": "tenders.tender", "object_id": 100}, ["B", "A"]),
        ({"object_type": "tenders.tender"}, ["D", "B", "A"]),
        ({"type": "tender.published"}, ["D", "A"]),
        ({"types": ["quote.submitted", "auth.login_failed"]}, ["F", "C"]),
        ({"types": []}, []),
        ({"type": "tender.published", "types": ["tender.published", "tender.amended"]}, ["D", "A"]),
        ({"kind": "audit"}, ["F", "C", "B", "A"]),
        ({"kind": "audit", "company_id": 1}, ["B", "A"]),
        ({"correlation_id": "corr-c"}, ["C"]),
        ({"since": DAY + timedelta(days=1)}, ["F", "E", "D", "C"]),
        ({"until": DAY + timedelta(days=1)}, ["B", "A"]),
        # since is inclusive, until exclusive.
        ({"since": DAY + timedelta(hours=1), "until": DAY + timedelta(days=1, hours=1)}, ["C", "B"]),
        ({"company_id": 3}, []),
    ],
)
def test_query_filters_and_returns_newest_first(seeded, filters, expected):
    page = seeded.query(**filters)
    assert labels(page) == expected
    assert page.total == len(expected)


def test_events_at_the_same_instant_come_newest_appended_first(event_store):
    at = timezone.now() - timedelta(minutes=1)
    event_store.append_many([{"kind": "domain", "type": f"step.{n}", "occurred_at": at} for n in range(3)])
    event_store.append(kind="domain", type="step.3", occurred_at=at)

    assert [event.type for event in event_store.query().items] == ["step.3", "step.2", "step.1", "step.0"]


def test_pagination_walks_every_event_once(event_store):
    start = timezone.now() - timedelta(hours=1)
    event_store.append_many(
        [
            {"kind": "analytics", "type": "page.viewed", "data": {"n": n}, "occurred_at": start + timedelta(seconds=n)}
            for n in range(7)
        ]
    )

    pages = [event_store.query(page=number, page_size=3) for number in (1, 2, 3)]
    assert [[event.data["n"] for event in page.items] for page in pages] == [[6, 5, 4], [3, 2, 1], [0]]
    assert [page.has_next for page in pages] == [True, True, False]
    assert [page.total for page in pages] == [7, 7, 7]
    assert pages[0].num_pages == 3
    assert event_store.query(page=4, page_size=3).items == []


@pytest.mark.parametrize("arguments", [{"page": 0}, {"page_size": 0}, {"page_size": 501}])
def test_query_refuses_page_numbers_and_sizes_out_of_range(event_store, arguments):
    with pytest.raises(ValueError, match="page"):
        event_store.query(**arguments)


def test_count_by_type_respects_the_filters(seeded):
    assert seeded.count_by_type() == {
        "tender.published": 2,
        "tender.amended": 1,
        "quote.submitted": 1,
        "report.exported": 1,
        "auth.login_failed": 1,
    }
    assert seeded.count_by_type(company_id=1) == {"tender.published": 2, "tender.amended": 1}
    assert seeded.count_by_type(kind="audit", since=DAY + timedelta(days=1)) == {
        "quote.submitted": 1,
        "auth.login_failed": 1,
    }
    assert seeded.count_by_type(company_id=3) == {}


def test_count_by_day_groups_by_calendar_day_in_utc_or_a_given_zone(seeded):
    day = DAY.date()
    one = timedelta(days=1)
    assert seeded.count_by_day() == [(day, 2), (day + one, 2), (day + 2 * one, 2)]
    assert seeded.count_by_day(company_id=1) == [(day, 2), (day + one, 1)]
    # 00:30 and 01:30 UTC are 21:30 and 22:30 of the day before in São Paulo (UTC-3).
    assert seeded.count_by_day(tz="America/Sao_Paulo") == [(day - one, 2), (day, 2), (day + one, 2)]


def test_expiry_follows_the_ttl_of_each_kind(event_store, settings):
    settings.EVENT_STORE_TTL_DAYS = 10
    settings.API_USAGE_TTL_DAYS = 2
    now = timezone.now()
    event_store.append(kind="audit", type="tender.published", occurred_at=now)
    event_store.append(kind="api_usage", type="api.request", occurred_at=now)
    by_kind = {event.kind: event for event in event_store.query().items}
    assert by_kind["audit"].expires_at == by_kind["audit"].occurred_at + timedelta(days=10)
    assert by_kind["api_usage"].expires_at == by_kind["api_usage"].occurred_at + timedelta(days=2)

    assert event_store.expire(now=now + timedelta(days=1)) == 0
    assert event_store.expire(now=now + timedelta(days=3)) == 1
    assert [event.kind for event in event_store.query().items] == ["audit"]
    assert event_store.expire(now=now + timedelta(days=3)) == 0  # idempotent
    assert event_store.expire(now=now + timedelta(days=11)) == 1
    assert event_store.query().total == 0


def test_a_ttl_of_zero_days_keeps_events_forever(event_store, settings):
    settings.EVENT_STORE_TTL_DAYS = 0
    event_store.append(kind="audit", type="tender.published")

    [event] = event_store.query().items
    assert event.expires_at is None
    assert event_store.expire(now=timezone.now() + timedelta(days=100_000)) == 0
    assert event_store.query().total == 1


def test_ensure_indexes_is_idempotent(event_store):
    first = event_store.ensure_indexes()  # the fixture ran it once already
    second = event_store.ensure_indexes()

    assert first == second
    assert not any(report.created for report in second)
    if event_store.name == "mongo":
        indexes = event_store.collection.index_information()
        assert indexes["ttl_expires_at"]["expireAfterSeconds"] == 0
        assert list(indexes["ttl_expires_at"]["key"]) == [("expires_at", 1)]
        assert {report.name for report in second} <= set(indexes)
        assert [report.ttl_seconds for report in second if report.name == "ttl_expires_at"] == [0]


def test_append_many_writes_in_one_round_trip(event_store, django_assert_num_queries):
    events = [{"kind": "delivery", "type": "email.sent", "data": {"n": n}} for n in range(50)]
    if event_store.name == "db":
        with django_assert_num_queries(1):
            ids = event_store.append_many(events)
    else:
        with mock.patch.object(event_store.collection, "insert_many", wraps=event_store.collection.insert_many) as spy:
            ids = event_store.append_many(events)
        assert spy.call_count == 1
    assert len(set(ids)) == 50
    assert event_store.query().total == 50
    assert event_store.append_many([]) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "gossip", "type": "x.y"}, "unknown event kind"),
        ({"kind": "audit", "type": "has spaces"}, "event type"),
        ({"kind": "audit", "type": ""}, "event type"),
        ({"kind": "audit", "type": "a.b", "occurred_at": datetime(2030, 1, 1)}, "timezone-aware"),
        ({"kind": "audit", "type": "a.b", "ip": "not-an-ip"}, "IP"),
        ({"kind": "audit", "type": "a.b", "company_id": "7"}, "company_id"),
        ({"kind": "audit", "type": "a.b", "data": ["not", "a", "dict"]}, "mapping"),
        ({"kind": "audit", "type": "a.b", "data": {"x": object()}}, "JSON"),
    ],
)
def test_invalid_events_are_refused_and_nothing_of_the_batch_is_stored(event_store, fields, message):
    good = {"kind": "audit", "type": "tender.published"}
    with pytest.raises(ValueError, match=message):
        event_store.append_many([good, fields])
    assert event_store.query().total == 0


def test_the_store_answers_ping(event_store):
    event_store.ping()


def test_the_interface_has_no_update_or_delete(event_store):
    public = {name for name in dir(event_store) if not name.startswith("_")}
    assert not {name for name in public if name.startswith(("update", "delete", "remove", "replace"))}
