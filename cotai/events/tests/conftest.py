"""Fixtures of the dispatcher tests: an in-memory broker, eager mode on demand, test subscribers."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

import pytest
from celery.contrib.testing.worker import TestWorkController, start_worker

from cotai.celery import app as celery_app
from cotai.events import registry
from cotai.events.tests import handlers


def switch_broker(url: str, transport_options: dict | None = None) -> None:
    """Point the Celery app at another broker; cached connection pools are dropped."""
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = transport_options or {}
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture(autouse=True)
def memory_broker() -> Iterator[Callable[..., None]]:
    """Every test here publishes to an in-process broker, never to the project's var/ folder or Redis.

    Yields ``switch_broker`` so a test can take the broker down (a closed port) and bring it back.
    """
    saved = {
        key: celery_app.conf[key]
        for key in ("broker_url", "broker_transport_options", "task_always_eager", "task_eager_propagates")
    }
    switch_broker("memory://")
    yield switch_broker
    for key, value in saved.items():
        celery_app.conf[key] = value
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def eager() -> None:
    """Tasks run inline where they are enqueued (restored after the test by ``memory_broker``)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture
def eager_with_retries() -> None:
    """Eager mode in which a task's retries run too, at once (countdowns are not waited for).

    Celery re-runs a retrying eager task only when errors do not propagate; the final error is
    then kept in the task's result instead of raised.
    """
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = False


@pytest.fixture(autouse=True)
def only_platform_subscribers() -> Iterator[None]:
    """The tests here see the built-in subscribers and their own, not those of the domain apps
    (which would need real tenders and quotes behind the ids these tests make up)."""
    saved = dict(registry._subscribers)
    registry._subscribers = {
        name: entry for name, entry in saved.items() if entry.handler.__module__ == "cotai.events.subscribers"
    }
    yield
    registry._subscribers = saved


@pytest.fixture
def subscribe() -> Iterator[Callable[..., str]]:
    """``subscribe(handler, *event_names)`` registers a test subscriber for this test only."""
    handlers.reset()
    added: list[str] = []

    def register(handler: Callable, *names: str) -> str:
        entry = registry.register(handler, names)
        added.append(entry.name)
        return entry.name

    yield register
    for name in added:
        registry.unregister(name)
    handlers.reset()


class BoundedWorkController(TestWorkController):
    """A test worker that gives up instead of waiting forever for its consumer to start."""

    start_timeout = 20.0

    def ensure_started(self) -> None:
        if not self._on_started.wait(self.start_timeout):
            self.stop(in_sighandler=False, exitcode=1)
            raise TimeoutError(f"the test worker did not start within {self.start_timeout} s")


@contextlib.contextmanager
def running_worker() -> Iterator[TestWorkController]:
    """A Celery worker in a thread of this process, consuming from the app's current broker."""
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(celery_app.conf.task_default_queue)
    with start_worker(
        celery_app,
        pool="solo",
        perform_ping_check=False,
        shutdown_timeout=20.0,
        WorkController=BoundedWorkController,
    ) as worker:
        yield worker


def wait_until(condition: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    """Poll ``condition`` until true; fail (never hang) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
