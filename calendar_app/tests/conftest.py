"""Fixtures of the calendar tests: an in-memory broker, domain events handed to the calendar's
subscribers on demand, an API client factory and a small market (a buyer, two suppliers, a category)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from cotai.celery import app as celery_app
from cotai.events import registry


@pytest.fixture(autouse=True)
def _memory_broker() -> Iterator[None]:
    """Relays of domain events go to an in-process broker, never to var/ or a real Redis."""
    saved = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = "memory://", {}
    celery_app._pool = None
    yield
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved
    celery_app._pool = None


@pytest.fixture
def run_events() -> Callable[..., list[str]]:
    """``run_events()`` hands every domain event emitted so far (and not yet handled) to the
    calendar's subscribers, as the dispatcher would after commit; returns the event names."""
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
                if entry.name.startswith("calendar_app."):
                    entry.handler(event)
            handled.append(row.name)
        return handled

    return run


@pytest.fixture
def outbox() -> Callable[[str], list]:
    """``outbox("deadline.approaching")``: domain events of that name written so far, oldest first."""
    from cotai.events.models import OutboxEvent

    def read(name: str) -> list:
        return list(OutboxEvent.objects.filter(name=name).order_by("created_at", "id"))

    return read


@pytest.fixture
def api() -> Callable[..., APIClient]:
    """``api(user, company)``: an API client signed in as ``user`` acting for ``company``."""

    def make(user: Any = None, company: Any = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        if company is not None:
            client.credentials(HTTP_X_COMPANY=str(company.pk))
        return client

    return make


@pytest.fixture
def category(db):
    from companies.tests.factories import CategoryFactory

    return CategoryFactory(code="goods.calendar-steel", name="Steel", slug="goods-calendar-steel")


@pytest.fixture
def market(category, buyer_company, supplier_a_company, supplier_b_company, buyer, supplier_a, supplier_b, outsider):
    """Both suppliers supply the category; supplier_a will be the invited one in most tests."""
    supplier_a_company.categories.add(category)
    supplier_b_company.categories.add(category)
    return category
