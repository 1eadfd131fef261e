"""Rate limits: login brute force, concurrency, per-user and per-key API limits, 429 + Retry-After."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from accounts import throttles
from accounts.exceptions import AuthenticationRefused
from accounts.tests.factories import ApiKeyFactory
from accounts.tests.helpers import LOGIN_URL, ME_URL, api_login, bearer
from accounts.tests.urls import SCOPED_URL
from cotai.testing import need_service, using_postgres, using_redis


def _frozen() -> datetime:
    """20 s into the next minute: mid-window, so that no test straddles the boundary of a one-minute
    window, and after now, so that tokens issued before travelling there are valid."""
    return datetime.now(UTC).replace(second=20, microsecond=0) + timedelta(minutes=1)


def _rates(**rates: str) -> override_settings:
    return override_settings(REST_FRAMEWORK={**_rest_framework(), "DEFAULT_THROTTLE_RATES": {**_base_rates(), **rates}})


def _rest_framework() -> dict:
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK)


def _base_rates() -> dict:
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])


@pytest.fixture(autouse=True)
def _reload_drf_settings():
    """DRF caches its settings; throttles read them when instantiated."""
    api_settings.reload()
    yield
    api_settings.reload()


@pytest.mark.django_db
def test_login_is_limited_per_email_with_429_and_retry_after(person):
    client = APIClient()
    with time_machine.travel(_frozen(), tick=False):
        statuses = [api_login(client, person.email, "wrong-password-123").status_code for _ in range(5)]
        blocked = api_login(client, person.email)  # even the right password, once the limit is reached

    assert statuses == [401] * 5
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "throttled"
    assert blocked["Retry-After"] == "40"  # the rest of the current minute


@pytest.mark.django_db
def test_the_email_limit_holds_across_client_addresses_and_letter_case(person):
    with time_machine.travel(_frozen(), tick=False):
        statuses = [
            APIClient(REMOTE_ADDR=f"198.51.100.{n}")
            .post(
                LOGIN_URL,
                {"email": person.email.upper() if n % 2 else person.email, "password": "nope-nope-1"},
                format="json",
            )
            .status_code
            for n in range(8)
        ]

    assert statuses == [401] * 5 + [429] * 3


@pytest.mark.django_db
def test_login_is_limited_per_client_address_across_emails(db):
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    with time_machine.travel(_frozen(), tick=False):
        statuses = [api_login(client, f"guess{n}@example.com", "nope-nope-1").status_code for n in range(12)]
        other_address = APIClient(REMOTE_ADDR="203.0.113.8")
        elsewhere = api_login(other_address, "guess99@example.com", "nope-nope-1").status_code

    assert statuses == [401] * 10 + [429] * 2
    assert elsewhere == 401


@pytest.mark.django_db
def test_the_limit_resets_in_the_next_window(person):
    client = APIClient()
    with time_machine.travel(_frozen(), tick=False) as clock:
        for _ in range(6):
            api_login(client, person.email, "wrong-password-123")
        assert api_login(client, person.email).status_code == 429
        clock.shift(41)
        assert api_login(client, person.email).status_code == 200


def _concurrent_login_attempts(count: int, email: str) -> list[int]:
    barrier = threading.Barrier(count)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait()
            status = APIClient().post(LOGIN_URL, {"email": email, "password": "wrong"}, format="json").status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_fifty_concurrent_login_attempts_let_at_most_the_limit_through():
    """The throttle itself under 50 simultaneous requests, on the configured cache (local memory, or
    Redis when REDIS_URL is set). The password check is replaced by a refusal that needs no
    database, so that only the throttle decides (SQLite in memory cannot take 50 writers)."""
    refused = AuthenticationRefused("wrong", code="invalid_credentials")
    with (
        time_machine.travel(_frozen(), tick=False),
        mock.patch("accounts.api.views.services.auth_login", side_effect=refused),
    ):
        statuses = _concurrent_login_attempts(50, "victim@example.com")

    assert len(statuses) == 50
    # At most the limit got through to the password check; every other attempt was throttled. (Fewer
    # can pass: an attempt refused by the per-address limit still counts against the email's.)
    assert 1 <= statuses.count(401) <= 5
    assert statuses.count(429) == 50 - statuses.count(401)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_real_login_attempts_let_at_most_the_limit_through():
    need_service("PostgreSQL", using_postgres(), "50 concurrent requests need a real database server")
    from accounts.tests.factories import UserFactory

    user = UserFactory(email="victim@example.com")
    with time_machine.travel(_frozen(), tick=False):
        statuses = _concurrent_login_attempts(50, user.email)

    assert 1 <= statuses.count(401) <= 5
    assert statuses.count(429) == 50 - statuses.count(401)


def _request(ip: str = "192.0.2.1") -> SimpleNamespace:
    return SimpleNamespace(META={"REMOTE_ADDR": ip}, data={}, user=None)


def _hammer(throttle_class: type[throttles.AtomicRateThrottle], count: int) -> int:
    """``count`` threads ask one throttle at the same moment; returns how many were allowed."""
    barrier = threading.Barrier(count)
    allowed: list[bool] = []
    lock = threading.Lock()

    def ask() -> None:
        barrier.wait()
        result = throttle_class().allow_request(_request(), view=None)
        with lock:
            allowed.append(result)

    threads = [threading.Thread(target=ask) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(allowed)


def test_the_atomic_throttle_allows_exactly_the_limit_among_fifty_simultaneous_requests():
    with time_machine.travel(_frozen(), tick=False):
        assert _hammer(throttles.LoginIPThrottle, 50) == 10


@pytest.mark.redis
def test_the_atomic_throttle_holds_on_redis():
    need_service("Redis", using_redis(), "set REDIS_URL to run the throttle against Redis")
    assert "Redis" in type(caches["default"]).__name__
    with time_machine.travel(_frozen(), tick=False):
        assert _hammer(throttles.LoginIPThrottle, 50) == 10


@pytest.mark.django_db
def test_authenticated_requests_are_limited_per_person(person):
    client = APIClient()
    access = api_login(client, person.email).json()["access"]
    with _rates(user="3/min"):
        api_settings.reload()
        with time_machine.travel(_frozen(), tick=False):
            statuses = [client.get(ME_URL, **bearer(access)).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


@pytest.mark.urls("accounts.tests.urls")
@pytest.mark.django_db
def test_api_keys_are_limited_per_key_not_per_address(db):
    first, second = ApiKeyFactory(), ApiKeyFactory()
    client = APIClient()
    with _rates(user="2/min"):
        api_settings.reload()
        with time_machine.travel(_frozen(), tick=False):
            first_statuses = [
                client.get(SCOPED_URL, HTTP_AUTHORIZATION=f"Api-Key {first.plaintext}").status_code for _ in range(3)
            ]
            second_status = client.get(SCOPED_URL, HTTP_AUTHORIZATION=f"Api-Key {second.plaintext}").status_code

    assert first_statuses == [200, 200, 429]
    assert second_status == 200


@pytest.mark.django_db
def test_anonymous_requests_are_limited_per_address(db):
    client = APIClient(REMOTE_ADDR="192.0.2.50")
    with _rates(anon="2/min"):
        api_settings.reload()
        with time_machine.travel(_frozen(), tick=False):
            statuses = [
                client.post("/api/v1/auth/refresh", {"refresh": "x"}, format="json").status_code for _ in range(3)
            ]

    assert statuses == [401, 401, 429]


def test_rates_parse_like_drfs():
    assert throttles.parse_rate("5/min") == (5, 60)
    assert throttles.parse_rate("100/hour") == (100, 3600)
    assert throttles.parse_rate("10/s") == (10, 1)
    assert throttles.parse_rate("1000/day") == (1000, 86400)
    assert throttles.parse_rate(None) is None
