"""Factories of the tenders domain.

``TenderFactory()`` is a draft with valid, future deadlines, one item and the criteria
price 70 / delivery 20 / warranty 10 — ready to publish. ``TenderFactory(published=True)`` is
published (status, published_at, opening_at set as the service would); ``items=3`` gives three
items; ``criteria=[...]`` other criteria. For state changes in tests, call tenders.services.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from companies.tests.factories import CategoryFactory, CompanyFactory
from tenders.choices import CriterionKind, TenderStatus, TenderType, Visibility
from tenders.models import (
    Amendment,
    Clarification,
    Tender,
    TenderCriterion,
    TenderInvitation,
    TenderItem,
)

DEFAULT_CRITERIA = (
    (CriterionKind.PRICE, "Price", Decimal("70.00")),
    (CriterionKind.DELIVERY, "Delivery time", Decimal("20.00")),
    (CriterionKind.WARRANTY, "Warranty", Decimal("10.00")),
)


class TenderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenderItem

    tender = factory.SubFactory("tenders.tests.factories.TenderFactory", items=0)
    number = factory.LazyAttribute(lambda obj: obj.tender.items.count() + 1)
    description = factory.Sequence(lambda n: f"Item {n}: steel rebar CA-50 10 mm")
    quantity = Decimal("10.0000")
    unit = "pc"
    specification = "ABNT NBR 7480"
    lot = ""


class TenderCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenderCriterion

    tender = factory.SubFactory("tenders.tests.factories.TenderFactory", criteria=[])
    kind = CriterionKind.PRICE
    name = "Price"
    weight = Decimal("100.00")


class TenderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tender
        skip_postgeneration_save = True

    class Params:
        published = factory.Trait(
            status=TenderStatus.PUBLISHED,
            published_at=factory.LazyFunction(timezone.now),
            opening_at=factory.SelfAttribute("submission_deadline"),
        )

    buyer = factory.SubFactory(CompanyFactory, kind="buyer")
    number = factory.Sequence(lambda n: f"T-2026-{n:04d}")
    title = factory.Sequence(lambda n: f"Construction materials {n}")
    description = "Materials for the new warehouse."
    type = TenderType.RFQ
    category = factory.SubFactory(CategoryFactory)
    currency = "BRL"
    estimated_budget = Decimal("150000.00")
    visibility = Visibility.PUBLIC
    delivery_place = "Av. Paulista, 1000, São Paulo"
    payment_terms = "30 days after delivery"
    quote_validity_days = 60
    clarification_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=5))
    submission_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    opening_at = None

    @factory.post_generation
    def items(obj: Tender, create: bool, extracted: Any, **kwargs: Any) -> None:
        count = 1 if extracted is None else extracted
        if not create or not count:
            return
        for number in range(1, count + 1):
            TenderItemFactory(tender=obj, number=number, **kwargs)

    @factory.post_generation
    def criteria(obj: Tender, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        specs = DEFAULT_CRITERIA if extracted is None else extracted
        for spec in specs:
            if isinstance(spec, dict):
                TenderCriterion.objects.create(tender=obj, **spec)
            else:
                kind, name, weight = spec
                TenderCriterion.objects.create(tender=obj, kind=kind, name=name, weight=weight)


class TenderInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenderInvitation

    tender = factory.SubFactory(TenderFactory)
    supplier = factory.SubFactory(CompanyFactory, kind="supplier")
    email = ""


class ClarificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clarification

    tender = factory.SubFactory(TenderFactory, published=True)
    asked_by_company = factory.SubFactory(CompanyFactory, kind="supplier")
    question = factory.Sequence(lambda n: f"Question {n}: is an equivalent brand accepted?")


class AmendmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Amendment

    tender = factory.SubFactory(TenderFactory, published=True)
    version = 2
    reason = "More time for suppliers."
    material = False
    diff = factory.LazyFunction(dict)
