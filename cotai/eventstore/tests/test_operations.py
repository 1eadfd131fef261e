"""Running the store: choosing the backend, the health check, eventstore_init and the expiry task."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone
from pymongo.errors import ServerSelectionTimeoutError

from cotai import health
from cotai.eventstore import get_event_store, reset_event_store
from cotai.eventstore.tasks import expire_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_store_after():
    yield
    reset_event_store()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ping_fails_fast_when_the_mongodb_server_is_unreachable(settings, fresh_store_after):
    settings.EVENT_STORE_BACKEND = "mongo"
    settings.MONGODB_URL = f"mongodb://127.0.0.1:{closed_port()}/"
    settings.HEALTH_CHECK_TIMEOUT = 0.3
    reset_event_store()

    started = time.monotonic()
    with pytest.raises(ServerSelectionTimeoutError):
        get_event_store().ping()
    with pytest.raises(ServerSelectionTimeoutError):
        health.check_event_store()
    assert time.monotonic() - started < 5


def test_the_store_is_built_once_per_process_from_settings(settings, fresh_store_after, monkeypatch):
    settings.EVENT_STORE_BACKEND = "mongomock"
    reset_event_store()
    store = get_event_store()
    assert get_event_store() is store
    assert store.name == "mongo"

    import os

    real_pid = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: real_pid + 1)  # as in a forked worker
    assert get_event_store() is not store


@pytest.mark.parametrize(
    ("backend", "url", "message"),
    [("cassandra", "", "Unknown EVENT_STORE_BACKEND"), ("mongo", "", "MONGODB_URL is not set")],
)
def test_a_misconfigured_backend_is_refused(settings, fresh_store_after, backend, url, message):
    settings.EVENT_STORE_BACKEND = backend
    settings.MONGODB_URL = url
    reset_event_store()
    with pytest.raises(ImproperlyConfigured, match=message):
        get_event_store()


def test_eventstore_init_creates_the_indexes_once(event_store):
    out = StringIO()
    if event_store.name == "db":
        call_command("eventstore_init", stdout=out)
        assert "created by migrations" in out.getvalue()
        return
    event_store.collection.drop()  # start from a collection without indexes

    call_command("eventstore_init", stdout=out)
    first = out.getvalue()
    assert "index ttl_expires_at (expires_at asc, TTL after expires_at + 0s): created" in first
    assert "index company_time (company_id asc, occurred_at desc, _id desc): created" in first
    assert event_store.collection.index_information()["ttl_expires_at"]["expireAfterSeconds"] == 0

    out = StringIO()
    call_command("eventstore_init", stdout=out)
    assert "0 index(es) created, 10 already present" in out.getvalue()
    assert ": created" not in out.getvalue()


def test_eventstore_init_reports_an_unreachable_store(settings, fresh_store_after):
    from django.core.management.base import CommandError

    settings.EVENT_STORE_BACKEND = "mongo"
    settings.MONGODB_URL = f"mongodb://127.0.0.1:{closed_port()}/"
    settings.HEALTH_CHECK_TIMEOUT = 0.2
    reset_event_store()
    with pytest.raises(CommandError, match="is not usable: ServerSelectionTimeoutError"):
        call_command("eventstore_init", stdout=StringIO())


def test_expire_events_task_deletes_only_expired_events_and_is_idempotent(event_store, settings):
    settings.API_USAGE_TTL_DAYS = 1
    if event_store.name == "mongo":
        # Without this the TTL index could remove the past-due document before the task runs
        # (mongomock emulates TTL on every read); the task must do it by itself.
        event_store.collection.drop_index("ttl_expires_at")
    now = timezone.now()
    event_store.append(kind="api_usage", type="api.request", occurred_at=now - timedelta(days=2))
    event_store.append(kind="audit", type="tender.published", occurred_at=now - timedelta(days=2))

    assert expire_events.apply().get() == 1
    assert expire_events.apply().get() == 0
    assert [event.type for event in event_store.query().items] == ["tender.published"]
