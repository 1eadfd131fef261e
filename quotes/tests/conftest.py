"""Fixtures of the quotes tests: an in-memory broker, private media, audit and outbox readers, an API
client factory, and a small market: a published tender in a category both suppliers supply."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from companies.tests.factories import CategoryFactory
from cotai.celery import app as celery_app
from cotai.eventstore import get_event_store
from cotai.eventstore.base import Event


@pytest.fixture(autouse=True)
def _memory_broker() -> Iterator[None]:
    """Relays of domain events go to an in-process broker, never to var/ or a real Redis."""
    saved = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = "memory://", {}
    celery_app._pool = None
    yield
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved
    celery_app._pool = None


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def audit_log() -> Callable[..., list[Event]]:
    """``audit_log(type="quote.submitted")``: audit events recorded so far, oldest first."""

    def read(*, type: str | None = None, company: Any = None) -> list[Event]:
        page = get_event_store().query(
            kind="audit", type=type, company_id=getattr(company, "pk", company), page_size=500
        )
        return list(reversed(page.items))

    return read


@pytest.fixture
def outbox() -> Callable[[str], list]:
    """``outbox("quote.submitted")``: domain events of that name written in this test."""
    from cotai.events.models import OutboxEvent

    def read(name: str) -> list:
        return list(OutboxEvent.objects.filter(name=name).order_by("created_at"))

    return read


@pytest.fixture
def api() -> Callable[..., APIClient]:
    """``api(user, company)``: an API client signed in as ``user`` acting for ``company``."""

    def make(user: Any, company: Any = None) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        if company is not None:
            client.credentials(HTTP_X_COMPANY=str(company.pk))
        return client

    return make


@pytest.fixture
def category(db):
    return CategoryFactory(code="goods.test-office", name="Office supplies", slug="goods-test-office")


@pytest.fixture
def market(category, supplier_a_company, supplier_b_company, buyer, buyer_admin, supplier_a, supplier_b):
    """Both suppliers registered in ``category``; every persona created."""
    supplier_a_company.categories.add(category)
    supplier_b_company.categories.add(category)
    return category


@pytest.fixture
def tender(market, buyer_company):
    """A published public tender of buyer_company with two items (10 pc each), deadline in 10 days."""
    from quotes.tests.factories import published_tender

    return published_tender(buyer_company, market, items=2)
