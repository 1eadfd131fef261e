"""The event store contract fixture: every test that takes ``event_store`` runs once per backend.

- ``db``: the relational table (on SQLite or PostgreSQL, whichever the test run uses);
- ``mongomock``: the pymongo backend code on an in-memory mongomock client;
- ``mongo``: the pymongo backend on the real server of ``MONGODB_URL``, each test in a database of
  its own that is dropped afterwards. Skipped when MONGODB_URL is not set: no MongoDB server can be
  installed on CI, so this is a plain skip, not a required service.
"""

from __future__ import annotations

import os
import uuid

import pytest
from django.conf import settings

from cotai.eventstore import get_event_store, reset_event_store
from cotai.eventstore.middleware import api_usage_buffer

MONGODB_URL = os.environ.get("MONGODB_URL") or settings.MONGODB_URL

BACKENDS = [
    pytest.param("db", id="db"),
    pytest.param("mongomock", id="mongomock"),
    pytest.param(
        "mongo",
        id="mongo",
        marks=[
            pytest.mark.mongodb,
            pytest.mark.skipif(
                not MONGODB_URL,
                reason="MONGODB_URL is not set: the contract tests run against a real MongoDB only when it is",
            ),
        ],
    ),
]


@pytest.fixture(params=BACKENDS)
def event_store(request, settings):
    """A fresh, empty store of each backend, installed as the process's store, with its indexes."""
    backend = request.param
    settings.EVENT_STORE_BACKEND = backend
    if backend == "mongo":
        settings.MONGODB_URL = MONGODB_URL
        settings.MONGODB_DATABASE = f"cotai_test_{uuid.uuid4().hex[:12]}"
    reset_event_store()
    store = get_event_store()
    store.ensure_indexes()
    yield store
    if backend == "mongo":
        store.client.drop_database(settings.MONGODB_DATABASE)
    reset_event_store()


@pytest.fixture(autouse=True)
def _empty_api_usage_buffer():
    """API requests of other tests must not reach this test's store."""
    api_usage_buffer().clear()
    yield
    api_usage_buffer().clear()
