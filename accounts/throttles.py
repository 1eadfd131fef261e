"""API rate limits that hold under concurrency.

DRF's SimpleRateThrottle reads a list of timestamps from the cache, appends and writes it back:
two requests at the same moment both read the same list and both pass, so N parallel attempts can
all get through a limit of 5. These throttles count with ``cache.add`` (create the counter only if
absent) and ``cache.incr`` (atomic on Redis and on the local-memory cache), so every request gets
its own number and exactly ``limit`` of them pass per window, however many arrive at once.

Counting is per fixed window (the current minute, hour...): simple and exact, at the price that a
client may spend its allowance at the end of one window and again at the start of the next.
Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].
"""

from __future__ import annotations

import hashlib
import time
from abc import ABC, abstractmethod
from typing import Any

from django.core.cache import cache as default_cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from cotai.eventstore.request_info import client_ip

_DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """'5/min' -> (5, 60); also '100/h', '10/s', '1000/day'. None means no limit."""
    if rate is None:
        return None
    count, period = rate.split("/")
    return int(count), _DURATIONS[period.strip()[0].lower()]


class AtomicRateThrottle(BaseThrottle, ABC):
    """Base class: subclasses set ``scope`` and say whom to count in ``get_idents``.

    A request is allowed only if every ident is within its limit; each ident's counter is
    incremented (refused attempts count too, which is what a brute-force limit needs).
    """

    scope: str = ""
    cache = default_cache
    timer = time.time

    def __init__(self) -> None:
        self.rate = self.get_rate()
        self.parsed = parse_rate(self.rate)
        self.wait_seconds: float | None = None

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request: Any) -> str:
        """The client address (behind TRUSTED_PROXY_COUNT proxies, the first one they saw)."""
        return client_ip(request) or "unknown"

    @abstractmethod
    def get_idents(self, request: Any, view: Any) -> list[str]:
        """The keys this request counts against (an address, a user, an email ...); [] to skip."""

    def hit(self, key: str, duration: int) -> int:
        """Increment the counter ``key`` atomically and return its new value."""
        if self.cache.add(key, 1, timeout=duration + 1):
            return 1
        try:
            return self.cache.incr(key)
        except ValueError:  # evicted between add and incr: start again
            self.cache.add(key, 0, timeout=duration + 1)
            return self.cache.incr(key)

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.parsed is None:
            return True
        limit, duration = self.parsed
        idents = self.get_idents(request, view)
        if not idents:
            return True
        now = self.timer()
        window = int(now // duration)
        allowed = True
        for ident in idents:
            if self.hit(f"throttle:{self.scope}:{window}:{ident}", duration) > limit:
                allowed = False
        if not allowed:
            self.wait_seconds = (window + 1) * duration - now
        return allowed

    def wait(self) -> float | None:
        return self.wait_seconds


def _digest(value: str) -> str:
    """Cache keys must be short and plain: hash whatever the client sent."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class AnonRateThrottle(AtomicRateThrottle):
    """Unauthenticated requests, per client address (scope "anon")."""

    scope = "anon"

    def get_idents(self, request: Any, view: Any) -> list[str]:
        if request.user is not None and request.user.is_authenticated:
            return []
        return [f"ip:{self.get_ident(request)}"]


class UserRateThrottle(AtomicRateThrottle):
    """Authenticated requests, per person or per API key (scope "user")."""

    scope = "user"

    def get_idents(self, request: Any, view: Any) -> list[str]:
        user = request.user
        if user is None or not user.is_authenticated:
            return []
        api_key = getattr(user, "api_key", None)
        if api_key is not None:
            return [f"key:{api_key.pk}"]
        return [f"user:{user.pk}"]


class LoginIPThrottle(AtomicRateThrottle):
    """Sign-in attempts per client address (scope "auth_login_ip")."""

    scope = "auth_login_ip"

    def get_idents(self, request: Any, view: Any) -> list[str]:
        return [f"ip:{self.get_ident(request)}"]


class LoginEmailThrottle(AtomicRateThrottle):
    """Sign-in attempts per email address, whichever address they come from (scope
    "auth_login_email"): a password guesser spreading over many addresses still meets it."""

    scope = "auth_login_email"

    def get_idents(self, request: Any, view: Any) -> list[str]:
        try:
            email = request.data.get("email", "")
        except AttributeError:
            return []
        if not isinstance(email, str) or not email.strip():
            return []
        return [f"email:{_digest(email.strip().lower())}"]
