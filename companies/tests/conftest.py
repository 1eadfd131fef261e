"""Fixtures of the companies tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from cotai.celery import app as celery_app
from cotai.eventstore import get_event_store
from cotai.eventstore.base import Event


@pytest.fixture(autouse=True)
def _memory_broker() -> Iterator[None]:
    """Relays of domain events published by executed on-commit callbacks go to an in-process broker,
    never to the project's var/ folder or a real Redis."""
    saved = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = "memory://", {}
    celery_app._pool = None
    yield
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved
    celery_app._pool = None


@pytest.fixture
def audit_log() -> Callable[..., list[Event]]:
    """``audit_log(company=..., type=...)``: the audit events recorded so far, oldest first."""

    def read(*, company=None, type: str | None = None) -> list[Event]:
        page = get_event_store().query(
            kind="audit", company_id=getattr(company, "pk", company), type=type, page_size=500
        )
        return list(reversed(page.items))

    return read


@pytest.fixture
def outbox() -> Callable[[str], list]:
    """``outbox("member.invited")``: the domain events of that name written in this test."""
    from cotai.events.models import OutboxEvent

    def read(name: str) -> list:
        return list(OutboxEvent.objects.filter(name=name).order_by("created_at"))

    return read
