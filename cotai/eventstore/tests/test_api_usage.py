"""API usage: every /api/ request is queued with its route pattern and written in batches."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from prometheus_client import REGISTRY

from cotai.eventstore.middleware import api_usage_buffer, flush_api_usage, readable_route

pytestmark = [pytest.mark.django_db, pytest.mark.urls("cotai.eventstore.tests.urls")]


def usage(store) -> list:
    return store.query(kind="api_usage").items


def test_api_request_is_recorded_with_its_route_pattern_after_flush(event_store, client):
    response = client.get("/api/v1/items/42", HTTP_USER_AGENT="erp-sync/2.1", HTTP_X_REQUEST_ID="req-usage-1")
    assert response.status_code == 200
    assert usage(event_store) == []  # queued, not written during the request

    assert flush_api_usage() == 1
    [event] = usage(event_store)
    assert event.type == "api.request"
    assert event.data["method"] == "GET"
    assert event.data["route"] == "api/v1/items/<int:pk>"
    assert event.data["status"] == 200
    assert event.data["latency_ms"] >= 0
    assert event.correlation_id == "req-usage-1"
    assert event.ip == "127.0.0.1"
    assert event.user_agent == "erp-sync/2.1"
    assert (event.company_id, event.actor_id) == (None, None)
    assert flush_api_usage() == 0


def test_router_route_is_recorded_as_a_pattern_with_the_company_from_request_auth(event_store, client):
    user = get_user_model().objects.create(email="integrator@example.com")
    for pk in (7, 8):
        client.get(f"/api/v1/things/{pk}", HTTP_X_TEST_USER=str(user.pk), HTTP_X_TEST_COMPANY="9")
    flush_api_usage()

    events = usage(event_store)
    assert [event.data["route"] for event in events] == ["api/v1/things/<pk>", "api/v1/things/<pk>"]
    assert {(event.company_id, event.actor_id) for event in events} == {(9, user.pk)}


def test_company_is_taken_from_request_company(event_store, client):
    client.post("/api/v1/scoped")
    flush_api_usage()
    [event] = usage(event_store)
    assert (event.company_id, event.data["method"], event.data["status"]) == (3, "POST", 201)


def test_unknown_api_url_is_recorded_without_the_raw_path(event_store, client):
    client.get("/api/v1/no/such/123")
    flush_api_usage()
    [event] = usage(event_store)
    assert (event.data["route"], event.data["status"]) == (None, 404)


def test_ping_and_the_health_probe_are_not_recorded(event_store, client):
    assert client.get("/ping").status_code == 200
    client.get("/api/v1/health")
    assert flush_api_usage() == 0
    assert usage(event_store) == []


def test_nothing_is_recorded_when_api_usage_is_disabled(event_store, client, settings):
    settings.API_USAGE_ENABLED = False
    client.get("/api/v1/items/1")
    assert flush_api_usage() == 0


def test_a_full_buffer_drops_the_oldest_entries_and_counts_them(event_store, client, monkeypatch):
    monkeypatch.setattr(api_usage_buffer(), "max_entries", 2)
    monkeypatch.setattr(api_usage_buffer(), "batch_size", 2)
    dropped_before = REGISTRY.get_sample_value("cotai_api_usage_dropped_total") or 0
    for pk in (1, 2, 3):
        client.get(f"/api/v1/items/{pk}", HTTP_X_REQUEST_ID=f"req-{pk}")
    assert REGISTRY.get_sample_value("cotai_api_usage_dropped_total") == dropped_before + 1

    flush_api_usage()
    assert sorted(event.correlation_id for event in usage(event_store)) == ["req-2", "req-3"]


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ("api/v1/tenders/<int:pk>", "api/v1/tenders/<int:pk>"),
        ("api/v1/tenders/(?P<pk>[^/.]+)$", "api/v1/tenders/<pk>"),
        ("api/v1/tenders$", "api/v1/tenders"),
        ("api/v1/tenders/(?P<pk>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$", "api/v1/tenders/<pk>.<format>"),
        ("api/v1/^quotes/(?P<quote_pk>(?:[0-9]+|new))/lines$", "api/v1/quotes/<quote_pk>/lines"),
    ],
)
def test_readable_route_turns_regex_groups_into_placeholders(route, expected):
    assert readable_route(route) == expected
