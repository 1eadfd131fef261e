"""Factories and builders of the quotes domain.

Quotes reach their states through quotes.services (a revision is only real when the service
made it: content, receipt, locks), so the builders here call the services:

- ``published_tender(buyer, category, items=2)``: a published, public tender in ``category``;
- ``draft_quote(tender, supplier, actor, prices=[...])``: a draft with one line per price;
- ``submitted_quote(...)``: the same, submitted (revision 1 with its receipt);
- ``open_now(tender)``: moves the tender's deadline and opening time into the past and opens it.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from companies.tests.factories import CompanyFactory
from quotes import services
from quotes.models import Quote, QuoteLine, TenderOpening
from tenders.models import Tender
from tenders.tests.factories import TenderFactory

SEALED_PRICE = "98765.4321"  # a price that must never appear in a response before the opening


class QuoteFactory(factory.django.DjangoModelFactory):
    """A bare draft row (no lines). Use the builders below for anything submitted."""

    class Meta:
        model = Quote

    tender = factory.SubFactory(TenderFactory, published=True)
    supplier = factory.SubFactory(CompanyFactory, kind="supplier")
    delivery_days = 10
    validity_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=90))
    payment_terms = "30 days"


class QuoteLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuoteLine

    quote = factory.SubFactory(QuoteFactory)
    item = factory.LazyAttribute(lambda obj: obj.quote.tender.items.order_by("number").first())
    unit_price = Decimal("10.0000")
    quantity = factory.LazyAttribute(lambda obj: obj.item.quantity)


def published_tender(buyer: Any, category: Any, *, items: int = 2, **fields: Any) -> Tender:
    """A published public tender of ``buyer`` in ``category`` (suppliers of the category see it)."""
    return TenderFactory(buyer=buyer, category=category, published=True, items=items, **fields)


def lines_for(tender: Tender, prices: list[str | Decimal], **extra: Any) -> list[dict[str, Any]]:
    """One line per price, for the tender's items in order, offering the requested quantity."""
    items = list(tender.items.order_by("number"))
    return [
        {"item": item.pk, "unit_price": Decimal(str(price)), "quantity": item.quantity, **extra}
        for item, price in zip(items, prices, strict=False)
    ]


def draft_quote(tender: Tender, supplier: Any, actor: Any, prices: list[str | Decimal] | None = None, **terms: Any):
    data: dict[str, Any] = {"delivery_days": 10, **terms}
    if prices is None:
        prices = ["10"] * tender.items.count()
    data["lines"] = lines_for(tender, prices)
    return services.quote_create(tender=tender, supplier=supplier, actor=actor, data=data)


def submitted_quote(tender: Tender, supplier: Any, actor: Any, prices: list[str | Decimal] | None = None, **terms):
    quote = draft_quote(tender, supplier, actor, prices, **terms)
    services.quote_submit(quote=quote, actor=actor)
    quote.refresh_from_db()
    return quote


def past_deadline(tender: Tender, *, seconds: int = 1) -> Tender:
    """Move the tender's deadline and opening time ``seconds`` into the past (no other field changes)."""
    moment = timezone.now() - timedelta(seconds=seconds)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=moment, opening_at=moment)
    tender.refresh_from_db()
    return tender


def open_now(tender: Tender) -> TenderOpening:
    """Close and open ``tender`` now, as the beat task would once its opening time has come."""
    past_deadline(tender)
    opening = services.tender_open(tender=tender)
    tender.refresh_from_db()
    return opening
