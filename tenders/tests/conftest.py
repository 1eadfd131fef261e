"""Fixtures of the tenders tests: an in-memory broker, a private media folder, events and audit readers,
and a small world (a category, a published public tender, invited-only tenders) built on the root personas."""

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
    """Uploaded documents go to a folder of this test only."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def audit_log() -> Callable[..., list[Event]]:
    """``audit_log(type="tender.published")``: the audit events recorded so far, oldest first."""

    def read(*, type: str | None = None, company: Any = None) -> list[Event]:
        page = get_event_store().query(
            kind="audit", type=type, company_id=getattr(company, "pk", company), page_size=500
        )
        return list(reversed(page.items))

    return read


@pytest.fixture
def outbox() -> Callable[[str], list]:
    """``outbox("tender.published")``: the domain events of that name written in this test."""
    from cotai.events.models import OutboxEvent

    def read(name: str) -> list:
        return list(OutboxEvent.objects.filter(name=name).order_by("created_at"))

    return read


@pytest.fixture
def category(db):
    """A category both suppliers supply (supplier_a and supplier_b are registered in it)."""
    return CategoryFactory(code="goods.test-steel", name="Steel", slug="goods-test-steel")


@pytest.fixture
def suppliers_in_category(category, supplier_a_company, supplier_b_company) -> None:
    supplier_a_company.categories.add(category)
    supplier_b_company.categories.add(category)


@pytest.fixture
def draft(buyer_company, buyer, category):
    """A draft of buyer_company, ready to publish (future deadlines, one item, valid criteria)."""
    from tenders.tests.factories import TenderFactory

    return TenderFactory(buyer=buyer_company, category=category, created_by=buyer)


@pytest.fixture
def published(draft, buyer, suppliers_in_category):
    """draft, published through the service: public in the category both suppliers supply."""
    from tenders import services

    return services.tender_publish(tender=draft, actor=buyer)


@pytest.fixture
def api(buyer_company) -> Callable[..., APIClient]:
    """``api(user, company)``: an API client signed in as ``user`` acting for ``company``."""

    def make(user: Any, company: Any = None) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        if company is not None:
            client.credentials(HTTP_X_COMPANY=str(company.pk))
        return client

    return make
