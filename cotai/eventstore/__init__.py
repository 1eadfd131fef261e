"""Event store: the append-only audit trail, delivery logs, API usage and analytics events.

Use it through :func:`get_event_store`::

    from cotai.eventstore import get_event_store

    store = get_event_store()
    store.append(kind="analytics", type="report.exported", company_id=company.pk, actor_id=user.pk)
    page = store.query(company_id=company.pk, kind="audit", page=1, page_size=50)

The backend is chosen by ``settings.EVENT_STORE_BACKEND``: ``"db"`` (the relational table, the
embedded default), ``"mongo"`` (pymongo on ``MONGODB_URL``) or ``"mongomock"`` (the same MongoDB code
on an in-memory mongomock client; tests only). Audit events are written through :mod:`cotai.audit`.
"""

from __future__ import annotations

import os
import threading

from cotai.eventstore.base import Event, EventKind, EventPage, EventStore

__all__ = ["Event", "EventKind", "EventPage", "EventStore", "build_event_store", "get_event_store", "reset_event_store"]

_lock = threading.Lock()
_store: EventStore | None = None
_store_pid: int | None = None


def build_event_store(backend: str | None = None) -> EventStore:
    """A new store for ``backend`` (default: ``settings.EVENT_STORE_BACKEND``)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    backend = backend or settings.EVENT_STORE_BACKEND
    if backend == "db":
        from cotai.eventstore.db import DbEventStore

        return DbEventStore()
    if backend == "mongo":
        from cotai.eventstore.mongo import MongoEventStore

        if not settings.MONGODB_URL:
            raise ImproperlyConfigured("EVENT_STORE_BACKEND is 'mongo' but MONGODB_URL is not set.")
        # The health check's time limit also bounds server selection: an unreachable server fails
        # every call fast instead of holding requests and workers.
        timeout_ms = max(100, int(settings.HEALTH_CHECK_TIMEOUT * 1000))
        return MongoEventStore.connect(settings.MONGODB_URL, settings.MONGODB_DATABASE, timeout_ms=timeout_ms)
    if backend == "mongomock":
        import mongomock

        from cotai.eventstore.mongo import MongoEventStore

        return MongoEventStore(mongomock.MongoClient(tz_aware=True), settings.MONGODB_DATABASE)
    raise ImproperlyConfigured(f"Unknown EVENT_STORE_BACKEND {backend!r}: use 'db', 'mongo' or 'mongomock'.")


def get_event_store() -> EventStore:
    """The process's event store, built on first use.

    A forked child (gunicorn and Celery workers) builds its own: a MongoDB client must not be shared
    across a fork.
    """
    global _store, _store_pid
    store, pid = _store, os.getpid()
    if store is not None and _store_pid == pid:
        return store
    with _lock:
        if _store is None or _store_pid != pid:
            _store, _store_pid = build_event_store(), pid
        return _store


def reset_event_store() -> None:
    """Forget (and close) the process's store, so the next call builds one from current settings."""
    global _store, _store_pid
    with _lock:
        store, pid = _store, _store_pid
        _store, _store_pid = None, None
    if store is not None and pid == os.getpid():
        store.close()
