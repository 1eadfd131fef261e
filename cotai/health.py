"""Liveness (/ping) and the deep health check (/api/v1/health).

/ping touches nothing: it answers as long as the process serves requests. The deep check probes
every part CotAi depends on (database, cache, Celery broker, event store), each with its status
and latency, and answers 503 naming the failing parts when any of them is down.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

log = structlog.get_logger("cotai.health")

HEALTH_STATUS_CHOICES = [("ok", "ok"), ("error", "error")]


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "ok":
        raise RuntimeError("the cache did not return what was stored")


def check_broker() -> None:
    from cotai.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.HEALTH_CHECK_TIMEOUT)
        if conn.transport_cls == "filesystem" or conn.transport.driver_type == "filesystem":
            folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_out"]
            probe = Path(folder) / f".health-{uuid.uuid4().hex}"
            probe.write_text("ok")
            probe.unlink()


def check_event_store() -> None:
    from cotai.eventstore import get_event_store

    get_event_store().ping()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "event_store": check_event_store,
}


def _timed(check: Callable[[], None]) -> tuple[str, float, str]:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; the message says which
        return "error", (time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}"[:300]
    return "ok", (time.perf_counter() - started) * 1000, ""


def run_checks() -> dict[str, dict[str, object]]:
    """Run every check with a time limit; a part that does not answer in time is reported down."""
    results: dict[str, dict[str, object]] = {}
    timeout = settings.HEALTH_CHECK_TIMEOUT
    for name, check in CHECKS.items():
        if name == "database":
            # The database check runs in the request thread: Django connections are per thread.
            state, latency, error = _timed(check)
        else:
            with ThreadPoolExecutor(max_workers=1) as pool:
                future = pool.submit(_timed, check)
                try:
                    state, latency, error = future.result(timeout=timeout + 1)
                except FutureTimeout:
                    state, latency, error = "error", (timeout + 1) * 1000, "timed out"
        entry: dict[str, object] = {"status": state, "latency_ms": round(latency, 2)}
        if error:
            entry["error"] = error
        results[name] = entry
    return results


@require_GET
@never_cache
def ping(request: HttpRequest) -> HttpResponse:
    """Liveness: touches nothing."""
    return HttpResponse("pong", content_type="text/plain")


_component = inline_serializer(
    "HealthComponent",
    {
        "status": serializers.ChoiceField(choices=HEALTH_STATUS_CHOICES),
        "latency_ms": serializers.FloatField(),
        "error": serializers.CharField(required=False),
    },
)
_health = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=HEALTH_STATUS_CHOICES),
        "failing": serializers.ListField(child=serializers.CharField()),
        "checks": serializers.DictField(child=_component),
    },
)


@extend_schema(
    operation_id="health",
    tags=["operations"],
    summary="Deep health check",
    description="Probes the database, the cache, the Celery broker and the event store. "
    "200 when every part is ok; 503 naming the failing parts otherwise.",
    responses={200: _health, 503: OpenApiResponse(_health, description="One or more parts are down.")},
    auth=[],
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def health(request: Request) -> Response:
    checks = run_checks()
    failing = [name for name, entry in checks.items() if entry["status"] != "ok"]
    if failing:
        log.warning("health.failing", failing=failing)
    body = {"status": "error" if failing else "ok", "failing": failing, "checks": checks}
    response = Response(body, status=503 if failing else 200)
    response["Cache-Control"] = "no-store"
    return response
