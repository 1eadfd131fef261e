"""Root test configuration: shared fixtures and per-test isolation."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Every test starts with an empty cache, so throttle counters and cached reads never leak."""
    cache.clear()
    yield
    cache.clear()
