"""Fixtures of the notifications tests: an in-memory broker, domain events run on demand, and
small real servers (SMTP, HTTP) on 127.0.0.1 for the channels."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from rest_framework.test import APIClient

from cotai.celery import app as celery_app
from cotai.events import registry
from cotai.eventstore import get_event_store


@pytest.fixture(autouse=True)
def _memory_broker() -> Iterator[None]:
    """Tasks enqueued by the fan-out go to an in-process broker; tests run the engine themselves."""
    saved = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = "memory://", {}
    celery_app._pool = None
    yield
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved
    celery_app._pool = None


@pytest.fixture(autouse=True)
def _quiet_defaults(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.ConsoleSmsGateway"
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False
    settings.NOTIFICATIONS_WEBHOOK_REQUIRE_HTTPS = False


@pytest.fixture
def run_events() -> Callable[..., list[str]]:
    """``run_events()`` hands every domain event emitted so far (and not yet handled) to the
    notifications subscribers, as the dispatcher would after commit; returns the event names."""
    from cotai.events.models import OutboxEvent

    done: set[Any] = set()

    def run(*names: str) -> list[str]:
        handled = []
        for row in OutboxEvent.objects.order_by("created_at", "id"):
            if row.pk in done or (names and row.name not in names):
                continue
            done.add(row.pk)
            event = row.to_domain_event()
            for entry in registry.matching(row.name):
                if entry.name.startswith("notifications."):
                    entry.handler(event)
            handled.append(row.name)
        return handled

    return run


@pytest.fixture
def delivery_log() -> Callable[..., list[Any]]:
    def read(*, type: str | None = None) -> list[Any]:
        page = get_event_store().query(kind="delivery", type=type, page_size=500)
        return list(reversed(page.items))

    return read


@pytest.fixture
def api() -> Callable[..., APIClient]:
    def make(user: Any = None, company: Any = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        if company is not None:
            client.credentials(HTTP_X_COMPANY=str(company.pk))
        return client

    return make


# --- a small HTTP server on 127.0.0.1 -------------------------------------------------------------------
@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalServer:
    """Records every request; ``responses`` is a list of (status, headers, body) answered in turn
    (the last one repeats); ``handler`` may compute an answer from the request instead."""

    url: str
    requests: list[Received] = field(default_factory=list)
    responses: list[tuple[int, dict[str, str], bytes]] = field(default_factory=lambda: [(200, {}, b"ok")])
    handler: Callable[[Received], tuple[int, dict[str, str], bytes]] | None = None


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    state: dict[str, LocalServer] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            received = Received(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
            )
            server = state["server"]
            with lock:
                server.requests.append(received)
                if server.handler is not None:
                    status, headers, body = server.handler(received)
                else:
                    index = min(len(server.requests), len(server.responses)) - 1
                    status, headers, body = server.responses[index]
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET = do_PUT = _serve

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["server"] = LocalServer(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["server"]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def json_body(received: Received) -> Any:
    return json.loads(received.body)
