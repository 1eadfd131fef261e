"""Records every /api/ request in the event store as an ``api_usage`` event, without slowing it down.

Each request adds one small dict to an in-memory buffer (:mod:`cotai.eventstore.buffer`); a daemon
thread writes the buffer with ``append_many`` every 2 s or every 200 entries, and once more when
the process exits. If the store is down the buffer keeps up to 10,000 entries and then drops the
oldest, counted in ``cotai_api_usage_dropped_total``; requests never wait and never fail because
of it. Under tests there is no thread: tests call :func:`flush_api_usage`.

What is recorded: method, route *pattern* (``api/v1/tenders/<pk>``, not the path, so ids do not
multiply the number of distinct values), status, latency, company, user, client address, user
agent and correlation id. ``API_USAGE_ENABLED = False`` turns it off.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from typing import Any

import structlog
from django.conf import settings
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from cotai.context import get_correlation_id
from cotai.eventstore import get_event_store
from cotai.eventstore.base import EventKind, prepare_event
from cotai.eventstore.buffer import BatchBuffer
from cotai.eventstore.metrics import API_USAGE_DROPPED
from cotai.eventstore.request_info import client_ip, user_agent

log = structlog.get_logger("cotai.eventstore.api_usage")

API_PREFIX = "/api/"
EVENT_TYPE = "api.request"
# Probed every few seconds by the orchestrator: operations traffic, not usage of the API.
EXCLUDED_ROUTES = frozenset({"api/v1/health"})

_NAMED_GROUP = "(?P<"


def readable_route(route: str) -> str:
    """A URL pattern as people write it: DRF router regexes become ``<name>`` placeholders.

    ``api/v1/tenders/(?P<pk>[^/.]+)$`` -> ``api/v1/tenders/<pk>``; ``path()`` routes stay as they are.
    """
    out: list[str] = []
    i = 0
    while i < len(route):
        if route.startswith(_NAMED_GROUP, i):
            name_end = route.index(">", i)
            out.append(f"<{route[i + len(_NAMED_GROUP) : name_end]}>")
            depth, j = 0, i
            while j < len(route):  # skip to the group's closing parenthesis
                char = route[j]
                if char == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(char, 0)
                j += 1
                if depth == 0:
                    break
            i = j
            continue
        char = route[i]
        if char == "\\" and i + 1 < len(route):
            out.append(route[i + 1])
            i += 2
            continue
        out.append(char)
        i += 1
    text = "".join(out).replace("^", "").replace("$", "")
    return re.sub(r"/\?$", "", text)


def _company_id(request: HttpRequest) -> int | None:
    company = getattr(request, "company", None)
    company_id = getattr(company, "pk", None) if company is not None else None
    if company_id is None:
        auth = getattr(request, "auth", None)  # DRF copies its authenticator's result onto the request
        company_id = getattr(auth, "company_id", None)
        if company_id is None and callable(getattr(auth, "get", None)):
            company_id = auth.get("company_id")  # a token's claims (simplejwt tokens are mappings)
    return company_id if isinstance(company_id, int) and not isinstance(company_id, bool) else None


def _actor_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.pk
    return None


def _write(batch: list[dict[str, Any]]) -> None:
    get_event_store().append_many(batch)


_buffer = BatchBuffer(
    _write,
    max_entries=10_000,
    batch_size=200,
    interval=2.0,
    on_drop=API_USAGE_DROPPED.inc,
    # The flusher thread has its own database connection: recycle it like a request would.
    around_background_flush=close_old_connections,
    # Under tests entries are written only by flush_api_usage(), inside the test's transaction.
    background=not settings.TESTING,
    name="cotai-api-usage",
)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_buffer.after_fork_in_child)


def api_usage_buffer() -> BatchBuffer:
    return _buffer


def flush_api_usage() -> int:
    """Write every buffered API usage entry now, in the calling thread; returns how many were written."""
    return _buffer.flush()


class ApiUsageMiddleware:
    """Measures each /api/ request and queues its usage entry; see the module docstring."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.API_USAGE_ENABLED or not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        occurred_at = timezone.now()
        started = time.perf_counter()
        response = self.get_response(request)
        latency_ms = (time.perf_counter() - started) * 1000
        try:
            self.record(request, response, occurred_at=occurred_at, latency_ms=latency_ms)
        except Exception:  # usage accounting must never break the response
            log.exception("api_usage.record_failed")
        return response

    @staticmethod
    def record(request: HttpRequest, response: HttpResponse, *, occurred_at, latency_ms: float) -> None:
        match = getattr(request, "resolver_match", None)
        route = readable_route(match.route) if match is not None and match.route else None
        if route in EXCLUDED_ROUTES:
            return
        entry = {
            "kind": EventKind.API_USAGE.value,
            "type": EVENT_TYPE,
            "occurred_at": occurred_at,
            "company_id": _company_id(request),
            "actor_id": _actor_id(request),
            "ip": client_ip(request),
            "user_agent": user_agent(request),
            "correlation_id": get_correlation_id(),
            "data": {
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "latency_ms": round(latency_ms, 2),
            },
        }
        prepare_event(**entry)  # a malformed entry fails here, not later in a whole batch
        _buffer.add(entry)
