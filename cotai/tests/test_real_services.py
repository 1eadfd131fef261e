"""The real services CI provides: these run on PostgreSQL and Redis, and fail in CI if either is missing."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.db import connection

from cotai.testing import need_service, using_postgres, using_redis


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_is_used_with_persistent_checked_connections():
    need_service("PostgreSQL", using_postgres(), "set DATABASE_URL=postgres://...")
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 130000


@pytest.mark.redis
def test_redis_cache_counts_atomically_under_concurrency():
    """Rate limits rely on atomic increments; 20 threads x 50 increments must add up exactly."""
    need_service("Redis", using_redis(), "set REDIS_URL=redis://...")
    from django.core.cache import caches

    assert type(caches["default"]).__name__ == "RedisCache"
    cache.set("ci:counter", 0, timeout=60)

    def bump():
        for _ in range(50):
            cache.incr("ci:counter")

    threads = [threading.Thread(target=bump) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert cache.get("ci:counter") == 1000
