"""Fixtures of the accounts tests (helpers are in accounts/tests/helpers.py)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def person(db) -> Any:
    return UserFactory(email="ana@example.com", full_name="Ana Souza")
