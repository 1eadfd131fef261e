"""Helpers for tests that need a real service (PostgreSQL, Redis, MongoDB, Chromium).

Such a test is skipped when the service is absent, unless COTAI_REQUIRE_SERVICES is set (CI sets
it): then the absence is a failure, so CI can never pass by skipping what it was meant to test.
"""

from __future__ import annotations

import pytest
from django.conf import settings


def need_service(name: str, available: bool, why: str = "") -> None:
    if available:
        return
    message = f"{name} is not available{': ' + why if why else ''}"
    if settings.REQUIRE_SERVICES:
        pytest.fail(f"{message} (COTAI_REQUIRE_SERVICES is set, so this cannot be skipped)")
    pytest.skip(message)


def using_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def using_redis() -> bool:
    return bool(settings.REDIS_URL)
